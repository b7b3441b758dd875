package printers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

func builtinType(t *testing.T, kind string) *registry.Type {
	t.Helper()
	for _, typ := range coretypes.Types() {
		if typ.Kind.Kind == kind {
			return &typ
		}
	}
	t.Fatalf("no built-in kind %s", kind)
	return nil
}

func obj(kind, ns, name string, fields map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind}}
	for k, v := range fields {
		u.Object[k] = v
	}
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

// widget is a custom resource with one declared print column and one at
// wide priority.
var widget = &registry.Type{
	Kind: schema.GroupVersionKind{Group: "acme.test", Version: "v1", Kind: "Widget"}, Resource: "widgets", Source: "widgets.yaml",
	PrintColumns: []registry.PrintColumn{
		{Name: "Name", Type: "string", JSONPath: ".metadata.name"},
		{Name: "Size", Type: "integer", JSONPath: ".spec.size"},
		{Name: "Note", Type: "string", JSONPath: ".spec.note", Priority: 1},
	},
}

func TestTables(t *testing.T) {
	cm := builtinType(t, "ConfigMap")
	cms := []*unstructured.Unstructured{
		obj("ConfigMap", "default", "a", map[string]any{"data": map[string]any{"k": "v", "l": "w"}}),
		obj("ConfigMap", "other", "b", nil),
	}
	cms[0].SetLabels(map[string]string{"app": "x", "example.com/tier": "web"})
	w := obj("Widget", "default", "w1", map[string]any{"spec": map[string]any{"size": int64(3), "note": "first line\nsecond"}})
	bare := &registry.Type{Kind: schema.GroupVersionKind{Group: "acme.test", Version: "v1", Kind: "Bare"}, Resource: "bares", Source: "bares.yaml"}

	for _, tc := range []struct {
		name   string
		opts   PrintOptions
		groups []Group
		want   string
	}{
		// A built-in AGE cell is empty without creationTimestamp (every
		// stored object has one).
		{"built-in", PrintOptions{}, []Group{{cm, cms}},
			"NAME   DATA   AGE\na      2      \nb      0      \n"},
		{"namespaces, labels, label columns", PrintOptions{WithNamespace: true, ShowLabels: true, LabelColumns: []string{"example.com/tier"}}, []Group{{cm, cms[:1]}},
			"NAMESPACE   NAME   DATA   AGE   TIER   LABELS\ndefault     a      2            web    app=x,example.com/tier=web\n"},
		{"custom resource, first line of a cell", PrintOptions{}, []Group{{widget, []*unstructured.Unstructured{w}}},
			"NAME   SIZE\nw1     3\n"},
		{"wide", PrintOptions{Output: "wide"}, []Group{{widget, []*unstructured.Unstructured{w}}},
			"NAME   SIZE   NOTE\nw1     3      first line...\n"},
		{"no columns declared: NAME and AGE", PrintOptions{NoHeaders: true}, []Group{{bare, []*unstructured.Unstructured{obj("Bare", "", "z", nil)}}},
			"z   <unknown>\n"},
		{"several types, with kinds", PrintOptions{WithKind: true}, []Group{{cm, cms[1:]}, {bare, nil}, {widget, []*unstructured.Unstructured{w}}},
			"NAME          DATA   AGE\nconfigmap/b   0      \n\nNAME                  SIZE\nwidget.acme.test/w1   3\n"},
	} {
		p, err := NewPrinter(tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := p.Print(&b, tc.groups, false); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b.String() != tc.want {
			t.Errorf("%s printed\n%s\nwant\n%s", tc.name, b.String(), tc.want)
		}
	}

	// Watch events: the EVENT column, widths kept across calls.
	p := NewTablePrinter(PrintOptions{})
	var b bytes.Buffer
	for _, ev := range []string{"ADDED", "MODIFIED", "DELETED", "ERROR"} {
		if err := p.PrintEvent(&b, widget, ev, w); err != nil {
			t.Fatal(err)
		}
	}
	want := "EVENT      NAME   SIZE\nADDED      w1     3\nMODIFIED   w1     3\nDELETED    w1     3\nERROR      w1     3\n"
	if b.String() != want {
		t.Errorf("events printed\n%q\nwant\n%q", b.String(), want)
	}

	badCol := &registry.Type{Kind: widget.Kind, Resource: "widgets", Source: "w.yaml",
		PrintColumns: []registry.PrintColumn{{Name: "Bad", JSONPath: ".spec[", Type: "string"}}}
	if err := NewTablePrinter(PrintOptions{}).Print(&b, []Group{{badCol, []*unstructured.Unstructured{w}}}, false); err == nil ||
		!strings.Contains(err.Error(), `print column "Bad" of widgets.acme.test`) {
		t.Errorf("a bad print column: %v", err)
	}
}

func TestAge(t *testing.T) {
	u := obj("ConfigMap", "", "a", nil)
	u.SetCreationTimestamp(metav1.NewTime(time.Now().Add(-90 * time.Second)))
	if got := ageColumn.Cell(u); got != "90s" {
		t.Errorf("age = %v", got)
	}
	for ts, want := range map[string]string{"": "<unknown>", "nope": "<invalid>", time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339): "3h"} {
		if got := Since(ts); got != want {
			t.Errorf("Since(%q) = %q, want %q", ts, got, want)
		}
	}
}

