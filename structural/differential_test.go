package structural_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/k1s-dev/k1s/structural"
)

func genObject(g *generator, schema *apiextensionsv1.JSONSchemaProps) map[string]any {
	obj, ok := g.value(schema, 0).(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	obj["apiVersion"] = "example.com/v1"
	obj["kind"] = "Item"
	obj["metadata"] = map[string]any{"name": "item"}
	// A JSON round trip gives the number types a decoded object has
	// (1.0 becomes int64 1), which both sides of the comparison assume.
	b, err := utiljson.Marshal(obj)
	if err != nil {
		panic(err)
	}
	out := map[string]any{}
	if err := utiljson.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// TestDifferential checks pruning, defaulting and validation, on create
// and on update (ratcheting), against the API server's code on
// generated objects.
//
// K1S_DIFF_SEEDS=N runs N objects per schema instead of the default.
func TestDifferential(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 150
	}
	if s := os.Getenv("K1S_DIFF_SEEDS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("K1S_DIFF_SEEDS: %v", err)
		}
	}
	for _, file := range []string{"testdata/rich-schema.yaml", "testdata/edge-schema.yaml"} {
		t.Run(file, func(t *testing.T) {
			differential(t, loadSchema(t, file), n)
		})
	}
}

func differential(t *testing.T, schema *apiextensionsv1.JSONSchemaProps, n int) {
	typ := structural.Compile(schema)
	o := newOracle(t, schema)
	for seed := 0; seed < n; seed++ {
		g := &generator{r: rand.New(rand.NewPCG(uint64(seed), 7))}
		obj := genObject(g, schema)
		want := runtime.DeepCopyJSON(obj)
		o.apply(want)
		got := runtime.DeepCopyJSON(obj)
		typ.Apply(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d: ApplySchema differs from the API server (-apiserver +k1s):\n%s\ninput: %v", seed, d, obj)
		}
		if d := diffErrs(typ.Validate(got, nil), o.validate(want, nil)); d != "" {
			t.Fatalf("seed %d: create validation differs (-apiserver +k1s):\n%s\nobject: %v", seed, d, got)
		}

		// An update: a second object, sometimes sharing parts of the first.
		upd := genObject(g, schema)
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
		typ.Apply(upd)
		wantUpd := runtime.DeepCopyJSON(upd)
		if d := diffErrs(typ.Validate(upd, got), o.validate(wantUpd, want)); d != "" {
			t.Fatalf("seed %d: update validation differs (-apiserver +k1s):\n%s\nnew: %v\nold: %v", seed, d, upd, got)
		}
	}
}

// FuzzDifferential compares k1s with the API server's code on arbitrary
// JSON objects (as new and as stored object) against the rich schema:
// pruning and defaulting must give the same object, validation the same
// errors, modulo the documented differences (see normalize).
func FuzzDifferential(f *testing.F) {
	var types [2]*structural.Schema
	var oracles [2]*oracle
	for i, file := range []string{"testdata/rich-schema.yaml", "testdata/edge-schema.yaml"} {
		props := loadSchema(f, file)
		types[i] = structural.Compile(props)
		oracles[i] = newOracle(f, props)
	}
	f.Add(false, `{"spec":{"quantity":-1,"tags":["a","a"],"ports":[{"name":"a"},{"name":"a"}]}}`, `{}`)
	f.Add(false, `{"spec":{"choice":{"a":"x","b":"y"},"both":1e300,"price":-0.0,"small":2147483648}}`, `{"spec":{"choice":{"a":"x","b":"y"}}}`)
	f.Add(false, `{"spec":{"template":{"apiVersion":1,"metadata":{"name":3,"labels":"x"}}}}`, `{"spec":{"template":{}}}`)
	f.Add(true, `{"spec":{"keyed":[{"name":"a"},{"name":"a","protocol":"TCP"}],"templates":[{"kind":"P"}],"x":1},"other":{"y":null}}`, `{"spec":null}`)
	f.Add(true, `{"spec":{"obj":null,"opaque":{"k":{"w":1},"j":null},"matrix":[[1,1],[10]],"dates":{"a":null,"b":"2024-02-30"}}}`, `{"spec":{"matrix":[[1,1]]}}`)
	f.Fuzz(func(t *testing.T, edge bool, newJSON, oldJSON string) {
		which := 0
		if edge {
			which = 1
		}
		typ, o := types[which], oracles[which]
		var obj map[string]any
		if err := utiljson.Unmarshal([]byte(newJSON), &obj); err != nil || obj == nil {
			return
		}
		var old map[string]any
		if err := utiljson.Unmarshal([]byte(oldJSON), &old); err != nil {
			old = nil
		}
		want := runtime.DeepCopyJSON(obj)
		o.apply(want)
		got := runtime.DeepCopyJSON(obj)
		typ.Apply(got)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("apply differs:\n%s", d)
		}
		var wantOld map[string]any
		if old != nil {
			wantOld = runtime.DeepCopyJSON(old)
			o.apply(wantOld)
			typ.Apply(old)
		}
		if d := diffErrs(typ.Validate(got, old), o.validate(want, wantOld)); d != "" {
			t.Fatalf("validation differs (-apiserver +k1s):\n%s", d)
		}
	})
}
