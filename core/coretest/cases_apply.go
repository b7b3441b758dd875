package coretest

import (
	"encoding/json"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
)

// applied returns an apply configuration of kind gvk in the mode's form,
// with its apiVersion and kind set, as server-side apply requires of
// typed objects too.
func applied(e *Env, gvk schema.GroupVersionKind, ns, name string, fields map[string]any) client.Object {
	obj := e.Obj(gvk, ns, name, fields)
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	return obj
}

// managed returns obj's managedFields as "manager/operation[/subresource]:
// fields" lines, the fields as their FieldsV1 JSON.
func managed(obj client.Object) []string {
	var out []string
	for _, m := range obj.GetManagedFields() {
		line := m.Manager + "/" + string(m.Operation)
		if m.Subresource != "" {
			line += "/" + m.Subresource
		}
		if m.FieldsV1 != nil {
			line += ": " + string(m.FieldsV1.Raw)
		}
		out = append(out, line)
	}
	return out
}

func applyCases() []Case {
	return []Case{
		{Name: "ApplyCreatesAndOwns", Run: func(e *Env) {
			obj := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "v"}})
			e.OK(e.C.Patch(e.Ctx, obj, client.Apply, client.FieldOwner("alice")), "apply creating a ConfigMap")
			e.Check(obj.GetUID() != "" && obj.GetResourceVersion() != "", "apply did not create: %v", e.Content(obj))
			Equal(e, managed(obj), []string{`alice/Apply: {"f:data":{"f:k":{}}}`}, "managedFields after apply")
			got := e.MustGet(ConfigMapGVK, "default", "a")
			Equal(e, e.Content(got), e.Content(obj), "Get after apply")
			before := e.Rev()
			again := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "v"}})
			e.OK(e.C.Patch(e.Ctx, again, client.Apply, client.FieldOwner("alice")), "the same apply again")
			e.Unchanged(before, "an apply that changes nothing")
		}},
		{Name: "ApplyConflictAndForce", Run: func(e *Env) {
			obj := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "v", "x": "1"}})
			e.OK(e.C.Patch(e.Ctx, obj, client.Apply, client.FieldOwner("alice")), "alice's apply")
			bob := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "w"}})
			before := e.Rev()
			err := e.C.Patch(e.Ctx, bob, client.Apply, client.FieldOwner("bob"))
			e.Fails(err, Conflict, "bob applying alice's field")
			Equal(e, err.Error(), `Apply failed with 1 conflict: conflict with "alice": .data.k`, "conflict message")
			e.Unchanged(before, "a conflicting apply")
			// The same value is no conflict: both own it.
			same := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"x": "1"}})
			e.OK(e.C.Patch(e.Ctx, same, client.Apply, client.FieldOwner("bob")), "bob applying alice's value")
			e.OK(e.C.Patch(e.Ctx, bob, client.Apply, client.FieldOwner("bob"), client.ForceOwnership), "bob forcing")
			Equal(e, e.Field(bob, "data.k"), any("w"), "forced value")
			Equal(e, managed(bob), []string{`alice/Apply: {"f:data":{"f:x":{}}}`, `bob/Apply: {"f:data":{"f:k":{}}}`}, "managedFields after force")
			// Alice no longer applies x, which bob gave up too: it goes.
			e.OK(e.C.Patch(e.Ctx, applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{}}), client.Apply, client.FieldOwner("alice")), "alice dropping x")
			got := e.MustGet(ConfigMapGVK, "default", "a")
			Equal(e, e.Field(got, "data"), any(map[string]any{"k": "w"}), "data after alice dropped x")
		}},
		{Name: "UpdatesRecordManagedFields", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", map[string]any{"k": "v"}), client.FieldOwner("creator"))
			Equal(e, managed(obj), []string{`creator/Update: {"f:data":{".":{},"f:k":{}}}`}, "managedFields after create")
			obj = setField(e, obj, "w", "data", "x")
			e.OK(e.C.Update(e.Ctx, obj, client.FieldOwner("updater")), "update")
			Equal(e, managed(obj), []string{`creator/Update: {"f:data":{".":{},"f:k":{}}}`, `updater/Update: {"f:data":{"f:x":{}}}`}, "managedFields after update")
			e.OK(e.C.Patch(e.Ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"data":{"k":"p"}}`)), client.FieldOwner("patcher")), "merge patch")
			Equal(e, managed(obj), []string{`creator/Update: {"f:data":{}}`, `patcher/Update: {"f:data":{"f:k":{}}}`, `updater/Update: {"f:data":{"f:x":{}}}`}, "managedFields after patch")
			// An apply now conflicts with the Update owner, in the API server's words.
			err := e.C.Patch(e.Ctx, applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "q", "x": "q"}}), client.Apply, client.FieldOwner("applier"))
			e.Fails(err, Conflict, "apply over two Update owners")
			Equal(e, err.Error(), `Apply failed with 2 conflicts: conflicts with "patcher" using v1:
- .data.k
conflicts with "updater" using v1:
- .data.x`, "conflict message")
			// Writes that name no manager record the client's default.
			def := e.Create(cm(e, "default", "b", map[string]any{"k": "v"}))
			e.Check(len(def.GetManagedFields()) == 1 && def.GetManagedFields()[0].Manager != "", "default manager: %v", managed(def))
		}},
		{Name: "ApplyOptionsRefused", Run: func(e *Env) {
			obj := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "v"}})
			err := e.C.Patch(e.Ctx, obj, client.Apply)
			e.Fails(err, Invalid, "apply without a field manager")
			Equal(e, err.Error(), `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`, "message")
			e.Create(cm(e, "default", "b", nil))
			err = e.C.Patch(e.Ctx, cm(e, "default", "b", nil), client.RawPatch(types.MergePatchType, []byte(`{}`)), client.ForceOwnership)
			e.Fails(err, Invalid, "force on a merge patch")
			e.Message(err, "force: Forbidden: may not be specified for non-apply patch")
			err = e.C.Create(e.Ctx, cm(e, "default", "c", nil), client.FieldOwner(strings.Repeat("m", 129)))
			e.Fails(err, Invalid, "a field manager of 129 bytes")
			e.Message(err, "fieldManager: Too long")
			err = e.C.Patch(e.Ctx, cm(e, "default", "b", nil), client.RawPatch(types.ApplyPatchType, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: 1}\n")), client.FieldOwner("m"))
			e.Fails(err, AnyError, "apply of a number into a string field")
			e.Message(err, ".data.k: expected string")
			before := e.Rev()
			dry := applied(e, ConfigMapGVK, "default", "d", map[string]any{"data": map[string]any{"k": "v"}})
			e.OK(e.C.Patch(e.Ctx, dry, client.Apply, client.FieldOwner("m"), client.DryRunAll), "dry-run apply")
			e.Unchanged(before, "a dry-run apply")
			e.Gone(ConfigMapGVK, "default", "d")
			e.Fails(e.C.Patch(e.Ctx, e.Obj(ConfigMapGVK, "default", "a", nil), client.RawPatch("application/x-unknown", []byte(`{}`))), Unsupported, "unknown patch type")
		}},
		{Name: "ApplyCustomResourceAndStatus", Run: func(e *Env) {
			it := applied(e, ItemGVK, "default", "i", map[string]any{"spec": map[string]any{"quantity": int64(2)}, "status": map[string]any{"phase": "ignored"}})
			e.OK(e.C.Patch(e.Ctx, it, client.Apply, client.FieldOwner("alice")), "apply creating an Item")
			Equal(e, e.Field(it, "spec.quantity"), any(int64(2)), "applied quantity")
			Equal(e, e.Field(it, "status.phase"), nil, "status applied to the main resource")
			Equal(e, managed(it), []string{`alice/Apply: {"f:spec":{"f:quantity":{}}}`}, "managedFields of the Item")
			err := e.C.Patch(e.Ctx, applied(e, ItemGVK, "default", "i", map[string]any{"spec": map[string]any{"quantity": int64(3)}}), client.Apply, client.FieldOwner("bob"))
			e.Fails(err, Conflict, "bob applying alice's quantity")
			Equal(e, err.Error(), `Apply failed with 1 conflict: conflict with "alice": .spec.quantity`, "conflict message")
			st := applied(e, ItemGVK, "default", "i", map[string]any{"status": map[string]any{"phase": "Ready"}})
			e.OK(e.C.Status().Patch(e.Ctx, st, client.Apply, client.FieldOwner("ctrl")), "status apply")
			Equal(e, e.Field(st, "status.phase"), any("Ready"), "applied status")
			Equal(e, e.Field(st, "spec.quantity"), any(int64(2)), "spec after a status apply")
			Equal(e, managed(st), []string{`alice/Apply: {"f:spec":{"f:quantity":{}}}`, `ctrl/Apply/status: {"f:status":{"f:phase":{}}}`}, "managedFields after a status apply")
			up := st.DeepCopyObject().(client.Object)
			up = setField(e, up, "Done", "status", "phase")
			e.OK(e.C.Status().Update(e.Ctx, up, client.FieldOwner("other")), "status update")
			// ctrl loses the one field it owned, and its entry.
			Equal(e, managed(up), []string{`alice/Apply: {"f:spec":{"f:quantity":{}}}`, `other/Update/status: {"f:status":{"f:phase":{}}}`}, "managedFields after a status update")
		}},
		{Name: "ManagedFieldsJSON", Once: true, Run: func(e *Env) {
			obj := applied(e, ConfigMapGVK, "default", "a", map[string]any{"data": map[string]any{"k": "v"}})
			e.OK(e.C.Patch(e.Ctx, obj, client.Apply, client.FieldOwner("alice")), "apply")
			raw, err := json.Marshal(obj.GetManagedFields())
			e.OK(err, "encoding managedFields")
			var mf []metav1.ManagedFieldsEntry
			e.OK(json.Unmarshal(raw, &mf), "decoding managedFields")
			Equal(e, mf[0].APIVersion, "v1", "apiVersion")
			Equal(e, mf[0].FieldsType, "FieldsV1", "fieldsType")
			e.Check(mf[0].Time != nil && mf[0].Time.Nanosecond() == 0, "time %v: want whole seconds", mf[0].Time)
		}},
	}
}
