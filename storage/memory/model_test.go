package memory_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
)

// model is the obviously correct store: a full copy of the state at every
// revision and every event ever written.
type model struct {
	states    []map[string]storage.KeyValue // states[rev]
	events    []storage.Event
	compacted int64
}

func (m *model) rev() int64 { return int64(len(m.states) - 1) }

func (m *model) current() map[string]storage.KeyValue { return m.states[len(m.states)-1] }

// commit records one revision made of ops, which the test built to succeed.
func (m *model) commit(ops []storage.Op) {
	rev := m.rev() + 1
	next := make(map[string]storage.KeyValue, len(m.current()))
	for k, v := range m.current() {
		next[k] = v
	}
	for _, op := range ops {
		old, existed := next[op.Key]
		switch op.Type {
		case storage.OpDelete:
			delete(next, op.Key)
			m.events = append(m.events, storage.Event{Type: storage.Deleted, Key: op.Key, Value: old.Value, PrevValue: old.Value, Revision: rev})
		default:
			kv := storage.KeyValue{Key: op.Key, Value: op.Value, Revision: rev, CreateRevision: rev}
			ev := storage.Event{Type: storage.Added, Key: op.Key, Value: op.Value, Revision: rev}
			if existed {
				kv.CreateRevision = old.CreateRevision
				ev.Type, ev.PrevValue = storage.Modified, old.Value
			}
			next[op.Key] = kv
			m.events = append(m.events, ev)
		}
	}
	m.states = append(m.states, next)
}

func (m *model) list(rev int64) []storage.KeyValue {
	var out []storage.KeyValue
	for _, kv := range m.states[rev] {
		out = append(out, kv)
	}
	slices.SortFunc(out, func(a, b storage.KeyValue) int {
		if a.Key < b.Key {
			return -1
		}
		return 1
	})
	return out
}

// A long random mix of writes, compactions, lists at past revisions,
// paginated lists and watch replays agrees with the model at every step,
// with a history window small enough that automatic compaction runs often.
func TestRandomOperationsMatchModel(t *testing.T) {
	const window = 40
	s := open(t, memory.Retention(window))
	ctx := t.Context()
	rnd := rand.New(rand.NewPCG(7, 11))
	m := &model{states: []map[string]storage.KeyValue{{}}}
	p := storage.TenantPrefix("t")
	names := make([]string, 24)
	for i := range names {
		names[i] = storage.Key("t", widgets, fmt.Sprintf("ns%d", i%3), fmt.Sprintf("n%02d", i))
	}
	opts := cmpopts.EquateEmpty()
	for step := range 3000 {
		k := names[rnd.IntN(len(names))]
		_, exists := m.current()[k]
		v := []byte(fmt.Sprintf("v%d", step))
		switch op := rnd.IntN(10); {
		case op < 3:
			_, err := s.Create(ctx, k, v)
			if exists != apierrors.IsAlreadyExists(err) || (!exists && err != nil) {
				t.Fatalf("step %d: Create %s (exists %v): %v", step, k, exists, err)
			}
			if !exists {
				m.commit([]storage.Op{{Type: storage.OpCreate, Key: k, Value: v}})
			}
		case op < 5:
			_, err := s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) { return v, nil })
			if exists == apierrors.IsNotFound(err) || (exists && err != nil) {
				t.Fatalf("step %d: Update %s (exists %v): %v", step, k, exists, err)
			}
			if exists {
				m.commit([]storage.Op{{Type: storage.OpPut, Key: k, Value: v}})
			}
		case op < 7:
			_, err := s.Delete(ctx, k, nil)
			if exists == apierrors.IsNotFound(err) || (exists && err != nil) {
				t.Fatalf("step %d: Delete %s (exists %v): %v", step, k, exists, err)
			}
			if exists {
				m.commit([]storage.Op{{Type: storage.OpDelete, Key: k}})
			}
		case op < 9:
			var ops []storage.Op
			for _, i := range rnd.Perm(len(names))[:1+rnd.IntN(4)] {
				k := names[i]
				if _, ok := m.current()[k]; !ok {
					ops = append(ops, storage.Op{Type: storage.OpCreate, Key: k, Value: v})
				} else if rnd.IntN(2) == 0 {
					ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k, ExpectedRevision: m.current()[k].Revision})
				} else {
					ops = append(ops, storage.Op{Type: storage.OpPut, Key: k, Value: v})
				}
			}
			if _, err := s.Txn(ctx, ops); err != nil {
				t.Fatalf("step %d: Txn: %v", step, err)
			}
			m.commit(ops)
		default:
			c := m.compacted + rnd.Int64N(m.rev()-m.compacted+1)
			if err := s.Compact(ctx, c); err != nil {
				t.Fatalf("step %d: Compact %d: %v", step, c, err)
			}
			m.compacted = max(m.compacted, c)
		}
		m.compacted = max(m.compacted, m.rev()-window)

		// Read at a few past revisions, some of them compacted.
		for range 3 {
			r := max(1, m.rev()-rnd.Int64N(window+10))
			if r > m.rev() {
				continue
			}
			res, err := s.List(ctx, p, storage.ListOptions{Revision: r, Limit: int64(rnd.IntN(30))})
			if r < m.compacted {
				if !isGone(err) {
					t.Fatalf("step %d: List at compacted revision %d (compacted %d): %v", step, r, m.compacted, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: List at %d: %v", step, r, err)
			}
			items := res.Items
			for res.Continue != "" {
				res, err = s.List(ctx, p, storage.ListOptions{Limit: 5, Continue: res.Continue})
				if err != nil {
					t.Fatalf("step %d: next page at %d: %v", step, r, err)
				}
				items = append(items, res.Items...)
			}
			if d := cmp.Diff(m.list(r), items, opts); d != "" {
				t.Fatalf("step %d: List at %d (-model +store):\n%s", step, r, d)
			}
		}
		if n, err := s.Count(ctx, p); err != nil || n != int64(len(m.current())) {
			t.Fatalf("step %d: Count %d, %v; want %d", step, n, err, len(m.current()))
		}

		if step%25 == 0 {
			from := m.compacted + rnd.Int64N(m.rev()-m.compacted+1)
			w, err := s.Watch(ctx, p, from)
			if err != nil {
				t.Fatalf("step %d: Watch from %d (compacted %d): %v", step, from, m.compacted, err)
			}
			var want []storage.Event
			for _, ev := range m.events {
				if ev.Revision > from {
					want = append(want, ev)
				}
			}
			got := make([]storage.Event, 0, len(want))
			for range want {
				ev, _ := receive(t, w)
				got = append(got, ev)
			}
			w.Stop()
			if d := cmp.Diff(want, got, opts); d != "" {
				t.Fatalf("step %d: Watch from %d (-model +store):\n%s", step, from, d)
			}
		}
	}
}
