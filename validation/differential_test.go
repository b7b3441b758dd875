package validation_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/defaulting"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/validation"
)

func genObject(g *generator, typ *registry.Type) map[string]any {
	obj, ok := g.value(typ.Schema, 0).(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	obj["apiVersion"] = "example.com/v1"
	obj["kind"] = "Item"
	obj["metadata"] = map[string]any{"name": "item"}
	return obj
}

// TestDifferential checks pruning, defaulting and validation, on create
// and on update (ratcheting), against the API server's code on
// generated objects.
func TestDifferential(t *testing.T) {
	typ := &registry.Type{Schema: loadSchema(t, "testdata/rich-schema.yaml")}
	o := newOracle(t, typ.Schema)
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := 0; seed < n; seed++ {
		g := &generator{r: rand.New(rand.NewPCG(uint64(seed), 7))}
		obj := genObject(g, typ)
		want := runtime.DeepCopyJSON(obj)
		o.apply(want)
		got := runtime.DeepCopyJSON(obj)
		defaulting.ApplySchema(typ, got)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d: ApplySchema differs from the API server (-apiserver +k1s):\n%s\ninput: %v", seed, d, obj)
		}
		if d := diffErrs(validation.ValidateSchema(typ, got, nil), o.validate(want, nil)); d != "" {
			t.Fatalf("seed %d: create validation differs (-apiserver +k1s):\n%s\nobject: %v", seed, d, got)
		}

		// An update: a second object, sometimes sharing parts of the first.
		upd := genObject(g, typ)
		if spec, ok := got["spec"].(map[string]any); ok && g.chance(0.7) {
			newSpec, _ := upd["spec"].(map[string]any)
			if newSpec == nil {
				newSpec = map[string]any{}
				upd["spec"] = newSpec
			}
			for k, v := range spec {
				if g.chance(0.6) {
					newSpec[k] = runtime.DeepCopyJSONValue(v)
				}
			}
		}
		defaulting.ApplySchema(typ, upd)
		wantUpd := runtime.DeepCopyJSON(upd)
		if d := diffErrs(validation.ValidateSchema(typ, upd, got), o.validate(wantUpd, want)); d != "" {
			t.Fatalf("seed %d: update validation differs (-apiserver +k1s):\n%s\nnew: %v\nold: %v", seed, d, upd, got)
		}
	}
}
