package coretest

import (
	"strconv"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/client"
)

func setField(e *Env, obj client.Object, value any, path ...string) client.Object {
	e.T.Helper()
	content := e.Content(obj)
	e.OK(unstructured.SetNestedField(content, value, path...), "set %v", path)
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvkOf(e, obj))
	return e.convert(u)
}

func gvkOf(e *Env, obj client.Object) schema.GroupVersionKind {
	e.T.Helper()
	gvk, err := e.C.GroupVersionKindFor(obj)
	e.OK(err, "GroupVersionKindFor")
	return gvk
}

func rvOf(e *Env, obj client.Object) int64 {
	e.T.Helper()
	n, err := strconv.ParseInt(obj.GetResourceVersion(), 10, 64)
	e.OK(err, "resourceVersion %q", obj.GetResourceVersion())
	return n
}

func updateCases() []Case {
	return []Case{
		{Name: "UpdateBumpsResourceVersionAndGeneration", Run: func(e *Env) {
			obj := e.Create(item(e, "default", "a", 1))
			uid, created := obj.GetUID(), obj.GetCreationTimestamp()
			rv1 := rvOf(e, obj)
			obj = setField(e, obj, int64(2), "spec", "quantity")
			e.OK(e.C.Update(e.Ctx, obj), "Update spec")
			e.Check(rvOf(e, obj) > rv1, "resourceVersion %d not after %d", rvOf(e, obj), rv1)
			e.Check(obj.GetGeneration() == 2, "generation %d after a spec change, want 2", obj.GetGeneration())
			e.Check(obj.GetUID() == uid && obj.GetCreationTimestamp().Time.Equal(created.Time), "uid or creationTimestamp changed")
			obj.SetLabels(map[string]string{"a": "b"})
			e.OK(e.C.Update(e.Ctx, obj), "Update labels")
			e.Check(obj.GetGeneration() == 2, "generation %d after a metadata change, want 2", obj.GetGeneration())
			got := e.MustGet(ItemGVK, "default", "a")
			Equal(e, e.Content(got), e.Content(obj), "Get after Update")
		}},
		{Name: "UpdateKeepsServerFields", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			uid, created := obj.GetUID(), obj.GetCreationTimestamp()
			obj.SetUID("")
			obj.SetCreationTimestamp(created)
			obj.SetGeneration(99)
			obj.SetAnnotations(map[string]string{"x": "y"})
			e.OK(e.C.Update(e.Ctx, obj), "Update")
			e.Check(obj.GetUID() == uid, "uid changed to %q", obj.GetUID())
			e.Check(obj.GetGeneration() == 0, "client-set generation kept: %d", obj.GetGeneration())
			it := e.Create(item(e, "default", "i", 1))
			it.SetGeneration(99)
			e.OK(e.C.Update(e.Ctx, it), "Update of a custom resource")
			e.Check(it.GetGeneration() == 1, "client-set generation kept: %d", it.GetGeneration())
		}},
		{Name: "UpdateStaleResourceVersion", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			stale := obj.DeepCopyObject().(client.Object)
			obj.SetLabels(map[string]string{"v": "2"})
			e.OK(e.C.Update(e.Ctx, obj), "first Update")
			before := e.Rev()
			stale.SetLabels(map[string]string{"v": "stale"})
			err := e.C.Update(e.Ctx, stale)
			e.Fails(err, Conflict, "Update with a stale resourceVersion")
			e.Message(err, `Operation cannot be fulfilled on configmaps "a"`, "the object has been modified")
			e.Unchanged(before, "conflicting Update")
			stale.SetResourceVersion("not-a-number")
			e.Fails(e.C.Update(e.Ctx, stale), BadRequest, "Update with a malformed resourceVersion")
		}},
		{Name: "UpdateUnconditional", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			obj := cm(e, "default", "a", map[string]any{"k": "v"})
			e.OK(e.C.Update(e.Ctx, obj), "Update without resourceVersion of a built-in kind")
			Equal(e, e.Field(e.MustGet(ConfigMapGVK, "default", "a"), "data.k"), any("v"), "data")
			e.Create(item(e, "default", "i", 1))
			err := e.C.Update(e.Ctx, item(e, "default", "i", 2))
			e.Fails(err, Invalid, "Update without resourceVersion of a custom resource")
			e.Message(err, "metadata.resourceVersion", "must be specified for an update")
		}},
		{Name: "UpdateNotFound", Run: func(e *Env) {
			err := e.C.Update(e.Ctx, cm(e, "default", "missing", nil))
			e.Fails(err, NotFound, "Update of a missing object")
			e.Message(err, `configmaps "missing" not found`)
			// A custom resource without a resourceVersion: NotFound
			// before the resourceVersion is required, as kube-apiserver
			// answers kubectl replace of a missing object.
			err = e.C.Update(e.Ctx, item(e, "default", "missing", 1))
			e.Fails(err, NotFound, "Update without resourceVersion of a missing custom resource")
			e.Message(err, `"missing" not found`)
		}},
		{Name: "UpdateNoChangeKeepsResourceVersion", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", map[string]any{"k": "v"}))
			rv := obj.GetResourceVersion()
			before := e.Rev()
			e.OK(e.C.Update(e.Ctx, obj), "no-op Update")
			Equal(e, obj.GetResourceVersion(), rv, "resourceVersion after a no-op Update")
			e.Unchanged(before, "no-op Update")
		}},
		{Name: "UpdateWrongUID", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			obj.SetUID("someone-else")
			err := e.C.Update(e.Ctx, obj)
			e.Fails(err, Conflict, "Update with another uid")
			e.Message(err, "Precondition failed: UID")
		}},
		{Name: "UpdateInvalid", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			obj.SetLabels(map[string]string{"bad key!": "x"})
			e.Fails(e.C.Update(e.Ctx, obj), Invalid, "Update with a bad label")
			e.Unchanged(before, "invalid Update")
		}},
		{Name: "UpdateDryRun", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			obj.SetLabels(map[string]string{"dry": "run"})
			e.OK(e.C.Update(e.Ctx, obj, client.DryRunAll), "dry-run Update")
			Equal(e, obj.GetLabels(), map[string]string{"dry": "run"}, "dry-run result labels")
			e.Unchanged(before, "dry-run Update")
			e.Check(e.MustGet(ConfigMapGVK, "default", "a").GetLabels() == nil, "dry-run Update stored labels")
		}},
	}
}

