package coretest

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
)

func apiErrorFromStatus(s *metav1.Status) error { return apierrors.FromObject(s) }

func builtinCases() []Case {
	return []Case{
		{Name: "SecretStringData", Run: func(e *Env) {
			s := e.Obj(SecretGVK, "default", "s", map[string]any{"stringData": map[string]any{"user": "admin"}})
			e.Create(s)
			got := e.MustGet(SecretGVK, "default", "s")
			content := e.Content(got)
			_, hasStringData := content["stringData"]
			e.Check(!hasStringData, "stringData stored")
			Equal(e, e.Field(got, "data.user"), any(base64.StdEncoding.EncodeToString([]byte("admin"))), "data.user (base64)")
			Equal(e, e.Field(got, "type"), any("Opaque"), "default type")
			// stringData wins over data for the same key, as on the API server.
			got = setField(e, got, map[string]any{"user": "root"}, "stringData")
			e.OK(e.C.Update(e.Ctx, got), "Update with stringData")
			Equal(e, e.Field(e.MustGet(SecretGVK, "default", "s"), "data.user"), any(base64.StdEncoding.EncodeToString([]byte("root"))), "data.user after update")
		}},
		{Name: "SecretRules", Run: func(e *Env) {
			err := e.C.Create(e.Ctx, e.Obj(SecretGVK, "default", "bad", map[string]any{"stringData": map[string]any{"no/slash": "x"}}))
			e.Fails(err, Invalid, "Secret with a bad key")
			e.Message(err, "data[no/slash]")
			s := e.Create(e.Obj(SecretGVK, "default", "s", map[string]any{"type": "example.com/token", "immutable": true,
				"data": map[string]any{"k": base64.StdEncoding.EncodeToString([]byte("v"))}}))
			changed := setField(e, s, "Opaque", "type")
			err = e.C.Update(e.Ctx, changed)
			e.Fails(err, Invalid, "Secret type change")
			e.Message(err, "type", "field is immutable")
			changed = setField(e, s, map[string]any{"k": base64.StdEncoding.EncodeToString([]byte("w"))}, "data")
			err = e.C.Update(e.Ctx, changed)
			e.Fails(err, Invalid, "immutable Secret data change")
			e.Message(err, "field is immutable when `immutable` is set")
			changed = setField(e, s, false, "immutable")
			e.Fails(e.C.Update(e.Ctx, changed), Invalid, "immutable Secret made mutable")
		}},
		{Name: "ConfigMapRules", Run: func(e *Env) {
			err := e.C.Create(e.Ctx, e.Obj(ConfigMapGVK, "default", "dup", map[string]any{"data": map[string]any{"k": "v"},
				"binaryData": map[string]any{"k": base64.StdEncoding.EncodeToString([]byte("b")), "bad key!": "AA=="}}))
			e.Fails(err, Invalid, "ConfigMap with a duplicate key")
			e.Message(err, "duplicate of key present in binaryData", "binaryData[bad key!]")
			obj := e.Create(e.Obj(ConfigMapGVK, "default", "frozen", map[string]any{"data": map[string]any{"k": "v"},
				"binaryData": map[string]any{"b": "AA=="}, "immutable": true}))
			obj.SetLabels(map[string]string{"metadata": "may-change"})
			e.OK(e.C.Update(e.Ctx, obj), "metadata Update of an immutable ConfigMap")
			for _, tc := range []struct {
				value any
				path  []string
			}{
				{map[string]any{"k": "w"}, []string{"data"}},
				{map[string]any{"b": "AQ=="}, []string{"binaryData"}},
				{false, []string{"immutable"}},
			} {
				err := e.C.Update(e.Ctx, setField(e, obj, tc.value, tc.path...))
				e.Fails(err, Invalid, "changing %v of an immutable ConfigMap", tc.path)
				e.Message(err, tc.path[0], "field is immutable when `immutable` is set")
			}
		}},
	}
}

// hookRecorder is a Defaulter and a Validator with rules keyed on names
// and labels, recording the Go types it sees.
type hookRecorder struct {
	seen []string
}

func (h *hookRecorder) Default(_ context.Context, obj runtime.Object) error {
	mo := obj.(metav1.Object)
	if strings.HasPrefix(mo.GetName(), "fail-default") {
		return apierrors.NewInternalError(fmt.Errorf("defaulter failed"))
	}
	l := mo.GetLabels()
	if l == nil {
		l = map[string]string{}
	}
	l["defaulted"] = "yes"
	mo.SetLabels(l)
	return nil
}

