package coretest

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

const testFinalizer = "example.com/cleanup"

func ownedBy(e *Env, obj client.Object, owners ...client.Object) client.Object {
	e.T.Helper()
	var refs []metav1.OwnerReference
	for _, o := range owners {
		refs = append(refs, ownerRef(e, o, false))
	}
	obj.SetOwnerReferences(refs)
	return obj
}

func ownerRef(e *Env, owner client.Object, block bool) metav1.OwnerReference {
	e.T.Helper()
	gvk := gvkOf(e, owner)
	return metav1.OwnerReference{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: owner.GetName(),
		UID: owner.GetUID(), BlockOwnerDeletion: &block}
}

func withFinalizers(obj client.Object, fins ...string) client.Object {
	obj.SetFinalizers(fins)
	return obj
}

// removeFinalizers updates the current object without finalizers.
func removeFinalizers(e *Env, gvk schema.GroupVersionKind, ns, name string) client.Object {
	e.T.Helper()
	obj := e.MustGet(gvk, ns, name)
	obj.SetFinalizers(nil)
	e.OK(e.C.Update(e.Ctx, obj), "Update removing the finalizers of %s %s", gvk.Kind, name)
	return obj
}

func deleteCases() []Case {
	return []Case{
		{Name: "DeleteRemoves", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			e.OK(e.C.Delete(e.Ctx, obj), "Delete")
			e.Gone(ConfigMapGVK, "default", "a")
			err := e.C.Delete(e.Ctx, obj)
			e.Fails(err, NotFound, "second Delete")
			e.Message(err, `configmaps "a" not found`)
			w := e.Create(e.Obj(WarehouseGVK, "", "w", nil))
			e.OK(e.C.Delete(e.Ctx, w), "Delete of a cluster-scoped plugin object")
			e.Gone(WarehouseGVK, "", "w")
		}},
		{Name: "DeletePreconditions", Run: func(e *Env) {
			// An earlier write, so that revision 1 is stale for obj.
			e.Create(cm(e, "default", "earlier", nil))
			obj := e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			wrongUID := types.UID("nope")
			err := e.C.Delete(e.Ctx, obj, client.Preconditions{UID: &wrongUID})
			e.Fails(err, Conflict, "Delete with a wrong UID precondition")
			e.Message(err, "Precondition failed: UID")
			staleRV := "1"
			err = e.C.Delete(e.Ctx, obj, client.Preconditions{ResourceVersion: &staleRV})
			e.Fails(err, Conflict, "Delete with a stale resourceVersion precondition")
			e.Message(err, "Precondition failed: ResourceVersion")
			e.Unchanged(before, "failed Deletes")
			uid, rv := obj.GetUID(), obj.GetResourceVersion()
			e.OK(e.C.Delete(e.Ctx, obj, client.Preconditions{UID: &uid, ResourceVersion: &rv}), "Delete with matching preconditions")
			e.Gone(ConfigMapGVK, "default", "a")
		}},
		{Name: "DeleteDryRunAndBadPolicy", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			e.OK(e.C.Delete(e.Ctx, obj, client.DryRunAll), "dry-run Delete")
			e.Unchanged(before, "dry-run Delete")
			e.MustGet(ConfigMapGVK, "default", "a")
			e.Fails(e.C.Delete(e.Ctx, obj, client.PropagationPolicy("Sideways")), BadRequest, "Delete with an unknown propagation policy")
			e.OK(e.C.Delete(e.Ctx, obj, client.GracePeriodSeconds(30)), "Delete with a grace period")
			e.Gone(ConfigMapGVK, "default", "a")
		}},
		{Name: "Finalizers", Run: func(e *Env) {
			obj := e.Create(withFinalizers(item(e, "default", "a", 1), testFinalizer))
			e.OK(e.C.Delete(e.Ctx, obj), "Delete with a finalizer")
			got := e.MustGet(ItemGVK, "default", "a")
			e.Check(got.GetDeletionTimestamp() != nil, "deletionTimestamp not set")
			e.Check(got.GetDeletionGracePeriodSeconds() != nil && *got.GetDeletionGracePeriodSeconds() == 0, "deletionGracePeriodSeconds %v, want 0", got.GetDeletionGracePeriodSeconds())
			before := e.Rev()
			e.OK(e.C.Delete(e.Ctx, got), "second Delete of an object being deleted")
			e.Unchanged(before, "second Delete")
			// No new finalizers while deleting.
			got.SetFinalizers([]string{testFinalizer, "example.com/another"})
			err := e.C.Update(e.Ctx, got)
			e.Fails(err, Invalid, "adding a finalizer while deleting")
			e.Message(err, "metadata.finalizers")
			// Spec changes are still allowed.
			got = setField(e, e.MustGet(ItemGVK, "default", "a"), int64(7), "spec", "quantity")
			e.OK(e.C.Update(e.Ctx, got), "spec Update while deleting")
			Equal(e, got.GetFinalizers(), []string{testFinalizer}, "finalizers")
			// Removing the last finalizer deletes.
			got.SetFinalizers(nil)
			e.OK(e.C.Update(e.Ctx, got), "Update removing the last finalizer")
			e.Check(got.GetDeletionTimestamp() != nil, "the final object has no deletionTimestamp")
			e.Gone(ItemGVK, "default", "a")
		}},
		{Name: "FinalizerRemovedByPatch", Run: func(e *Env) {
			obj := e.Create(withFinalizers(cm(e, "default", "a", nil), testFinalizer, "example.com/two"))
			e.OK(e.C.Delete(e.Ctx, obj), "Delete")
			patch := client.RawPatch("application/json-patch+json", []byte(`[{"op":"remove","path":"/metadata/finalizers/0"}]`))
			e.OK(e.C.Patch(e.Ctx, obj, patch), "JSON patch removing one finalizer")
			e.MustGet(ConfigMapGVK, "default", "a")
			e.OK(e.C.Patch(e.Ctx, obj, client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))), "merge patch removing the rest")
			e.Gone(ConfigMapGVK, "default", "a")
		}},
		{Name: "DeleteAllOf", Run: func(e *Env) {
			namespace(e, "other")
			for _, o := range []struct{ ns, name, l string }{{"default", "a", "x"}, {"default", "b", "x"}, {"default", "c", "y"}, {"other", "d", "x"}} {
				obj := cm(e, o.ns, o.name, nil)
				obj.SetLabels(map[string]string{"l": o.l})
				e.Create(obj)
			}
			e.OK(e.C.DeleteAllOf(e.Ctx, cm(e, "default", "", nil), client.InNamespace("default"), client.MatchingLabels{"l": "x"}), "DeleteAllOf")
			got, _ := e.List(ConfigMapGVK)
			Equal(e, got, []string{"default/c", "other/d"}, "remaining configmaps")
			e.OK(e.C.DeleteAllOf(e.Ctx, cm(e, "", "", nil)), "DeleteAllOf everywhere")
			got, _ = e.List(ConfigMapGVK)
			Equal(e, len(got), 0, "configmaps left")
			e.Fails(e.C.DeleteAllOf(e.Ctx, cm(e, "", "", nil), client.MatchingFields{"data.k": "v"}), BadRequest, "DeleteAllOf with an unsupported field")
		}},
	}
}

