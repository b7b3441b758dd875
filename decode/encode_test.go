package decode

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

func configMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", ResourceVersion: "12",
			CreationTimestamp: metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
			Labels:            map[string]string{"app": "web"},
		},
		Data: map[string]string{"index.html": "<h1>hi & bye</h1>", "b": "multi\nline\n"},
	}
}

// The expected bytes are what kubectl get -o json / -o yaml prints for
// this object.
const wantJSON = `{
    "apiVersion": "v1",
    "data": {
        "b": "multi\nline\n",
        "index.html": "\u003ch1\u003ehi \u0026 bye\u003c/h1\u003e"
    },
    "kind": "ConfigMap",
    "metadata": {
        "creationTimestamp": "2026-01-02T03:04:05Z",
        "labels": {
            "app": "web"
        },
        "name": "web",
        "namespace": "default",
        "resourceVersion": "12"
    }
}
`

const wantYAML = `apiVersion: v1
data:
  b: |
    multi
    line
  index.html: <h1>hi & bye</h1>
kind: ConfigMap
metadata:
  creationTimestamp: "2026-01-02T03:04:05Z"
  labels:
    app: web
  name: web
  namespace: default
  resourceVersion: "12"
`

func TestEncode(t *testing.T) {
	cm := configMap()
	u, err := ToUnstructured(cm)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{cm, u} {
		gotJSON, err := EncodeJSON(obj)
		if err != nil {
			t.Fatalf("EncodeJSON(%T): %v", obj, err)
		}
		if diff := cmp.Diff(wantJSON, string(gotJSON)); diff != "" {
			t.Errorf("EncodeJSON(%T) (-want +got):\n%s", obj, diff)
		}
		gotYAML, err := EncodeYAML(obj)
		if err != nil {
			t.Fatalf("EncodeYAML(%T): %v", obj, err)
		}
		if diff := cmp.Diff(wantYAML, string(gotYAML)); diff != "" {
			t.Errorf("EncodeYAML(%T) (-want +got):\n%s", obj, diff)
		}
	}
}

func TestEncodeList(t *testing.T) {
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List", "metadata": map[string]any{"resourceVersion": ""}}}
	list.Items = []unstructured.Unstructured{{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "a"}}}}
	got, err := EncodeJSON(list)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "a"
            }
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("EncodeJSON(list) (-want +got):\n%s", diff)
	}
	y, err := EncodeYAML(list)
	if err != nil {
		t.Fatal(err)
	}
	wantY := "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: a\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
	if diff := cmp.Diff(wantY, string(y)); diff != "" {
		t.Errorf("EncodeYAML(list) (-want +got):\n%s", diff)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, enc := range []func(runtime.Object) ([]byte, error){EncodeJSON, EncodeYAML} {
		if _, err := enc(&corev1.ConfigMap{}); !errors.Is(err, errNoKind) {
			t.Errorf("encoding an object without kind: err = %v, want kubectl's missing apiVersion or kind", err)
		}
		if _, err := enc(nil); err == nil {
			t.Error("encoding nil: no error")
		}
	}
	bad := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "A", "f": func() {}}}
	if _, err := EncodeJSON(bad); err == nil {
		t.Error("EncodeJSON of an unencodable value: no error")
	}
	if _, err := EncodeYAML(bad); err == nil {
		t.Error("EncodeYAML of an unencodable value: no error")
	}
	if _, err := EncodeJSON(&badTyped{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Bad"}}); err == nil {
		t.Error("EncodeJSON of an unconvertible typed object: no error")
	}
}

// badTyped cannot be converted to unstructured: channels have no JSON.
type badTyped struct {
	metav1.TypeMeta `json:",inline"`
	C               chan int `json:"c"`
}

func (b *badTyped) DeepCopyObject() runtime.Object { return b }

func TestUnstructuredRoundTrip(t *testing.T) {
	cm := configMap()
	u, err := ToUnstructured(cm)
	if err != nil {
		t.Fatal(err)
	}
	if u.GetName() != "web" || u.GetKind() != "ConfigMap" {
		t.Fatalf("ToUnstructured: name %q kind %q", u.GetName(), u.GetKind())
	}
	var back corev1.ConfigMap
	if err := FromUnstructured(u, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cm, &back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	same, err := ToUnstructured(u)
	if err != nil || same != u {
		t.Errorf("ToUnstructured(unstructured) = %p, %v; want the same object", same, err)
	}
	var cp unstructured.Unstructured
	if err := FromUnstructured(u, &cp); err != nil {
		t.Fatal(err)
	}
	cp.SetName("changed")
	if u.GetName() != "web" {
		t.Error("FromUnstructured into unstructured shares the map")
	}

	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMapList"}}
	list.Items = append(list.Items, *u)
	lu, err := ToUnstructured(list)
	if err != nil {
		t.Fatal(err)
	}
	if items, _ := lu.Object["items"].([]any); len(items) != 1 {
		t.Errorf("ToUnstructured(list) items = %v", lu.Object["items"])
	}
}

func TestConversionErrors(t *testing.T) {
	if _, err := ToUnstructured(nil); err == nil {
		t.Error("ToUnstructured(nil): no error")
	}
	if _, err := ToUnstructured(&badTyped{}); err == nil {
		t.Error("ToUnstructured(chan): no error")
	}
	if err := FromUnstructured(nil, &corev1.ConfigMap{}); err == nil {
		t.Error("FromUnstructured(nil): no error")
	}
	tests := []struct {
		obj  map[string]any
		want string
	}{
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "ns"}, "data": map[string]any{"a": int64(1)}},
			`ConfigMap "ns/c": data: must be a string, not a number`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "immutable": "yes"},
			`ConfigMap "c": immutable: must be a boolean, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "generation": "x"}},
			`ConfigMap "c": metadata.generation: must be an integer, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "labels": []any{"x"}}},
			`ConfigMap "c": metadata.labels: must be an object, not a array`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "finalizers": "x"}},
			`ConfigMap "c": metadata.finalizers: must be a list, not a string`},
		{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "deletionGracePeriodSeconds": 1.5}},
			`ConfigMap "c": metadata.deletionGracePeriodSeconds: must be an integer, not a number 1.5`},
	}
	for _, tt := range tests {
		var cm corev1.ConfigMap
		err := FromUnstructured(&unstructured.Unstructured{Object: tt.obj}, &cm)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("FromUnstructured(%v) = %v, want %q", tt.obj, err, tt.want)
		}
	}
}

func TestJSONType(t *testing.T) {
	for kind, want := range map[string]string{"string": "a string", "bool": "a boolean", "uint8": "an integer",
		"float32": "a number", "slice": "a list", "struct": "an object", "chan": "chan"} {
		if got := jsonType(kind); got != want {
			t.Errorf("jsonType(%q) = %q, want %q", kind, got, want)
		}
	}
}
