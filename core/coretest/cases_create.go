package coretest

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
)

// Cases returns every case of the suite.
func Cases() []Case {
	var all []Case
	for _, group := range [][]Case{createCases(), updateCases(), statusCases(), deleteCases(), cascadeCases(),
		namespaceCases(), typeSetCases(), gcCases(), patchCases(), listCases(), watchCases(), builtinCases(), hookCases(), miscCases(), metadataOnlyCases(), applyCases()} {
		all = append(all, group...)
	}
	return all
}

func cm(e *Env, ns, name string, data map[string]any) client.Object {
	fields := map[string]any{}
	if data != nil {
		fields["data"] = data
	}
	return e.Obj(ConfigMapGVK, ns, name, fields)
}

func item(e *Env, ns, name string, quantity int64) client.Object {
	return e.Obj(ItemGVK, ns, name, map[string]any{"spec": map[string]any{"quantity": quantity}})
}

func namespace(e *Env, name string) client.Object {
	return e.Create(e.Obj(NamespaceGVK, "", name, nil))
}

func createCases() []Case {
	return []Case{
		{Name: "CreateSetsServerMetadata", Run: func(e *Env) {
			obj := cm(e, "default", "a", map[string]any{"k": "v"})
			obj.SetUID("client-uid")
			obj.SetGeneration(7)
			e.Create(obj)
			e.Check(obj.GetUID() != "" && obj.GetUID() != "client-uid", "uid %q: want a server-set uid", obj.GetUID())
			e.Check(!obj.GetCreationTimestamp().Time.IsZero(), "creationTimestamp not set")
			// As the API server's ConfigMap strategy: no generation at all.
			e.Check(obj.GetGeneration() == 0, "generation %d, want none for a ConfigMap", obj.GetGeneration())
			e.Check(obj.GetResourceVersion() != "", "resourceVersion not set")
			it := item(e, "default", "i", 1)
			it.SetGeneration(7)
			e.Create(it)
			e.Check(it.GetGeneration() == 1, "generation %d of a custom resource, want 1", it.GetGeneration())
			e.Check(len(obj.GetManagedFields()) == 1 && obj.GetManagedFields()[0].Operation == metav1.ManagedFieldsOperationUpdate, "managedFields %v: want the create's Update entry", obj.GetManagedFields())
			got := e.MustGet(ConfigMapGVK, "default", "a")
			Equal(e, e.Content(got), e.Content(obj), "Get after Create")
			if e.Mode.Typed {
				Equal(e, got.GetObjectKind().GroupVersionKind().Kind, "", "typed Get result kind (controller-runtime leaves TypeMeta empty)")
			} else {
				Equal(e, got.GetObjectKind().GroupVersionKind(), ConfigMapGVK, "unstructured Get result kind")
			}
		}},
		{Name: "CreateTypedWithTypeMetaSet", Once: true, Run: func(e *Env) {
			obj := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
				ObjectMeta: metav1.ObjectMeta{Name: "tm", Namespace: "default"}}
			e.Create(obj)
			e.MustGet(ConfigMapGVK, "default", "tm")
		}},
		{Name: "CreateAlreadyExists", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			err := e.C.Create(e.Ctx, cm(e, "default", "a", nil))
			e.Fails(err, AlreadyExists, "second Create")
			e.Message(err, `configmaps "a" already exists`)
			e.Unchanged(before, "failed Create")
		}},
		{Name: "CreateGenerateName", Run: func(e *Env) {
			obj := cm(e, "default", "", nil)
			obj.SetGenerateName("gen-")
			e.Create(obj)
			e.Check(strings.HasPrefix(obj.GetName(), "gen-") && len(obj.GetName()) == len("gen-")+5, "generated name %q", obj.GetName())
			e.MustGet(ConfigMapGVK, "default", obj.GetName())
		}},
		{Name: "CreateInvalidNames", Run: func(e *Env) {
			before := e.Rev()
			for _, tc := range []struct {
				obj  client.Object
				path string
			}{
				{cm(e, "default", "Bad_Name", nil), "metadata.name"},
				{cm(e, "default", "", nil), "metadata.name"},
				{e.Obj(NamespaceGVK, "", "has.dot", nil), "metadata.name"},
				{cm(e, "", "no-namespace", nil), "metadata.namespace"},
				{e.Obj(NamespaceGVK, "default", "scoped", nil), "metadata.namespace"},
				{e.Obj(WarehouseGVK, "default", "w", nil), "metadata.namespace"},
			} {
				err := e.C.Create(e.Ctx, tc.obj)
				e.Fails(err, Invalid, "Create %s", describe(tc.obj))
				e.Message(err, tc.path)
			}
			e.Unchanged(before, "invalid Creates")
		}},
		{Name: "CreateInvalidListsAllProblems", Run: func(e *Env) {
			obj := cm(e, "default", "Bad_Name", map[string]any{"bad key!": "v"})
			obj.SetLabels(map[string]string{"bad label!": "x"})
			err := e.C.Create(e.Ctx, obj)
			e.Fails(err, Invalid, "Create with three problems")
			e.Message(err, "metadata.name", "metadata.labels", "data[bad key!]", `ConfigMap "Bad_Name" is invalid`)
		}},
		{Name: "CreateNeedsNamespace", Run: func(e *Env) {
			before := e.Rev()
			err := e.C.Create(e.Ctx, cm(e, "missing", "a", nil))
			e.Fails(err, NotFound, "Create in a missing namespace")
			e.Message(err, `namespaces "missing" not found`)
			e.Unchanged(before, "Create in a missing namespace")
			namespace(e, "missing")
			e.Create(cm(e, "missing", "a", nil))
		}},
		{Name: "CreateWithResourceVersion", Run: func(e *Env) {
			obj := cm(e, "default", "a", nil)
			obj.SetResourceVersion("5")
			e.Fails(e.C.Create(e.Ctx, obj), BadRequest, "Create with a resourceVersion")
		}},
		{Name: "CreateDryRun", Run: func(e *Env) {
			before := e.Rev()
			obj := cm(e, "default", "dry", map[string]any{"k": "v"})
			e.Create(obj, client.DryRunAll)
			e.Check(obj.GetUID() != "" && !obj.GetCreationTimestamp().Time.IsZero(), "dry run result lacks server metadata")
			e.Unchanged(before, "dry-run Create")
			e.Gone(ConfigMapGVK, "default", "dry")
			err := e.C.Create(e.Ctx, cm(e, "default", "Bad_Name", nil), client.DryRunAll)
			e.Fails(err, Invalid, "dry-run Create of an invalid object")
			e.Create(cm(e, "default", "taken", nil))
			before = e.Rev()
			err = e.C.Create(e.Ctx, cm(e, "default", "taken", nil), client.DryRunAll)
			e.Fails(err, AlreadyExists, "dry-run Create of a name that is taken")
			e.Unchanged(before, "failed dry-run Create")
		}},
		{Name: "DefaultNamespaceExists", Run: func(e *Env) {
			ns := e.MustGet(NamespaceGVK, "", "default")
			Equal(e, e.Field(ns, "status.phase"), any("Active"), "default namespace phase")
			before := e.Rev()
			// A second client over the same store finds it and writes nothing.
			_, err := core.New(core.Options{Storage: e.Store, Scheme: e.Scheme, Registry: NewRegistry()})
			e.OK(err, "second core.New")
			e.Unchanged(before, "second core.New")
		}},
		{Name: "UnknownKind", Run: func(e *Env) {
			u := &unstructured.Unstructured{}
			u.SetAPIVersion("nope.example.com/v1")
			u.SetKind("Nope")
			u.SetName("x")
			err := e.C.Create(e.Ctx, u)
			e.Check(meta.IsNoMatchError(err), "Create of an unknown kind: got %v, want a NoKindMatchError", err)
			err = e.C.Get(e.Ctx, client.ObjectKey{Name: "x"}, u)
			e.Check(meta.IsNoMatchError(err), "Get of an unknown kind: got %v", err)
			e.Fails(e.C.Create(e.Ctx, &unstructured.Unstructured{Object: map[string]any{}}), BadRequest, "Create without a kind")
			err = e.C.Create(e.Ctx, &unregistered{ObjectMeta: metav1.ObjectMeta{Name: "x"}})
			e.Check(runtime.IsNotRegisteredError(err), "Create of a Go type not in the scheme: got %v", err)
		}},
		{Name: "PluginKinds", Run: func(e *Env) {
			it := e.Create(item(e, "default", "widget", 3))
			e.Check(it.GetUID() != "", "plugin object has no uid")
			got := e.MustGet(ItemGVK, "default", "widget")
			Equal(e, e.Field(got, "spec.quantity"), any(int64(3)), "item quantity")
			if e.Mode.Typed {
				_, ok := got.(*Item)
				e.Check(ok, "typed Get of Item returned %T", got)
			}
			w := e.Create(e.Obj(WarehouseGVK, "", "north", map[string]any{"spec": map[string]any{"city": "Oslo"}}))
			e.Check(w.GetNamespace() == "", "cluster-scoped object has namespace %q", w.GetNamespace())
			got = e.MustGet(WarehouseGVK, "", "north")
			Equal(e, e.Field(got, "spec.city"), any("Oslo"), "warehouse city")
			_, err := e.Get(ItemGVK, "default", "nothing")
			e.Fails(err, NotFound, "Get of a missing item")
			e.Message(err, `items.inventory.example.com "nothing" not found`)
		}},
		{Name: "TypedAndUnstructuredInterchangeable", Once: true, Run: func(e *Env) {
			e.Create(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "t", Namespace: "default"}, Data: map[string]string{"a": "1"}})
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(ConfigMapGVK)
			e.OK(e.C.Get(e.Ctx, client.ObjectKey{Namespace: "default", Name: "t"}, u), "unstructured Get of a typed write")
			Equal(e, u.Object["data"], any(map[string]any{"a": "1"}), "data")
			e.OK(unstructured.SetNestedField(u.Object, "2", "data", "a"), "set")
			e.OK(e.C.Update(e.Ctx, u), "unstructured Update")
			var typed corev1.ConfigMap
			e.OK(e.C.Get(e.Ctx, client.ObjectKey{Namespace: "default", Name: "t"}, &typed), "typed Get")
			Equal(e, typed.Data, map[string]string{"a": "2"}, "data")
			Equal(e, typed.ResourceVersion, u.GetResourceVersion(), "resourceVersion")
			// An unstructured built-in object loses unknown fields, as on the API server.
			u2 := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "u2", "namespace": "default"}, "bogus": "x"}}
			e.Create(u2)
			_, has := u2.Object["bogus"]
			e.Check(!has, "unknown field of a built-in kind kept")
		}},
		{Name: "SchemaDefaultingAndValidation", Run: func(e *Env) {
			it := e.Create(item(e, "default", "a", 1))
			Equal(e, e.Field(it, "spec.color"), any("grey"), "schema default")
			bad := item(e, "default", "b", -1)
			err := e.C.Create(e.Ctx, bad)
			e.Fails(err, Invalid, "Create with quantity -1")
			e.Message(err, "spec.quantity")
			// Warehouse has no Go type: its content is the schema's to prune.
			noCity := e.Obj(WarehouseGVK, "", "c", map[string]any{"spec": map[string]any{"size": int64(3)}})
			err = e.C.Create(e.Ctx, noCity)
			e.Fails(err, Invalid, "Create without the required city")
			e.Message(err, "spec.city", "Required")
			ok := e.Obj(WarehouseGVK, "", "d", map[string]any{"spec": map[string]any{"city": "Rome", "size": int64(3)}, "extra": "pruned"})
			e.Create(ok)
			e.Check(e.Field(ok, "extra") == nil && e.Field(ok, "spec.size") == nil, "unknown fields not pruned: %v", e.Content(ok))
			got := e.MustGet(WarehouseGVK, "", "d")
			Equal(e, e.Content(got), e.Content(ok), "Get after a pruning Create")
		}},
	}
}

// unregistered is a Go type no scheme knows.
type unregistered struct {
	metav1.TypeMeta
	metav1.ObjectMeta
}

func (u *unregistered) DeepCopyObject() runtime.Object { c := *u; return &c }