func cascadeCases() []Case {
	return []Case{
		{Name: "CascadeBackground", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			d1 := e.Create(ownedBy(e, cm(e, "default", "d1", nil), owner))
			e.Create(ownedBy(e, item(e, "default", "d2", 1), d1))
			e.Create(ownedBy(e, cm(e, "default", "d3", nil), owner, d1))
			e.Create(cm(e, "default", "unrelated", nil))
			before := e.Rev()
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner")
			Equal(e, e.Rev(), before+1, "store revision after a cascading delete (one transaction)")
			for _, n := range []string{"owner", "d1", "d3"} {
				e.Gone(ConfigMapGVK, "default", n)
			}
			e.Gone(ItemGVK, "default", "d2")
			e.MustGet(ConfigMapGVK, "default", "unrelated")
		}},
		{Name: "CascadeClusterScopedOwner", Run: func(e *Env) {
			namespace(e, "other")
			w := e.Create(e.Obj(WarehouseGVK, "", "w", map[string]any{"spec": map[string]any{"city": "Oslo"}}))
			e.Create(ownedBy(e, cm(e, "default", "a", nil), w))
			e.Create(ownedBy(e, item(e, "other", "b", 1), w))
			e.OK(e.C.Delete(e.Ctx, w), "Delete cluster-scoped owner")
			e.Gone(ConfigMapGVK, "default", "a")
			e.Gone(ItemGVK, "other", "b")
		}},
		{Name: "CascadeOrphan", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			other := e.Create(cm(e, "default", "other", nil))
			d1 := e.Create(ownedBy(e, cm(e, "default", "d1", nil), owner, other))
			e.Create(ownedBy(e, cm(e, "default", "d2", nil), d1))
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationOrphan)), "orphan Delete")
			e.Gone(ConfigMapGVK, "default", "owner")
			got := e.MustGet(ConfigMapGVK, "default", "d1")
			Equal(e, len(got.GetOwnerReferences()), 1, "d1 owner references after orphaning")
			Equal(e, got.GetOwnerReferences()[0].UID, other.GetUID(), "d1's remaining owner")
			d2 := e.MustGet(ConfigMapGVK, "default", "d2")
			// A dependent whose only owner went has no ownerReferences
			// field left, not an empty list.
			e.Create(ownedBy(e, cm(e, "default", "lone", nil), d2))
			e.OK(e.C.Delete(e.Ctx, d2, client.PropagationPolicy(metav1.DeletePropagationOrphan)), "orphan Delete of d2")
			Equal(e, e.Field(e.MustGet(ConfigMapGVK, "default", "lone"), "metadata.ownerReferences"), nil, "ownerReferences of an orphan")
			// The remaining owner still cascades.
			e.OK(e.C.Delete(e.Ctx, other), "Delete other owner")
			e.Gone(ConfigMapGVK, "default", "d1")
			e.MustGet(ConfigMapGVK, "default", "lone")
		}},
		{Name: "CascadeForegroundBlocked", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			blocker := withFinalizers(cm(e, "default", "blocker", nil), testFinalizer)
			blocker.SetOwnerReferences([]metav1.OwnerReference{ownerRef(e, owner, true)})
			e.Create(blocker)
			e.Create(ownedBy(e, cm(e, "default", "free", nil), owner))
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete")
			e.Gone(ConfigMapGVK, "default", "free")
			got := e.MustGet(ConfigMapGVK, "default", "owner")
			e.Check(got.GetDeletionTimestamp() != nil, "owner has no deletionTimestamp")
			Equal(e, got.GetFinalizers(), []string{metav1.FinalizerDeleteDependents}, "owner finalizers")
			e.Check(e.MustGet(ConfigMapGVK, "default", "blocker").GetDeletionTimestamp() != nil, "blocking dependent not being deleted")
			removeFinalizers(e, ConfigMapGVK, "default", "blocker")
			e.Gone(ConfigMapGVK, "default", "blocker")
			e.Gone(ConfigMapGVK, "default", "owner")
		}},
		{Name: "CascadeForegroundUnblocked", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			d := e.Create(ownedBy(e, cm(e, "default", "d", nil), owner))
			e.Create(ownedBy(e, cm(e, "default", "dd", nil), d))
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete")
			e.Gone(ItemGVK, "default", "owner")
			e.Gone(ConfigMapGVK, "default", "d")
			e.Gone(ConfigMapGVK, "default", "dd")
		}},
		{Name: "CascadeAfterOwnerFinalizer", Run: func(e *Env) {
			owner := e.Create(withFinalizers(cm(e, "default", "owner", nil), testFinalizer))
			e.Create(ownedBy(e, cm(e, "default", "d", nil), owner))
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner with a finalizer")
			e.MustGet(ConfigMapGVK, "default", "d")
			removeFinalizers(e, ConfigMapGVK, "default", "owner")
			e.Gone(ConfigMapGVK, "default", "owner")
			e.Gone(ConfigMapGVK, "default", "d")
		}},
		{Name: "CascadeFollowsOwnerReferenceUpdates", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			later := e.Create(cm(e, "default", "later", nil))
			e.OK(e.C.Update(e.Ctx, ownedBy(e, later, owner)), "Update adding an owner")
			released := e.Create(ownedBy(e, cm(e, "default", "released", nil), owner))
			released.SetOwnerReferences(nil)
			e.OK(e.C.Update(e.Ctx, released), "Update removing the owner")
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner")
			e.Gone(ConfigMapGVK, "default", "later")
			e.MustGet(ConfigMapGVK, "default", "released")
			e.OK(e.C.Delete(e.Ctx, released), "Delete released")
			n, err := e.Store.Count(e.Ctx, storage.Prefix(e.C.Tenant(), schema.GroupResource{Group: "k1s.io", Resource: "dependents"}, ""))
			e.OK(err, "Count")
			Equal(e, n, int64(0), "dependents index entries left in the store (no index entry leaks)")
		}},
		{Name: "CascadeForegroundTwoBlockers", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			for _, n := range []string{"b1", "b2"} {
				b := withFinalizers(cm(e, "default", n, nil), testFinalizer)
				b.SetOwnerReferences([]metav1.OwnerReference{ownerRef(e, owner, true)})
				e.Create(b)
			}
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete")
			removeFinalizers(e, ConfigMapGVK, "default", "b1")
			e.Check(e.MustGet(ItemGVK, "default", "owner").GetDeletionTimestamp() != nil, "owner not waiting")
			removeFinalizers(e, ConfigMapGVK, "default", "b2")
			e.Gone(ItemGVK, "default", "owner")
		}},
		{Name: "OwnersOfUnknownKinds", Run: func(e *Env) {
			d := withFinalizers(cm(e, "default", "d", nil), testFinalizer)
			d.SetOwnerReferences([]metav1.OwnerReference{
				{APIVersion: "nope.example.com/v1", Kind: "Nope", Name: "x", UID: "u1"},
				{APIVersion: "v1", Kind: "ConfigMap", Name: "absent", UID: "u3"},
			})
			e.Create(d)
			e.OK(e.C.Delete(e.Ctx, d), "Delete")
			removeFinalizers(e, ConfigMapGVK, "default", "d")
			e.Gone(ConfigMapGVK, "default", "d")
		}},
		{Name: "FinalizerRemovalDryRun", Run: func(e *Env) {
			obj := e.Create(withFinalizers(cm(e, "default", "a", nil), testFinalizer))
			e.OK(e.C.Delete(e.Ctx, obj), "Delete")
			got := e.MustGet(ConfigMapGVK, "default", "a")
			got.SetFinalizers(nil)
			before := e.Rev()
			e.OK(e.C.Update(e.Ctx, got, client.DryRunAll), "dry-run Update removing the last finalizer")
			e.Unchanged(before, "dry-run Update")
			e.MustGet(ConfigMapGVK, "default", "a")
		}},
		{Name: "OwnerDeletedBeforeDependent", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			d := e.Create(ownedBy(e, cm(e, "default", "d", nil), owner))
			e.OK(e.C.Delete(e.Ctx, d), "Delete dependent")
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner")
			e.Gone(ConfigMapGVK, "default", "owner")
		}},
	}
}

