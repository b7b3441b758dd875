package coretest

import (
	"context"
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Program returns another client over the Env's store, as a second
// program sharing the file would have: one whose registry lacks the kinds
// without (the k1s CLI that has never heard of an application's Go
// types, or an application that links no plugin manifests).
func (e *Env) Program(without ...schema.GroupVersionKind) *core.Client {
	e.T.Helper()
	r := registry.New(nil)
	var types []registry.Type
	for _, t := range Types() {
		if !slices.Contains(without, t.Kind) {
			types = append(types, t)
		}
	}
	if err := r.Add(types...); err != nil {
		e.T.Fatalf("registry: %v", err)
	}
	c, err := core.New(core.Options{Storage: e.Store, Scheme: e.Scheme, Registry: r, Tenant: e.C.Tenant()})
	e.OK(err, "core.New for a second program")
	return c
}

func shelf(e *Env, ns, name string) client.Object {
	return e.Obj(ShelfGVK, ns, name, nil)
}

func blockingRef(e *Env, owner client.Object) metav1.OwnerReference {
	return ownerRef(e, owner, true)
}

// typeSetCases hold the rule that what happens to stored objects does not
// depend on which program acts: cascading deletion, finalizers of
// dependents and namespace deletion reach objects of every type in the
// store, including types the acting program does not know.
func typeSetCases() []Case {
	return []Case{
		{Name: "TypeSetsCascadeReachesUnknownDependents", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			e.Create(ownedBy(e, shelf(e, "default", "s"), owner))
			e.Create(ownedBy(e, cm(e, "default", "c", nil), owner))
			lean := e.Program(ShelfGVK)
			e.OK(lean.Delete(e.Ctx, owner), "Delete of the owner by a program that does not know Shelf")
			e.Gone(ItemGVK, "default", "owner")
			e.Gone(ShelfGVK, "default", "s")
			e.Gone(ConfigMapGVK, "default", "c")
		}},
		{Name: "TypeSetsDependentWrittenWithoutOwnerKind", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			lean := e.Program(ItemGVK)
			d := ownedBy(e, cm(e, "default", "d", nil), owner)
			e.OK(lean.Create(e.Ctx, d), "Create of a dependent by a program that does not know the owner's kind")
			e.MustGet(ConfigMapGVK, "default", "d")
			e.OK(e.C.Delete(e.Ctx, owner), "Delete of the owner")
			e.Gone(ConfigMapGVK, "default", "d")
		}},
		{Name: "TypeSetsForegroundBlockedByUnknownDependent", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			s := shelf(e, "default", "s")
			s.SetOwnerReferences([]metav1.OwnerReference{blockingRef(e, owner)})
			e.Create(withFinalizers(s, testFinalizer))
			lean := e.Program(ShelfGVK)
			e.OK(lean.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete by a program without Shelf")
			got := e.MustGet(ItemGVK, "default", "owner")
			e.Check(got.GetDeletionTimestamp() != nil && slices.Contains(got.GetFinalizers(), metav1.FinalizerDeleteDependents),
				"owner: deletionTimestamp %v finalizers %v, want it waiting on foregroundDeletion", got.GetDeletionTimestamp(), got.GetFinalizers())
			e.Check(e.MustGet(ShelfGVK, "default", "s").GetDeletionTimestamp() != nil, "the blocking shelf is not being deleted")
			removeFinalizers(e, ShelfGVK, "default", "s")
			e.Gone(ShelfGVK, "default", "s")
			e.Gone(ItemGVK, "default", "owner")
		}},
		{Name: "TypeSetsForegroundFinishedWithoutOwnerKind", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{blockingRef(e, owner)})
			e.Create(withFinalizers(d, testFinalizer))
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete")
			lean := e.Program(ItemGVK)
			got := e.Empty(ConfigMapGVK)
			e.OK(lean.Get(e.Ctx, client.ObjectKey{Namespace: "default", Name: "d"}, got), "Get by a program without Item")
			got.SetFinalizers(nil)
			e.OK(lean.Update(e.Ctx, got), "Update removing the last finalizer, by a program without Item")
			e.Gone(ConfigMapGVK, "default", "d")
			e.Gone(ItemGVK, "default", "owner")
		}},
		{Name: "TypeSetsOrphanUnknownDependent", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			e.Create(ownedBy(e, shelf(e, "default", "s"), owner))
			lean := e.Program(ShelfGVK)
			e.OK(lean.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationOrphan)), "orphan Delete by a program without Shelf")
			e.Gone(ItemGVK, "default", "owner")
			got := e.MustGet(ShelfGVK, "default", "s")
			Equal(e, len(got.GetOwnerReferences()), 0, "owner references left on the orphaned shelf")
		}},
		{Name: "TypeSetsNamespaceDeletionReachesUnknownTypes", Run: func(e *Env) {
			ns := namespace(e, "team")
			e.Create(shelf(e, "team", "free"))
			e.Create(withFinalizers(shelf(e, "team", "held"), testFinalizer))
			e.Create(item(e, "team", "i", 1))
			lean := e.Program(ShelfGVK, ItemGVK)
			e.OK(lean.Delete(e.Ctx, ns), "namespace Delete by a program without Shelf and Item")
			e.Gone(ShelfGVK, "team", "free")
			e.Gone(ItemGVK, "team", "i")
			e.Check(e.MustGet(ShelfGVK, "team", "held").GetDeletionTimestamp() != nil, "held shelf not being deleted")
			e.Check(e.MustGet(NamespaceGVK, "", "team").GetDeletionTimestamp() != nil, "namespace not terminating while a shelf holds it")
			removeFinalizers(e, ShelfGVK, "team", "held")
			e.Gone(ShelfGVK, "team", "held")
			e.Gone(NamespaceGVK, "", "team")
		}},
		{Name: "TypeSetsCatalogOfAStoreWithoutOne", Once: true, Run: func(e *Env) {
			// Objects written by a k1s that kept no catalog: only their
			// keys and values are in the store.
			namespace(e, "team")
			widgets := schema.GroupResource{Group: "acme.example.com", Resource: "widgets"}
			for _, name := range []string{"w1", "w2"} {
				_, err := e.Store.Create(e.Ctx, storage.Key(e.C.Tenant(), widgets, "team", name),
					[]byte(`{"apiVersion":"acme.example.com/v1","kind":"Widget","metadata":{"name":"`+name+`","namespace":"team","uid":"u-`+name+`"}}`))
				e.OK(err, "raw Create of a widget")
			}
			e.OK(e.C.Delete(e.Ctx, e.MustGet(NamespaceGVK, "", "team")), "namespace Delete")
			for _, name := range []string{"w1", "w2"} {
				_, err := e.Store.Get(e.Ctx, storage.Key(e.C.Tenant(), widgets, "team", name))
				e.Fails(err, NotFound, "widget %s after its namespace was deleted", name)
			}
			e.Gone(NamespaceGVK, "", "team")
		}},
	}
}