func (h *hookRecorder) record(obj runtime.Object) {
	h.seen = append(h.seen, fmt.Sprintf("%T %s", obj, obj.GetObjectKind().GroupVersionKind().Kind))
}

func (h *hookRecorder) ValidateCreate(_ context.Context, obj runtime.Object) ([]string, error) {
	h.record(obj)
	if strings.HasPrefix(obj.(metav1.Object).GetName(), "bad-") {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, obj.(metav1.Object).GetName(), nil)
	}
	return nil, nil
}

func (h *hookRecorder) ValidateUpdate(_ context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	h.record(newObj)
	if newObj.(metav1.Object).GetLabels()["frozen"] == "true" && oldObj.(metav1.Object).GetLabels()["frozen"] == "true" {
		return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "x", fmt.Errorf("frozen"))
	}
	return nil, nil
}

func (h *hookRecorder) ValidateDelete(_ context.Context, obj runtime.Object) ([]string, error) {
	h.record(obj)
	if obj.(metav1.Object).GetLabels()["protected"] == "true" {
		return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "configmaps"}, "x", fmt.Errorf("protected"))
	}
	return nil, nil
}

func hookCases() []Case {
	return []Case{
		{Name: "Hooks", Run: func(e *Env) {
			h := &hookRecorder{}
			e = e.withHooks(admission.NewChain().AddMutating(ConfigMapGVK, h).AddValidating(ConfigMapGVK, h))
			obj := e.Create(cm(e, "default", "a", nil))
			Equal(e, obj.GetLabels()["defaulted"], "yes", "defaulted label")
			Equal(e, h.seen, []string{"*v1.ConfigMap ConfigMap"}, "validator input")
			before := e.Rev()
			e.Fails(e.C.Create(e.Ctx, cm(e, "default", "bad-one", nil)), Invalid, "Create the validator refuses")
			e.Fails(e.C.Create(e.Ctx, cm(e, "default", "fail-default", nil)), AnyError, "Create the defaulter fails")
			e.Unchanged(before, "refused Creates")
			obj.SetLabels(map[string]string{"frozen": "true"})
			e.OK(e.C.Update(e.Ctx, obj), "Update freezing")
			obj.SetLabels(map[string]string{"frozen": "true", "more": "x"})
			e.Fails(e.C.Update(e.Ctx, obj), Forbidden, "Update the validator refuses")
			p := e.Create(labeled(cm(e, "default", "p", nil), "protected", "true"))
			e.Fails(e.C.Delete(e.Ctx, p), Forbidden, "Delete the validator refuses")
			e.MustGet(ConfigMapGVK, "default", "p")
			// Kinds without hooks pass.
			e.Create(item(e, "default", "i", 1))
		}},
	}
}

