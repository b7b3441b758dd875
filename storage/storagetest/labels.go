package storagetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

// labelValue returns a value whose labels are labels, as an object's
// JSON; the odd shapes (not JSON, labels not an object, a label that is
// not a string) have no labels a selector can match.
func labelValue(name string, labels map[string]string, shape int) []byte {
	switch shape {
	case 1:
		return []byte("not json " + name)
	case 2:
		return []byte(`{"metadata":{"name":"` + name + `","labels":["a","1"]}}`)
	case 3:
		return []byte(`{"metadata":{"name":"` + name + `","labels":{"a":1,"b":true}}}`)
	}
	v, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"name": name, "labels": labels},
		"spec":     map[string]any{"note": `a "quoted" text with "a":"1" in it`},
	})
	return v
}

// testLabelSelection proves that a List with label requirements answers
// exactly what the same List without them, filtered by the labels the
// test wrote, answers — at the current revision and at a past one, whole
// and paged — after random creations, relabellings, deletions and
// transactions. For SQLite that is the label index against the scan;
// for the other backends, the scan they fall back to.
func testLabelSelection(t *testing.T, s storage.Interface) {
	seed := uint64(13)
	rng := rand.New(rand.NewPCG(seed, 2))
	p := prefix("t", "default")
	names := make([]string, 40)
	for i := range names {
		names[i] = fmt.Sprintf("o%02d", i)
	}
	randomLabels := func() (map[string]string, int) {
		if rng.IntN(10) == 0 {
			return nil, 1 + rng.IntN(3) // an odd shape: no labels
		}
		l := map[string]string{}
		for _, k := range []string{"a", "b", "c"} {
			if rng.IntN(3) > 0 {
				l[k] = fmt.Sprint(1 + rng.IntN(3))
			}
		}
		return l, 0
	}
	model := map[string]map[string]string{} // live keys' labels
	type snapshot struct {
		rev    int64
		labels map[string]map[string]string
	}
	var snaps []snapshot
	// A key outside the prefix with labels that every selector below
	// matches must never show up.
	create(t, s, key("t", "other", "x"), labelValue("x", map[string]string{"a": "1", "b": "1", "c": "1"}, 0))
	for step := range 300 {
		n := names[rng.IntN(len(names))]
		k := key("t", "default", n)
		l, shape := randomLabels()
		_, live := model[k]
		switch {
		case !live:
			create(t, s, k, labelValue(n, l, shape))
			model[k] = l
		case rng.IntN(4) == 0:
			del(t, s, k)
			delete(model, k)
		case rng.IntN(6) == 0:
			// A Txn relabels one key and creates or deletes another.
			n2 := names[rng.IntN(len(names))]
			k2 := key("t", "default", n2)
			if k2 == k {
				continue
			}
			l2, shape2 := randomLabels()
			ops := []storage.Op{{Type: storage.OpPut, Key: k, Value: labelValue(n, l, shape)}}
			if _, live2 := model[k2]; live2 {
				ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k2})
				delete(model, k2)
			} else {
				ops = append(ops, storage.Op{Type: storage.OpCreate, Key: k2, Value: labelValue(n2, l2, shape2)})
				model[k2] = l2
			}
			txn(t, s, ops...)
			model[k] = l
		default:
			put(t, s, k, labelValue(n, l, shape))
			model[k] = l
		}
		if step%100 == 50 {
			snaps = append(snaps, snapshot{current(t, s), maps.Clone(model)})
		}
	}
	snaps = append(snaps, snapshot{0, maps.Clone(model)})

	randomReqs := func() []storage.LabelRequirement {
		var reqs []storage.LabelRequirement
		for range 1 + rng.IntN(2) {
			r := storage.LabelRequirement{Key: []string{"a", "b", "c", "zz"}[rng.IntN(4)]}
			for range 1 + rng.IntN(3) {
				r.Values = append(r.Values, fmt.Sprint(1+rng.IntN(4)))
			}
			reqs = append(reqs, r)
		}
		return reqs
	}
	for i := range 40 {
		snap := snaps[rng.IntN(len(snaps))]
		reqs := randomReqs()
		all := list(t, s, p, storage.ListOptions{Revision: snap.rev})
		var want []storage.KeyValue
		for _, kv := range all.Items {
			l, ok := snap.labels[kv.Key]
			check(t, ok, "%s listed at revision %d, the test's model does not have it live", kv.Key, snap.rev)
			if matches(l, reqs) {
				want = append(want, kv)
			}
		}
		for _, limit := range []int64{0, 1, 3, 7} {
			got := listSelectedPages(t, s, p, storage.ListOptions{Revision: snap.rev, Limit: limit, Labels: reqs}, all.Revision, fmt.Sprintf("case %d (seed %d)", i, seed))
			equal(t, got, want, "case %d (seed %d): List of %s at revision %d with labels %s, limit %d", i, seed, p, snap.rev, showReqs(reqs), limit)
		}
	}
}

// matches reports whether labels l meet every requirement.
func matches(l map[string]string, reqs []storage.LabelRequirement) bool {
	for _, r := range reqs {
		v, ok := l[r.Key]
		if !ok || !slices.Contains(r.Values, v) {
			return false
		}
	}
	return true
}

// listSelectedPages lists p with opts page by page until the continue
// token ends, checking each page's shape, and returns every item.
func listSelectedPages(t *testing.T, s storage.Interface, p string, opts storage.ListOptions, rev int64, what string) []storage.KeyValue {
	t.Helper()
	limit, reqs := opts.Limit, opts.Labels
	var got []storage.KeyValue
	for page := 0; ; page++ {
		res := list(t, s, p, opts)
		check(t, res.Revision == rev, "%s: page %d at revision %d, want %d", what, page, res.Revision, rev)
		check(t, res.RemainingItemCount == nil, "%s: a selected list has RemainingItemCount %s", what, show(res.RemainingItemCount))
		check(t, limit == 0 || int64(len(res.Items)) <= limit, "%s: page of %d over the limit %d", what, len(res.Items), limit)
		got = append(got, res.Items...)
		if res.Continue == "" {
			return got
		}
		check(t, limit > 0 && int64(len(res.Items)) == limit, "%s: a short page (%d of %d) with a continue token", what, len(res.Items), limit)
		check(t, page < 1000, "%s: paging does not end", what)
		opts = storage.ListOptions{Limit: limit, Continue: res.Continue, Labels: reqs}
	}
}

func showReqs(reqs []storage.LabelRequirement) string {
	var b []string
	for _, r := range reqs {
		b = append(b, r.Key+" in ("+strings.Join(r.Values, ",")+")")
	}
	return strings.Join(b, ", ")
}