func TestEncodeAndNames(t *testing.T) {
	a := obj("ConfigMap", "default", "a", map[string]any{"data": map[string]any{"z": "1", "b": "2"}})
	b := obj("ConfigMap", "default", "b", nil)
	groups := []Group{{builtinType(t, "ConfigMap"), []*unstructured.Unstructured{a, b}}}
	for _, tc := range []struct {
		output string
		single bool
		want   string
	}{
		{"name", false, "configmap/a\nconfigmap/b\n"},
		{"json", false, `"kind": "List"`},
		{"yaml", false, "apiVersion: v1\nitems:\n- apiVersion: v1\n  data:\n    b: \"2\"\n    z: \"1\"\n"},
	} {
		p, err := NewPrinter(PrintOptions{Output: tc.output})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := p.Print(&out, groups, tc.single); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("-o %s printed\n%s\nwant it to contain\n%s", tc.output, out.String(), tc.want)
		}
	}
	// One object asked for by name prints bare; a second YAML print (a
	// watch) starts a new document.
	p, _ := NewPrinter(PrintOptions{Output: "yaml"})
	var out bytes.Buffer
	one := []Group{{groups[0].Type, []*unstructured.Unstructured{b}}}
	for range 2 {
		if err := p.Print(&out, one, true); err != nil {
			t.Fatal(err)
		}
	}
	if want := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: default\n---\napiVersion: v1\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("yaml twice printed\n%s", out.String())
	}
	j, _ := NewPrinter(PrintOptions{Output: "json"})
	out.Reset()
	if err := j.(ValuePrinter).PrintValue(&out, map[string]any{"type": "ADDED"}); err != nil || out.String() != "{\n    \"type\": \"ADDED\"\n}\n" {
		t.Errorf("json event printed %q (%v)", out.String(), err)
	}
	if got := ResourceName(schema.GroupKind{Group: "acme.test", Kind: "Widget"}, "w"); got != "widget.acme.test/w" {
		t.Errorf("ResourceName = %q", got)
	}
}

func TestSortObjects(t *testing.T) {
	items := []*unstructured.Unstructured{
		obj("Widget", "", "c", map[string]any{"spec": map[string]any{"size": int64(10)}}),
		obj("Widget", "", "a", map[string]any{"spec": map[string]any{"size": int64(9)}}),
		obj("Widget", "", "b", nil),
	}
	names := func() string {
		var s []string
		for _, u := range items {
			s = append(s, u.GetName())
		}
		return strings.Join(s, ",")
	}
	if err := SortObjects(items, ".spec.size"); err != nil || names() != "b,a,c" {
		t.Errorf("by size: %s (%v)", names(), err)
	}
	if err := SortObjects(items, "{.metadata.name}"); err != nil || names() != "a,b,c" {
		t.Errorf("by name: %s (%v)", names(), err)
	}
	if err := SortObjects(items, ".spec.missing"); err == nil || !strings.Contains(err.Error(), "couldn't find any field with path") {
		t.Errorf("missing path: %v", err)
	}
	if err := SortObjects(items, "{.a[}"); err == nil {
		t.Error("a bad path sorted")
	}
}