func miscCases() []Case {
	return []Case{
		{Name: "ClientMetadata", Once: true, Run: func(e *Env) {
			gvk, err := e.C.GroupVersionKindFor(&corev1.ConfigMap{})
			e.OK(err, "GroupVersionKindFor")
			Equal(e, gvk, ConfigMapGVK, "kind of a typed ConfigMap")
			gvk, err = e.C.GroupVersionKindFor(e.Obj(WarehouseGVK, "", "w", nil))
			e.OK(err, "GroupVersionKindFor unstructured")
			Equal(e, gvk, WarehouseGVK, "kind of an unstructured Warehouse")
			for _, tc := range []struct {
				obj  runtime.Object
				want bool
			}{
				{&corev1.ConfigMap{}, true}, {&corev1.Namespace{}, false}, {&corev1.ConfigMapList{}, true},
				{e.Obj(WarehouseGVK, "", "w", nil), false}, {&Item{}, true},
			} {
				got, err := e.C.IsObjectNamespaced(tc.obj)
				e.OK(err, "IsObjectNamespaced(%T)", tc.obj)
				Equal(e, got, tc.want, "IsObjectNamespaced(%T)", tc.obj)
			}
			_, err = e.C.IsObjectNamespaced(&unregistered{})
			e.Check(err != nil, "IsObjectNamespaced of an unregistered type succeeded")
			m, err := e.C.RESTMapper().RESTMapping(ItemGVK.GroupKind())
			e.OK(err, "RESTMapping")
			Equal(e, m.Resource.Resource, "items", "resource of Item")
			e.Check(e.C.Scheme() == e.Scheme, "Scheme() is not the configured scheme")
			e.Check(e.C.Registry() != nil && e.C.Storage() == e.Store, "Registry or Storage missing")
		}},
		{Name: "Tenants", Once: true, Run: func(e *Env) {
			other, err := core.New(core.Options{Storage: e.Store, Scheme: e.Scheme, Registry: NewRegistry(), Tenant: "other"})
			e.OK(err, "core.New for tenant other")
			e.Create(cm(e, "default", "mine", nil))
			var got corev1.ConfigMap
			err = other.Get(e.Ctx, client.ObjectKey{Namespace: "default", Name: "mine"}, &got)
			e.Fails(err, NotFound, "Get of another tenant's object")
			var ns corev1.Namespace
			e.OK(other.Get(e.Ctx, client.ObjectKey{Name: "default"}, &ns), "tenant other has its default namespace")
		}},
		{Name: "UnknownKindEveryMethod", Once: true, Run: func(e *Env) {
			u := e.Obj(schema.GroupVersionKind{Group: "nope.example.com", Version: "v1", Kind: "Nope"}, "default", "x", nil)
			ul := &unstructured.UnstructuredList{}
			ul.SetAPIVersion("nope.example.com/v1")
			ul.SetKind("NopeList")
			merge := client.RawPatch(types.MergePatchType, []byte(`{}`))
			for name, err := range map[string]error{
				"Update":          e.C.Update(e.Ctx, u),
				"Patch":           e.C.Patch(e.Ctx, u, merge),
				"Delete":          e.C.Delete(e.Ctx, u),
				"DeleteAllOf":     e.C.DeleteAllOf(e.Ctx, u),
				"Status().Update": e.C.Status().Update(e.Ctx, u),
				"List":            e.C.List(e.Ctx, ul),
			} {
				e.Check(meta.IsNoMatchError(err), "%s of an unknown kind: got %v, want a NoKindMatchError", name, err)
			}
			_, err := e.C.IsObjectNamespaced(u)
			e.Check(meta.IsNoMatchError(err), "IsObjectNamespaced of an unknown kind: got %v", err)
			ok, err := e.C.IsObjectNamespaced(e.EmptyList(ConfigMapGVK))
			e.OK(err, "IsObjectNamespaced of a list")
			e.Check(ok, "ConfigMapList not namespaced")
		}},
	}
}

func metadataOnlyCases() []Case {
	return []Case{
		{Name: "MetadataOnly", Once: true, Run: func(e *Env) {
			e.Create(labeled(cm(e, "default", "a", map[string]any{"k": "v"}), "l", "x"))
			p := &metav1.PartialObjectMetadata{}
			p.SetGroupVersionKind(ConfigMapGVK)
			e.OK(e.C.Get(e.Ctx, client.ObjectKey{Namespace: "default", Name: "a"}, p), "Get metadata only")
			Equal(e, p.GetLabels(), map[string]string{"l": "x"}, "labels")
			Equal(e, p.GroupVersionKind(), ConfigMapGVK, "kind kept")
			pl := &metav1.PartialObjectMetadataList{}
			pl.SetGroupVersionKind(ConfigMapGVK.GroupVersion().WithKind("ConfigMapList"))
			e.OK(e.C.List(e.Ctx, pl), "List metadata only")
			Equal(e, len(pl.Items), 1, "items")
			Equal(e, pl.Items[0].GroupVersionKind(), ConfigMapGVK, "item kind")
			w, err := e.C.Watch(e.Ctx, pl)
			e.OK(err, "Watch metadata only")
			ev := e.NextEvent(w)
			_, ok := ev.Object.(*metav1.PartialObjectMetadata)
			e.Check(ok, "watch event object %T, want *PartialObjectMetadata", ev.Object)
			w.Stop()
			e.OK(e.C.Patch(e.Ctx, p, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"annotations":{"a":"b"}}}`))), "Patch metadata only")
			Equal(e, p.GetAnnotations(), map[string]string{"a": "b"}, "annotations")
			Equal(e, e.Field(e.MustGet(ConfigMapGVK, "default", "a"), "data.k"), any("v"), "data kept by a metadata patch")
			e.Fails(e.C.Update(e.Ctx, p), BadRequest, "Update of a metadata-only object")
			e.Fails(e.C.Create(e.Ctx, &metav1.PartialObjectMetadata{TypeMeta: p.TypeMeta, ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "default"}}), BadRequest, "Create of a metadata-only object")
			e.OK(e.C.Delete(e.Ctx, p), "Delete metadata only")
			e.Gone(ConfigMapGVK, "default", "a")
		}},
	}
}
