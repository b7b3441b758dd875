package fieldmanager

import (
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

var cmGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")

func TestBuiltinUpdateAndApply(t *testing.T) {
	m, err := New(Options{Kind: cmGVK, Scheme: scheme(t)})
	if err != nil {
		t.Fatal(err)
	}
	live := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}
	obj := live.DeepCopy()
	obj.Name, obj.Data = "a", map[string]string{"k": "v"}
	created := m.Update(live, obj, "creator").(*corev1.ConfigMap)
	if mf := created.ManagedFields; len(mf) != 1 || mf[0].Manager != "creator" || string(mf[0].FieldsV1.Raw) != `{"f:data":{".":{},"f:k":{}}}` {
		t.Fatalf("managedFields after create: %+v", mf)
	}
	cfg := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a"}, "data": map[string]any{"k": "w"}}}
	_, err = m.Apply(created, cfg, "applier", false)
	if !apierrors.IsConflict(err) || err.Error() != `Apply failed with 1 conflict: conflict with "creator" using v1: .data.k` {
		t.Fatalf("apply over an Update owner: %v", err)
	}
	out, err := m.Apply(created, cfg, "applier", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.(*corev1.ConfigMap); got.Data["k"] != "w" || len(got.ManagedFields) != 2 {
		t.Errorf("forced apply: %+v", got)
	}
}

func TestCustomResourceSchema(t *testing.T) {
	props := &apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"ports": {Type: "array", XListType: ptr("map"), XListMapKeys: []string{"name"}, Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Required: []string{"name"}, Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": {Type: "string"}, "port": {Type: "integer"}},
				}}},
				"template": {Type: "object", XEmbeddedResource: true, XPreserveUnknownFields: ptrBool(true)},
				"labels":   {Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Schema: &apiextensionsv1.JSONSchemaProps{Type: "string"}}},
			}},
			"status": {Type: "object", XPreserveUnknownFields: ptrBool(true)},
		},
	}
	gvk := schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Svc"}
	m, err := New(Options{Kind: gvk, CustomResource: true, Schema: props, StatusSubresource: true})
	if err != nil {
		t.Fatal(err)
	}
	live := &unstructured.Unstructured{}
	live.SetGroupVersionKind(gvk)
	cfg := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Svc", "metadata": map[string]any{"name": "s", "labels": map[string]any{"a": "b"}},
		"spec": map[string]any{
			"ports":    []any{map[string]any{"name": "http", "port": int64(80)}},
			"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"x": "y"}}},
		},
		"status": map[string]any{"ignored": true},
	}}
	out, err := m.Apply(live, cfg, "alice", false)
	if err != nil {
		t.Fatal(err)
	}
	mf := out.(*unstructured.Unstructured).GetManagedFields()
	want := `{"f:metadata":{"f:labels":{"f:a":{}}},"f:spec":{"f:ports":{"k:{\"name\":\"http\"}":{".":{},"f:name":{},"f:port":{}}},"f:template":{"f:metadata":{"f:labels":{"f:x":{}}}}}}`
	if len(mf) != 1 || string(mf[0].FieldsV1.Raw) != want {
		t.Errorf("managedFields: %s\nwant %s", mf[0].FieldsV1.Raw, want)
	}
	// Keyed list items are owned one by one: another port is no conflict.
	cfg2 := cfg.DeepCopy()
	cfg2.Object["spec"] = map[string]any{"ports": []any{map[string]any{"name": "https", "port": int64(443)}}}
	if _, err := m.Apply(out, cfg2, "bob", false); err != nil {
		t.Errorf("bob's port: %v", err)
	}
	// The status subresource's manager owns nothing under spec.
	sm, err := New(Options{Kind: gvk, CustomResource: true, Schema: props, StatusSubresource: true, Subresource: "status"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sm.Apply(out, cfg2, "ctrl", false); err != nil {
		t.Errorf("status apply carrying spec: %v", err)
	}
	// A schema that is not structural cannot be converted.
	tuple := apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{JSONSchemas: []apiextensionsv1.JSONSchemaProps{{Type: "string"}}}}
	if _, err := New(Options{Kind: gvk, CustomResource: true, Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{"a": tuple}}}); err == nil {
		t.Error("a schema with a tuple: no error")
	}
	// Without a schema, fields are deduced.
	if _, err := New(Options{Kind: gvk, CustomResource: true}); err != nil {
		t.Error(err)
	}
}

