package discovery

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
	_ "github.com/k1s-dev/k1s/structural/celrules" // the rules are compiled
)

// TestRulesCheckedOnFirstUse checks that x-kubernetes-validations rules
// are compiled when a type's schema is first used, not when manifests
// are read: a CRD whose rules the API server would refuse keeps its type
// readable, and its schema (so every write of it) fails with the file
// and the rule named, and a warning saying so; a CRD with good rules
// loads. The same holds after a warm start, from the cache.
func TestRulesCheckedOnFirstUse(t *testing.T) {
	cache := t.TempDir()
	for _, start := range []string{"cold", "warm"} {
		t.Run(start, func(t *testing.T) {
			d := New(Options{Paths: []string{"testdata/rules"}, CacheDir: cache})
			types, err := d.Types()
			if err != nil {
				t.Fatal(err)
			}
			if w := d.Warnings(); len(w) != 0 {
				t.Fatalf("reading the manifests warned: %v", w)
			}
			byKind := map[string]registry.Type{}
			for _, typ := range types {
				if typ.Schema != nil {
					t.Errorf("%s: a schema with rules is handed out unchecked", typ.Kind.Kind)
				}
				byKind[typ.Kind.Kind] = typ
			}
			broken, widget := byKind["Broken"], byKind["Widget"]
			if s, err := widget.OpenAPISchema(); err != nil || s == nil {
				t.Errorf("Widget schema = %v, %v", s, err)
			}
			_, err = broken.OpenAPISchema()
			for _, want := range []string{
				`testdata/rules/broken-crd.yaml: CustomResourceDefinition "brokens.cel.k1s.test" is invalid: `,
				"spec.validation.openAPIV3Schema.properties[spec].properties[syntax].x-kubernetes-validations[0].rule: Invalid value: ",
				"compilation failed: ERROR: <input>:1:8: Syntax error",
				"writes of cel.k1s.test/v1/Broken are refused",
			} {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Broken schema error = %v; want it to contain %q", err, want)
				}
			}
			if _, again := d.Schema(schema.GroupVersionKind{Group: "cel.k1s.test", Version: "v1", Kind: "Broken"}); again == nil || again.Error() != err.Error() {
				t.Errorf("Schema(Broken) = %v, want the same error", again)
			}
			if w := d.Warnings(); len(w) != 1 || w[0] != err.Error() {
				t.Errorf("warnings = %q, want the one error", w)
			}
		})
	}
}

func TestParsePath(t *testing.T) {
	for _, p := range []string{"spec.validation.openAPIV3Schema", "spec.versions[2].schema.openAPIV3Schema", "spec.types[0].schema"} {
		if got := parsePath(p).String(); got != p {
			t.Errorf("parsePath(%q) = %q", p, got)
		}
	}
}

// TestRulesRefuseTheWholeCRD checks that a version whose rules compile
// (here: has none) is refused with its sibling whose rules do not, as the
// API server refuses the CRD, with the sibling's error and one warning.
func TestRulesRefuseTheWholeCRD(t *testing.T) {
	d := New(Options{Paths: []string{"testdata/rules-versions"}, CacheDir: t.TempDir()})
	types, err := d.Types()
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range types {
		if typ.Kind.Kind == "Gadget" && typ.Schema != nil {
			t.Errorf("%s: handed out unchecked", typ.Kind)
		}
	}
	gvk := schema.GroupVersionKind{Group: "cel.k1s.test", Version: "v2", Kind: "Gadget"}
	_, err = d.Schema(gvk)
	for _, want := range []string{
		`testdata/rules-versions/gadgets-crd.yaml: CustomResourceDefinition "gadgets.cel.k1s.test" is invalid: `,
		"spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[size].x-kubernetes-validations[0].rule: Invalid value: ",
		"found no matching overload for '_==_' applied to '(int, string)'",
		"writes of cel.k1s.test/v1/Gadget, cel.k1s.test/v2/Gadget are refused",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Schema(v2 Gadget) error = %v; want it to contain %q", err, want)
		}
	}
	gvk.Version = "v1"
	if _, v1 := d.Schema(gvk); v1 == nil || err == nil || v1.Error() != err.Error() {
		t.Errorf("Schema(v1 Gadget) = %v, want the same error", v1)
	}
	if w := d.Warnings(); len(w) != 1 {
		t.Errorf("warnings = %q, want one", w)
	}
}