func namespaceCases() []Case {
	return []Case{
		{Name: "NamespaceDeletionRemovesContents", Run: func(e *Env) {
			ns := namespace(e, "team")
			e.Create(cm(e, "team", "a", nil))
			e.Create(item(e, "team", "i", 1))
			e.Create(cm(e, "default", "keep", nil))
			e.OK(e.C.Delete(e.Ctx, ns), "Delete namespace")
			e.Gone(NamespaceGVK, "", "team")
			e.Gone(ConfigMapGVK, "team", "a")
			e.Gone(ItemGVK, "team", "i")
			e.MustGet(ConfigMapGVK, "default", "keep")
		}},
		{Name: "DefaultNamespaceCannotBeDeleted", Run: func(e *Env) {
			namespace(e, "team")
			err := e.C.Delete(e.Ctx, e.MustGet(NamespaceGVK, "", "default"))
			e.Fails(err, Forbidden, "Delete of the default namespace")
			e.Message(err, "may not be deleted")
			err = e.C.DeleteAllOf(e.Ctx, e.Obj(NamespaceGVK, "", "", nil))
			e.Fails(err, Forbidden, "DeleteAllOf namespaces")
			e.Gone(NamespaceGVK, "", "team")
			e.MustGet(NamespaceGVK, "", "default")
		}},
		{Name: "NamespaceTerminating", Run: func(e *Env) {
			ns := namespace(e, "team")
			e.Create(withFinalizers(item(e, "team", "held", 1), testFinalizer))
			e.Create(cm(e, "team", "free", nil))
			e.OK(e.C.Delete(e.Ctx, ns), "Delete namespace")
			got := e.MustGet(NamespaceGVK, "", "team")
			e.Check(got.GetDeletionTimestamp() != nil, "terminating namespace has no deletionTimestamp")
			Equal(e, e.Field(got, "status.phase"), any("Terminating"), "namespace phase")
			e.Gone(ConfigMapGVK, "team", "free")
			e.Check(e.MustGet(ItemGVK, "team", "held").GetDeletionTimestamp() != nil, "held item not being deleted")
			err := e.C.Create(e.Ctx, cm(e, "team", "new", nil))
			e.Fails(err, Forbidden, "Create in a terminating namespace")
			e.Message(err, "being terminated")
			removeFinalizers(e, ItemGVK, "team", "held")
			e.Gone(ItemGVK, "team", "held")
			e.Gone(NamespaceGVK, "", "team")
		}},
		{Name: "NamespaceStrategy", Run: func(e *Env) {
			ns := namespace(e, "team")
			Equal(e, ns.GetLabels(), map[string]string{"kubernetes.io/metadata.name": "team"}, "labels of a new namespace")
			Equal(e, e.Field(ns, "spec.finalizers"), any([]any{"kubernetes"}), "spec.finalizers of a new namespace")
			Equal(e, e.Field(ns, "status.phase"), any("Active"), "phase of a new namespace")
			// As the API server: updates keep spec.finalizers and status,
			// and the name label comes back.
			u := e.Obj(NamespaceGVK, "", "team", map[string]any{"spec": map[string]any{"finalizers": []any{}}, "status": map[string]any{"phase": "Terminating"}})
			u.SetResourceVersion(ns.GetResourceVersion())
			before := e.Rev()
			e.OK(e.C.Update(e.Ctx, u), "Update dropping the label, spec.finalizers and phase")
			e.Unchanged(before, "an update the namespace strategy undoes")
			got := e.MustGet(NamespaceGVK, "", "team")
			Equal(e, got.GetLabels(), map[string]string{"kubernetes.io/metadata.name": "team"}, "labels after the update")
			Equal(e, e.Field(got, "spec.finalizers"), any([]any{"kubernetes"}), "spec.finalizers after the update")
			Equal(e, e.Field(got, "status.phase"), any("Active"), "phase after the update")
		}},
		{Name: "NamespaceTerminatingConditions", Run: func(e *Env) {
			ns := namespace(e, "team")
			e.Create(withFinalizers(cm(e, "team", "held", nil), testFinalizer))
			e.Create(withFinalizers(item(e, "team", "kept", 1), testFinalizer, "example.com/other"))
			e.OK(e.C.Delete(e.Ctx, ns), "Delete namespace")
			got := e.MustGet(NamespaceGVK, "", "team")
			e.Check(got.GetDeletionTimestamp() != nil, "terminating namespace has no deletionTimestamp")
			e.Check(got.GetDeletionGracePeriodSeconds() == nil, "a namespace gets no deletion grace period, got %v", got.GetDeletionGracePeriodSeconds())
			Equal(e, e.Field(got, "spec.finalizers"), any([]any{"kubernetes"}), "spec.finalizers while content remains")
			Equal(e, conditions(e, got), []string{
				"NamespaceDeletionDiscoveryFailure=False ResourcesDiscovered: All resources successfully discovered",
				"NamespaceDeletionGroupVersionParsingFailure=False ParsedGroupVersions: All legacy kube types successfully parsed",
				"NamespaceDeletionContentFailure=False ContentDeleted: All content successfully deleted, may be waiting on finalization",
				"NamespaceContentRemaining=True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances, items.inventory.example.com has 1 resource instances",
				"NamespaceFinalizersRemaining=True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/cleanup in 2 resource instances, example.com/other in 1 resource instances",
			}, "conditions while content remains")
			removeFinalizers(e, ConfigMapGVK, "team", "held")
			e.Gone(ConfigMapGVK, "team", "held")
			got = e.MustGet(NamespaceGVK, "", "team")
			Equal(e, conditions(e, got)[3:], []string{
				"NamespaceContentRemaining=True SomeResourcesRemain: Some resources are remaining: items.inventory.example.com has 1 resource instances",
				"NamespaceFinalizersRemaining=True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/cleanup in 1 resource instances, example.com/other in 1 resource instances",
			}, "conditions once the ConfigMap went")
			removeFinalizers(e, ItemGVK, "team", "kept")
			e.Gone(ItemGVK, "team", "kept")
			e.Gone(NamespaceGVK, "", "team")
		}},
		{Name: "NamespaceWithFinalizer", Run: func(e *Env) {
			ns := e.Create(withFinalizers(e.Obj(NamespaceGVK, "", "team", nil), testFinalizer))
			e.Create(cm(e, "team", "a", nil))
			e.OK(e.C.Delete(e.Ctx, ns), "Delete namespace with a finalizer")
			e.Gone(ConfigMapGVK, "team", "a")
			got := e.MustGet(NamespaceGVK, "", "team")
			Equal(e, e.Field(got, "status.phase"), any("Terminating"), "phase")
			Equal(e, e.Field(got, "spec.finalizers"), nil, "spec.finalizers once the content is gone (the namespace controller's finalize)")
			Equal(e, conditions(e, got)[3:], []string{
				"NamespaceContentRemaining=False ContentRemoved: All content successfully removed",
				"NamespaceFinalizersRemaining=False ContentHasNoFinalizers: All content-preserving finalizers finished",
			}, "conditions once the content is gone")
			removeFinalizers(e, NamespaceGVK, "", "team")
			e.Gone(NamespaceGVK, "", "team")
		}},
	}
}

// conditions summarises the status conditions of a Namespace.
func conditions(e *Env, ns client.Object) []string {
	e.T.Helper()
	list, _ := e.Field(ns, "status.conditions").([]any)
	out := make([]string, 0, len(list))
	for _, c := range list {
		m := c.(map[string]any)
		e.Check(m["lastTransitionTime"] != nil && m["lastTransitionTime"] != "", "condition %v has no lastTransitionTime", m["type"])
		out = append(out, fmt.Sprintf("%v=%v %v: %v", m["type"], m["status"], m["reason"], m["message"]))
	}
	return out
}