func statusCases() []Case {
	return []Case{
		{Name: "StatusSubresourceSplit", Run: func(e *Env) {
			obj := setField(e, item(e, "default", "a", 1), "Pending", "status", "phase")
			e.Create(obj)
			e.Check(e.Field(obj, "status.phase") == nil, "Create kept status of a kind with a status subresource: %v", e.Field(obj, "status"))
			// Update ignores status.
			obj = setField(e, obj, "Ready", "status", "phase")
			obj = setField(e, obj, int64(5), "spec", "quantity")
			e.OK(e.C.Update(e.Ctx, obj), "Update")
			got := e.MustGet(ItemGVK, "default", "a")
			e.Check(e.Field(got, "status.phase") == nil, "Update wrote status")
			Equal(e, e.Field(got, "spec.quantity"), any(int64(5)), "spec after Update")
			gen := got.GetGeneration()
			// Status().Update writes only status.
			got = setField(e, got, "Ready", "status", "phase")
			got = setField(e, got, int64(9), "spec", "quantity")
			e.OK(e.C.Status().Update(e.Ctx, got), "Status().Update")
			Equal(e, e.Field(got, "status.phase"), any("Ready"), "status after Status().Update")
			Equal(e, e.Field(got, "spec.quantity"), any(int64(5)), "spec after Status().Update (must be ignored)")
			Equal(e, got.GetGeneration(), gen, "generation after Status().Update")
			// Status().Patch too.
			patch := client.RawPatch("application/merge-patch+json", []byte(`{"status":{"phase":"Done"},"spec":{"quantity":100}}`))
			e.OK(e.C.Status().Patch(e.Ctx, got, patch), "Status().Patch")
			Equal(e, e.Field(got, "status.phase"), any("Done"), "status after Status().Patch")
			Equal(e, e.Field(got, "spec.quantity"), any(int64(5)), "spec after Status().Patch")
		}},
		{Name: "StatusSubResourceBody", Run: func(e *Env) {
			obj := e.Create(item(e, "default", "a", 1))
			body := setField(e, obj, "FromBody", "status", "phase")
			e.OK(e.C.Status().Update(e.Ctx, obj, &client.SubResourceUpdateOptions{SubResourceBody: body}), "Status().Update with a body")
			Equal(e, e.Field(e.MustGet(ItemGVK, "default", "a"), "status.phase"), any("FromBody"), "status")
		}},
		{Name: "StatusNotFoundWithoutSubresource", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			err := e.C.Status().Update(e.Ctx, obj)
			e.Fails(err, NotFound, "Status().Update of a ConfigMap")
			// The API server has no route for configmaps/status.
			e.Message(err, "the server could not find the requested resource")
			e.Fails(e.C.Status().Patch(e.Ctx, obj, client.RawPatch("application/merge-patch+json", []byte(`{}`))), NotFound, "Status().Patch of a ConfigMap")
			e.Fails(e.C.Status().Create(e.Ctx, obj, obj), MethodNotAllow, "Status().Create")
		}},
		{Name: "StatusUpdateStaleAndDryRun", Run: func(e *Env) {
			obj := e.Create(item(e, "default", "a", 1))
			stale := obj.DeepCopyObject().(client.Object)
			obj = setField(e, obj, "One", "status", "phase")
			e.OK(e.C.Status().Update(e.Ctx, obj), "Status().Update")
			stale = setField(e, stale, "Two", "status", "phase")
			e.Fails(e.C.Status().Update(e.Ctx, stale), Conflict, "stale Status().Update")
			before := e.Rev()
			obj = setField(e, obj, "Dry", "status", "phase")
			e.OK(e.C.Status().Update(e.Ctx, obj, client.DryRunAll), "dry-run Status().Update")
			e.Unchanged(before, "dry-run Status().Update")
			Equal(e, e.Field(e.MustGet(ItemGVK, "default", "a"), "status.phase"), any("One"), "status after dry run")
		}},
		{Name: "UnstructuredOnlyKinds", Run: func(e *Env) {
			// Shelf: status subresource, no Go type.
			sh := e.Create(e.Obj(ShelfGVK, "default", "s", map[string]any{"spec": map[string]any{"slots": int64(3)}, "status": map[string]any{"used": int64(1)}}))
			e.Check(e.Field(sh, "status") == nil, "Create kept status")
			sh = setField(e, sh, int64(4), "spec", "slots")
			sh = setField(e, sh, int64(2), "status", "used")
			e.OK(e.C.Update(e.Ctx, sh), "Update")
			Equal(e, sh.GetGeneration(), int64(2), "generation after a spec change")
			e.Check(e.Field(sh, "status") == nil, "Update wrote status")
			sh = setField(e, sh, int64(2), "status", "used")
			sh = setField(e, sh, int64(9), "spec", "slots")
			e.OK(e.C.Status().Update(e.Ctx, sh), "Status().Update")
			Equal(e, e.Field(sh, "status.used"), any(int64(2)), "status")
			Equal(e, e.Field(sh, "spec.slots"), any(int64(4)), "spec after Status().Update")
			sh = setField(e, sh, int64(4), "spec", "slots")
			sh.SetLabels(map[string]string{"a": "b"})
			e.OK(e.C.Update(e.Ctx, sh), "labels Update")
			Equal(e, sh.GetGeneration(), int64(2), "generation after a metadata change")
			Equal(e, e.Field(sh, "status.used"), any(int64(2)), "status kept by Update")
			// Warehouse: no status subresource, so status is part of what generation tracks.
			w := e.Create(e.Obj(WarehouseGVK, "", "w", map[string]any{"spec": map[string]any{"city": "Oslo"}}))
			w = setField(e, w, "Open", "status", "state")
			e.OK(e.C.Update(e.Ctx, w), "Warehouse status Update")
			Equal(e, w.GetGeneration(), int64(2), "generation after a status change without subresource")
			Equal(e, e.Field(w, "status.state"), any("Open"), "status")
			w.SetAnnotations(map[string]string{"n": "1"})
			e.OK(e.C.Update(e.Ctx, w), "Warehouse metadata Update")
			Equal(e, w.GetGeneration(), int64(2), "generation after a metadata change")
			e.Fails(e.C.Status().Update(e.Ctx, w), NotFound, "Status().Update of a kind without the subresource")
		}},
	}
}