// gcCases hold the garbage collector's rules: an object whose owners are
// all gone is deleted, one that keeps a live owner loses the references to
// absent ones, and nothing is deleted on a reference that cannot be
// resolved.
func gcCases() []Case {
	return []Case{
		{Name: "GCDependentOfAbsentOwner", Run: func(e *Env) {
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "absent", UID: "u-absent"}})
			e.Create(d)
			e.Gone(ConfigMapGVK, "default", "d")
		}},
		{Name: "GCDependentOfReplacedOwner", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			stale := ownerRef(e, owner, false)
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner")
			e.Create(cm(e, "default", "owner", nil)) // same name, new uid
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{stale})
			e.Create(d)
			e.Gone(ConfigMapGVK, "default", "d")
			e.MustGet(ConfigMapGVK, "default", "owner")
		}},
		{Name: "GCDropsAbsentOwnersKeepsLiveOnes", Run: func(e *Env) {
			owner := e.Create(cm(e, "default", "owner", nil))
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{ownerRef(e, owner, false),
				{APIVersion: "v1", Kind: "ConfigMap", Name: "absent", UID: "u-absent"}})
			e.Create(d)
			got := e.MustGet(ConfigMapGVK, "default", "d")
			Equal(e, len(got.GetOwnerReferences()), 1, "owner references after collection")
			Equal(e, got.GetOwnerReferences()[0].UID, owner.GetUID(), "the owner reference kept")
			e.OK(e.C.Delete(e.Ctx, owner), "Delete owner")
			e.Gone(ConfigMapGVK, "default", "d")
		}},
		{Name: "GCKeepsUnresolvableReferences", Run: func(e *Env) {
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "never.example.com/v1", Kind: "Never", Name: "x", UID: "u1"}})
			e.Create(d)
			w := e.Obj(WarehouseGVK, "", "w", map[string]any{"spec": map[string]any{"city": "Oslo"}})
			w.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "d", UID: "u2"}})
			e.Create(w) // a cluster-scoped object naming a namespaced owner
			res, err := e.C.CollectGarbage(e.Ctx)
			e.OK(err, "CollectGarbage")
			Equal(e, res.Deleted, 0, "objects deleted")
			e.MustGet(ConfigMapGVK, "default", "d")
			e.MustGet(WarehouseGVK, "", "w")
		}},
		{Name: "GCSweepCollectsWhatOthersLeft", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			e.Create(ownedBy(e, shelf(e, "default", "s"), owner))
			e.Create(ownedBy(e, cm(e, "default", "c", nil), owner))
			// The owner goes without a cascade, as under a k1s that
			// knew neither dependent's index entry.
			_, err := e.Store.Delete(e.Ctx, storage.Key(e.C.Tenant(), schema.GroupResource{Group: ItemGVK.Group, Resource: "items"}, "default", "owner"), nil)
			e.OK(err, "raw Delete of the owner")
			e.MustGet(ShelfGVK, "default", "s")
			res, err := e.Program(ShelfGVK).CollectGarbage(e.Ctx)
			e.OK(err, "CollectGarbage by a program without Shelf")
			Equal(e, res, core.GarbageCollection{Checked: 2, Deleted: 2}, "sweep result")
			e.Gone(ShelfGVK, "default", "s")
			e.Gone(ConfigMapGVK, "default", "c")
		}},
		{Name: "GCOrphanFinalizerChoosesOrphan", Run: func(e *Env) {
			owner := e.Create(withFinalizers(cm(e, "default", "owner", nil), metav1.FinalizerOrphanDependents))
			e.Create(ownedBy(e, cm(e, "default", "d", nil), owner))
			e.OK(e.C.Delete(e.Ctx, owner), "Delete of an owner with the orphan finalizer")
			e.Gone(ConfigMapGVK, "default", "owner")
			Equal(e, len(e.MustGet(ConfigMapGVK, "default", "d").GetOwnerReferences()), 0, "owner references left on the orphan")
		}},
		{Name: "GCForegroundFinalizerChoosesForeground", Run: func(e *Env) {
			owner := e.Create(withFinalizers(item(e, "default", "owner", 1), metav1.FinalizerDeleteDependents, testFinalizer))
			d := cm(e, "default", "d", nil)
			d.SetOwnerReferences([]metav1.OwnerReference{blockingRef(e, owner)})
			e.Create(withFinalizers(d, testFinalizer))
			e.OK(e.C.Delete(e.Ctx, owner), "Delete of an owner with the foregroundDeletion finalizer")
			e.Check(e.MustGet(ConfigMapGVK, "default", "d").GetDeletionTimestamp() != nil, "dependent not being deleted first")
			got := e.MustGet(ItemGVK, "default", "owner")
			e.Check(slices.Contains(got.GetFinalizers(), metav1.FinalizerDeleteDependents), "owner finalizers %v: want foregroundDeletion kept while blocked", got.GetFinalizers())
			removeFinalizers(e, ConfigMapGVK, "default", "d")
			e.Gone(ConfigMapGVK, "default", "d")
			got = e.MustGet(ItemGVK, "default", "owner")
			Equal(e, got.GetFinalizers(), []string{testFinalizer}, "owner finalizers once unblocked")
			removeFinalizers(e, ItemGVK, "default", "owner")
			e.Gone(ItemGVK, "default", "owner")
		}},
		{Name: "GCDependentOfOwnerDeletedInForeground", Run: func(e *Env) {
			owner := e.Create(item(e, "default", "owner", 1))
			held := cm(e, "default", "held", nil)
			held.SetOwnerReferences([]metav1.OwnerReference{blockingRef(e, owner)})
			e.Create(withFinalizers(held, testFinalizer))
			e.OK(e.C.Delete(e.Ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground)), "foreground Delete")
			late := cm(e, "default", "late", nil)
			late.SetOwnerReferences([]metav1.OwnerReference{blockingRef(e, e.MustGet(ItemGVK, "default", "owner"))})
			e.Create(late)
			e.Gone(ConfigMapGVK, "default", "late")
			removeFinalizers(e, ConfigMapGVK, "default", "held")
			e.Gone(ItemGVK, "default", "owner")
		}},
		{Name: "GCDependentWrittenWhileOwnerDeleted", Once: true, Run: func(e *Env) {
			// Another program writes a dependent after this delete read
			// the owner's dependents and before it commits.
			owner := e.Create(cm(e, "default", "owner", nil))
			ownerKey := storage.Key(e.C.Tenant(), schema.GroupResource{Resource: "configmaps"}, "default", "owner")
			other := e.C
			var once sync.Once
			racy := &raceStore{Interface: e.Store, key: ownerKey, before: func() {
				once.Do(func() {
					e.OK(other.Create(context.WithoutCancel(e.Ctx), ownedBy(e, cm(e, "default", "late", nil), owner)), "racing Create of a dependent")
				})
			}}
			c, err := core.New(core.Options{Storage: racy, Scheme: e.Scheme, Registry: NewRegistry(), Tenant: e.C.Tenant()})
			e.OK(err, "core.New")
			e.OK(c.Delete(e.Ctx, owner), "Delete owner")
			e.Gone(ConfigMapGVK, "default", "owner")
			e.Gone(ConfigMapGVK, "default", "late")
		}},
	}
}

// raceStore runs before just before the first write that removes key,
// standing in for another process writing at that moment.
type raceStore struct {
	storage.Interface
	key    string
	before func()
}

func (r *raceStore) Delete(ctx context.Context, key string, check storage.Precondition) (storage.KeyValue, error) {
	if key == r.key {
		r.before()
	}
	return r.Interface.Delete(ctx, key, check)
}

func (r *raceStore) Txn(ctx context.Context, ops []storage.Op) (int64, error) {
	for _, op := range ops {
		if op.Key == r.key && op.Type == storage.OpDelete {
			r.before()
		}
	}
	return r.Interface.Txn(ctx, ops)
}
