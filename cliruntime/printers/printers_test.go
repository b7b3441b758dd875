package printers

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

func TestCellForJSONValue(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		in   any
		want any
	}{
		{"integer", int64(3), int64(3)}, {"integer", 3, int64(3)}, {"integer", 3.9, int64(3)}, {"integer", "x", nil},
		{"number", int64(2), float64(2)}, {"number", 2, float64(2)}, {"number", 2.5, 2.5}, {"number", true, nil},
		{"boolean", true, true}, {"boolean", "true", nil},
		{"date", "not a date", "<invalid>"}, {"date", 5, nil},
		{"string", "s", "s"}, {"string", 5, nil},
	} {
		if got := cellForJSONValue(tc.typ, tc.in); got != tc.want {
			t.Errorf("cellForJSONValue(%q, %v) = %v, want %v", tc.typ, tc.in, got, tc.want)
		}
	}
}

func TestPrinters(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "t.jsonpath")
	if err := os.WriteFile(tmpl, []byte(`{.metadata.name}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cols := filepath.Join(dir, "cols.txt")
	if err := os.WriteFile(cols, []byte("NAME QTY\n.metadata.name .spec.quantity\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badCols := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(badCols, []byte("NAME\n.a .b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Thing",
		"metadata": map[string]any{"name": "a"}, "spec": map[string]any{"quantity": int64(2)}}}
	groups := []Group{{Type: &registry.Type{Kind: schema.GroupVersionKind{Version: "v1", Kind: "Thing"}}, Items: []*unstructured.Unstructured{u}}}
	for _, tc := range []struct {
		output, want string
	}{
		{"jsonpath-file=" + tmpl, "a"},
		{"custom-columns-file=" + cols, "NAME   QTY\na      2\n"},
		{"jsonpath={.spec.quantity}", "2"},
	} {
		p, err := NewPrinter(PrintOptions{Output: tc.output})
		if err != nil {
			t.Fatalf("%s: %v", tc.output, err)
		}
		var b bytes.Buffer
		if err := p.Print(&b, groups, true); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s printed %q, want %q", tc.output, b.String(), tc.want)
		}
	}
	for _, bad := range []string{"jsonpath=", "jsonpath={.a", "jsonpath-file=/nonexistent", "custom-columns=", "custom-columns=NAME",
		"custom-columns-file=/nonexistent", "custom-columns-file=" + badCols, "custom-columns=A:{{", "wide=x", "custom-columns=A:.a[", "custom-columns-file=" + tmpl} {
		if _, err := NewPrinter(PrintOptions{Output: bad}); err == nil {
			t.Errorf("NewPrinter(%q) succeeded", bad)
		}
	}
	if _, err := RelaxedJSONPath("{{x}}"); err == nil {
		t.Error("RelaxedJSONPath accepted {{x}}")
	}
	if got, _ := RelaxedJSONPath(""); got != "" {
		t.Errorf("RelaxedJSONPath(\"\") = %q", got)
	}
	if err := SortObjects(nil, "{{"); err == nil {
		t.Error("SortObjects accepted a bad expression")
	}
	if err := SortObjects(nil, ".a["); err == nil {
		t.Error("SortObjects accepted an unparsable expression")
	}
}

func TestLessValue(t *testing.T) {
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{nil, 1, true}, {1, nil, false}, {nil, nil, false}, {int64(2), 10.5, true}, {uint(3), int32(2), false},
		{float32(1), "a", true}, {"b", "a", false},
	} {
		if got := lessValue(tc.a, tc.b); got != tc.want {
			t.Errorf("lessValue(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	if formatEventType("MODIFIED") != "MODIFIED" || formatEventType("ERROR") != "ERROR   " {
		t.Error("formatEventType")
	}
	if Since("") != "<unknown>" || translateTimestampSince(metav1.Time{}) != "<unknown>" {
		t.Error("since of nothing")
	}
}

// TestSortObjectsAsKubectl: equal keys keep their order, and objects
// without the field come first in the order kubectl's sort.Sort leaves
// them (its Less says such an object is less than any other).
func TestSortObjectsAsKubectl(t *testing.T) {
	obj := func(name string, k any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": name}}}
		if k != nil {
			u.Object["k"] = k
		}
		return u
	}
	items := []*unstructured.Unstructured{obj("a", nil), obj("b", nil), obj("c", int64(1)), obj("d", int64(0)), obj("e", int64(1)), obj("f", int64(0))}
	if err := SortObjects(items, ".k"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, u := range items {
		got = append(got, u.GetName())
	}
	if want := "b a d f c e"; strings.Join(got, " ") != want {
		t.Errorf("sorted %v, want %s", got, want)
	}
}
