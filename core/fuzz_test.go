package core_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
)

// fuzzLabels are the label sets of the objects the fuzz targets list:
// values with characters that JSON escapes or that look alike, so that
// the byte-level prefilter of selective lists is put to the test.
var fuzzLabels = []map[string]string{
	{"app": "web", "tier": "front"},
	{"app": "web-1", "tier": "back"},
	{"app": "db", "example.com/owner": "a_b"},
	{"app": "we", "x": "y.z"},
	{},
}

func newFuzzClient(f *testing.F) *core.Client {
	f.Helper()
	c, err := core.New(core.Options{Storage: memory.New()})
	if err != nil {
		f.Fatal(err)
	}
	for i, l := range fuzzLabels {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: "cm-" + string(rune('a'+i)), Namespace: "default", Labels: l,
		}, Data: map[string]string{"k": "v"}}
		if err := c.Create(context.Background(), cm); err != nil {
			f.Fatal(err)
		}
	}
	return c
}

// FuzzLabelSelector checks that a List with any parseable label selector
// returns exactly the objects the selector matches: the prefilter that
// skips decoding must never drop a match.
func FuzzLabelSelector(f *testing.F) {
	for _, s := range []string{"app=web", "app in (web,db)", "app!=web", "!x", "tier", "example.com/owner=a_b", "app=we,x=y.z", "app notin (web)"} {
		f.Add(s)
	}
	c := newFuzzClient(f)
	f.Fuzz(func(t *testing.T, expr string) {
		sel, err := labels.Parse(expr)
		if err != nil {
			return
		}
		var got corev1.ConfigMapList
		if err := c.List(t.Context(), &got, client.MatchingLabelsSelector{Selector: sel}); err != nil {
			t.Fatalf("List(%q): %v", expr, err)
		}
		var want []string
		for i, l := range fuzzLabels {
			if sel.Matches(labels.Set(l)) {
				want = append(want, "cm-"+string(rune('a'+i)))
			}
		}
		var names []string
		for _, cm := range got.Items {
			names = append(names, cm.Name)
		}
		slices.Sort(names)
		if diff := cmp.Diff(want, names); diff != "" {
			t.Fatalf("List(%q) (-want +got):\n%s", expr, diff)
		}
	})
}

// FuzzPatch applies arbitrary patches of every supported type to a
// ConfigMap: a patch either fails with an API error and changes nothing,
// or succeeds and what it returns is what is stored.
func FuzzPatch(f *testing.F) {
	f.Add(uint8(0), []byte(`{"data":{"k":"w"}}`))
	f.Add(uint8(0), []byte(`{"metadata":{"labels":{"a":"b"}},"data":null}`))
	f.Add(uint8(1), []byte(`[{"op":"add","path":"/data/x","value":"1"}]`))
	f.Add(uint8(1), []byte(`[{"op":"remove","path":"/metadata/name"}]`))
	f.Add(uint8(2), []byte(`{"data":{"$patch":"replace","z":"1"}}`))
	f.Add(uint8(2), []byte(`{"metadata":{"$setElementOrder/finalizers":["a"],"finalizers":["a"]}}`))
	c := newFuzzClient(f)
	patchTypes := []types.PatchType{types.MergePatchType, types.JSONPatchType, types.StrategicMergePatchType}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		ctx := t.Context()
		key := client.ObjectKey{Namespace: "default", Name: "cm-a"}
		var before corev1.ConfigMap
		if err := c.Get(ctx, key, &before); err != nil {
			t.Fatal(err)
		}
		obj := before.DeepCopy()
		err := c.Patch(ctx, obj, client.RawPatch(patchTypes[int(kind)%len(patchTypes)], data))
		var after corev1.ConfigMap
		if getErr := c.Get(ctx, key, &after); getErr != nil {
			t.Fatalf("Get after patch %q: %v", data, getErr)
		}
		if err != nil {
			if after.ResourceVersion != before.ResourceVersion {
				t.Fatalf("failed patch %q (%v) changed the object", data, err)
			}
			return
		}
		// Empty and absent collections are the same object (the typed
		// fast path hands back the written Go value, not a re-decoding).
		if diff := cmp.Diff(&after, obj, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("patch %q: returned object differs from the stored one (-stored +returned):\n%s", data, diff)
		}
		// Keep the object usable for the next input: no finalizers, which
		// would make later deletes in other targets block.
		if len(after.Finalizers) > 0 {
			after.Finalizers = nil
			if err := c.Update(ctx, &after); err != nil {
				t.Fatalf("clearing finalizers: %v", err)
			}
		}
	})
}