func TestTypesWithoutSchema(t *testing.T) {
	// A Go type the k8s.io/api schema does not know, and a kind the
	// scheme does not know, are deduced.
	s := scheme(t)
	other := schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Thing"}
	s.AddKnownTypeWithName(other, &corev1.ConfigMap{})
	for _, o := range []Options{{Kind: other, Scheme: s}, {Kind: other}} {
		if _, err := New(o); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestSchemaTable(t *testing.T) {
	if _, err := closure(map[string]bool{}, "io.k8s.api.core.v1.Pod"); err != nil {
		t.Fatal(err)
	}
	if _, err := closure(map[string]bool{}, "no.such.Type"); err == nil || !strings.Contains(err.Error(), "no schema for type no.such.Type") {
		t.Errorf("closure of an unknown type: %v", err)
	}
	for i := 1; i < len(typeDefs); i++ {
		if typeDefs[i-1].name >= typeDefs[i].name {
			t.Fatalf("typeDefs not sorted at %s", typeDefs[i].name)
		}
	}
	if got := openAPIName("k8s.io/api/apps/v1", "Deployment"); got != "io.k8s.api.apps.v1.Deployment" {
		t.Errorf("openAPIName = %s", got)
	}
}

func TestDefaultManager(t *testing.T) {
	args := os.Args
	defer func() { os.Args = args }()
	os.Args = []string{"/usr/local/bin/my\x01tool"}
	if got := DefaultManager(); got != "mytool" {
		t.Errorf("DefaultManager = %q", got)
	}
	os.Args = nil
	if got := DefaultManager(); got != "unknown" {
		t.Errorf("DefaultManager without arguments = %q", got)
	}
	if got := prefixFromUserAgent(strings.Repeat("é", 100) + "/v1"); len(got) != 128 {
		t.Errorf("long user agent: %d bytes", len(got))
	}
}

func TestConverters(t *testing.T) {
	if _, err := (typeConverter{}).TypedToObject(typedString(t)); err == nil {
		t.Error("TypedToObject of a string: no error")
	}
	o := objects{scheme: scheme(t), gvk: cmGVK}
	if l, v, err := o.ConvertFieldLabel(cmGVK, "metadata.name", "a"); err != nil || l != "metadata.name" || v != "a" {
		t.Errorf("ConvertFieldLabel = %s %s %v", l, v, err)
	}
	var out corev1.ConfigMap
	if err := o.Convert(&corev1.ConfigMap{Data: map[string]string{"k": "v"}}, &out, nil); err != nil || out.Data["k"] != "v" {
		t.Errorf("Convert = %v %+v", err, out)
	}
	u := objects{gvk: schema.GroupVersionKind{Group: "x", Version: "v1", Kind: "Y"}}
	if _, err := u.ConvertToVersion(&corev1.ConfigMap{}, schema.GroupVersion{Group: "x", Version: "v1"}); err == nil {
		t.Error("ConvertToVersion of a Go object without a scheme: no error")
	}
	u.Default(&unstructured.Unstructured{})
	if obj, err := u.New(u.gvk); err != nil || obj.GetObjectKind().GroupVersionKind() != u.gvk {
		t.Errorf("New = %v %v", obj, err)
	}
}

func typedString(t *testing.T) *typed.TypedValue {
	t.Helper()
	v, err := typed.DeducedParseableType.FromUnstructured("s")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr(s string) *string { return &s }

func ptrBool(b bool) *bool { return &b }
