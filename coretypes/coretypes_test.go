package coretypes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

func TestAddToScheme(t *testing.T) {
	s := NewScheme()
	kinds := []string{"Namespace", "ConfigMap", "Secret", "ServiceAccount", "Event"}
	for _, k := range kinds {
		for _, kind := range []string{k, k + "List"} {
			gvk := GroupVersion.WithKind(kind)
			if !s.Recognizes(gvk) {
				t.Errorf("scheme does not recognize %s", gvk)
			}
			if !IsCoreType(gvk) {
				t.Errorf("IsCoreType(%s) = false", gvk)
			}
		}
	}
	for _, kind := range []string{"ListOptions", "DeleteOptions", "GetOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "WatchEvent"} {
		if !s.Recognizes(GroupVersion.WithKind(kind)) {
			t.Errorf("scheme does not recognize v1 %s", kind)
		}
	}
	if gvks, _, err := s.ObjectKinds(&metav1.Status{}); err != nil || len(gvks) == 0 || gvks[0].Version != "v1" {
		t.Errorf("Status kinds = %v, %v; want one in v1", gvks, err)
	}
	gvks, _, err := s.ObjectKinds(&corev1.ConfigMap{})
	if err != nil || len(gvks) != 1 || gvks[0] != GroupVersion.WithKind("ConfigMap") {
		t.Errorf("ObjectKinds(ConfigMap) = %v, %v", gvks, err)
	}
	// Only the five kinds: a Pod is not a k1s type.
	if s.Recognizes(GroupVersion.WithKind("Pod")) {
		t.Error("scheme recognizes Pod; only the built-in kinds belong in it")
	}
}

func TestIsCoreType(t *testing.T) {
	tests := []struct {
		gvk  schema.GroupVersionKind
		want bool
	}{
		{GroupVersion.WithKind("ConfigMap"), true},
		{GroupVersion.WithKind("EventList"), true},
		{GroupVersion.WithKind("Pod"), false},
		{schema.GroupVersionKind{Group: "events.k8s.io", Version: "v1", Kind: "Event"}, false},
		{schema.GroupVersionKind{Version: "v2", Kind: "ConfigMap"}, false},
	}
	for _, tt := range tests {
		if got := IsCoreType(tt.gvk); got != tt.want {
			t.Errorf("IsCoreType(%s) = %v, want %v", tt.gvk, got, tt.want)
		}
	}
}

func TestTypesRegisterAndResolve(t *testing.T) {
	r := registry.New(nil)
	if err := r.Add(Types()...); err != nil {
		t.Fatalf("Add(Types()): %v", err)
	}
	tests := []struct {
		arg        string
		kind       string
		namespaced bool
	}{
		{"ns", "Namespace", false},
		{"namespaces", "Namespace", false},
		{"cm", "ConfigMap", true},
		{"configmap", "ConfigMap", true},
		{"secrets", "Secret", true},
		{"sa", "ServiceAccount", true},
		{"ev", "Event", true},
		{"events", "Event", true},
	}
	for _, tt := range tests {
		typ, err := r.ResolveOne(tt.arg)
		if err != nil {
			t.Errorf("ResolveOne(%q): %v", tt.arg, err)
			continue
		}
		if typ.Kind.Kind != tt.kind || typ.Namespaced != tt.namespaced || !typ.Storage || typ.IsPlugin() {
			t.Errorf("ResolveOne(%q) = %s namespaced=%v storage=%v plugin=%v", tt.arg, typ.Kind, typ.Namespaced, typ.Storage, typ.IsPlugin())
		}
	}
}

func TestPrintColumnsAsKubectl(t *testing.T) {
	want := map[string][]string{
		"Namespace":      {"NAME", "STATUS", "AGE"},
		"ConfigMap":      {"NAME", "DATA", "AGE"},
		"Secret":         {"NAME", "TYPE", "DATA", "AGE"},
		"ServiceAccount": {"NAME", "SECRETS", "AGE"},
		"Event":          {"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"},
	}
	wantWide := map[string][]string{
		"Event": {"LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"},
	}
	for _, typ := range Types() {
		var normal, wide []string
		for _, c := range typ.PrintColumns {
			wide = append(wide, c.Name)
			if c.Priority == 0 {
				normal = append(normal, c.Name)
			}
			if !strings.HasPrefix(c.JSONPath, ".") {
				if _, _, err := Compute(c.JSONPath, map[string]any{}); err != nil {
					t.Errorf("%s column %s: %v", typ.Kind.Kind, c.Name, err)
				}
			}
		}
		if diff := cmp.Diff(want[typ.Kind.Kind], normal); diff != "" {
			t.Errorf("%s columns (-want +got):\n%s", typ.Kind.Kind, diff)
		}
		if w, ok := wantWide[typ.Kind.Kind]; ok {
			if diff := cmp.Diff(w, wide); diff != "" {
				t.Errorf("%s wide columns (-want +got):\n%s", typ.Kind.Kind, diff)
			}
		}
	}
}

func TestTypesDetails(t *testing.T) {
	byKind := map[string]registry.Type{}
	for _, typ := range Types() {
		byKind[typ.Kind.Kind] = typ
	}
	if !byKind["Namespace"].StatusSubresource {
		t.Error("Namespace must have the status subresource")
	}
	if byKind["ConfigMap"].StatusSubresource {
		t.Error("ConfigMap has no status subresource")
	}
	checks := map[string][]string{
		"Namespace": {".status.phase"},
		"Secret":    {".type"},
		"Event": {".involvedObject.kind", ".involvedObject.name", ".involvedObject.namespace",
			".involvedObject.uid", ".reason", ".type", ".source.component"},
	}
	for kind, fields := range checks {
		for _, f := range fields {
			found := false
			for _, sf := range byKind[kind].SelectableFields {
				found = found || sf == f
			}
			if !found {
				t.Errorf("%s: selectable fields %v lack %s", kind, byKind[kind].SelectableFields, f)
			}
		}
	}
	// Each call returns fresh values.
	a := Types()
	a[0].ShortNames[0] = "changed"
	a[0].PrintColumns[0].Name = "changed"
	if b := Types(); b[0].ShortNames[0] != "ns" || b[0].PrintColumns[0].Name != "NAME" {
		t.Error("Types shares state between calls")
	}
}

func TestSelectorPath(t *testing.T) {
	ev := GroupVersion.WithKind("Event")
	tests := []struct {
		gvk       schema.GroupVersionKind
		key, want string
	}{
		{ev, "source", ".source.component"},
		{ev, "involvedObject.kind", ".involvedObject.kind"},
		{GroupVersion.WithKind("Secret"), "type", ".type"},
		{GroupVersion.WithKind("Secret"), "source", ".source"},
	}
	for _, tt := range tests {
		if got := SelectorPath(tt.gvk, tt.key); got != tt.want {
			t.Errorf("SelectorPath(%s, %q) = %q, want %q", tt.gvk.Kind, tt.key, got, tt.want)
		}
	}
}
