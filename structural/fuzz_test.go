package structural_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/k1s-dev/k1s/structural"
)

// FuzzValidateSchema feeds arbitrary JSON objects, as new and old
// object, through pruning, defaulting and validation against a schema
// that uses every rule. Nothing may panic, results must be stable, and
// pruning and defaulting must be idempotent.
func FuzzValidateSchema(f *testing.F) {
	typ := structural.Compile(loadSchema(f, "testdata/rich-schema.yaml"))
	for _, seed := range [][2]string{
		{`{"spec":{"quantity":-1,"tags":["a","a"],"ports":[{"name":"a"},{"name":"a"}]}}`, `{}`},
		{`{"spec":{"template":{"apiVersion":1,"metadata":{"name":3,"labels":"x"}}}}`, `{"spec":{"template":{}}}`},
		{`{"spec":{"labels":{"a":null},"limits":{"x":null},"items":[null,{"v":null}],"nested":null}}`, ``},
		{`{"spec":{"choice":{"a":"x","b":"y"},"both":1e300,"price":-0.0,"small":2147483648}}`, `{"spec":{"choice":{"a":"x","b":"y"}}}`},
		{`{"spec":{"ports":[{"name":"a","protocol":"TCP","number":0}]}}`, `{"spec":{"ports":[{"name":"a","protocol":"TCP","number":0}]}}`},
		{`{"spec":[],"status":"x","metadata":7}`, `[]`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, newJSON, oldJSON string) {
		var obj map[string]any
		if err := utiljson.Unmarshal([]byte(newJSON), &obj); err != nil || obj == nil {
			return
		}
		var old map[string]any
		_ = utiljson.Unmarshal([]byte(oldJSON), &old)

		typ.Apply(obj)
		once := runtime.DeepCopyJSON(obj)
		typ.Apply(obj)
		if d := cmp.Diff(once, obj); d != "" {
			t.Fatalf("ApplySchema is not idempotent (-once +twice):\n%s", d)
		}
		if unknown := typ.Prune(runtime.DeepCopyJSON(obj)); len(unknown) != 0 {
			t.Fatalf("unknown fields left after ApplySchema: %v", unknown)
		}

		first := typ.Validate(obj, old)
		second := typ.Validate(obj, old)
		if d := cmp.Diff(errStrings(first), errStrings(second)); d != "" {
			t.Fatalf("validation is not deterministic:\n%s", d)
		}
		for _, e := range first {
			if e.Error() == "" {
				t.Fatalf("empty error message in %v", first)
			}
		}
	})
}
