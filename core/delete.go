package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Delete implements client.Client. Dependents are handled by the delete
// itself, in the same storage transaction (see the package documentation).
func (c *Client) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	o := (&client.DeleteOptions{}).ApplyOptions(opts)
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	key, err := c.objectKey(t, obj.GetNamespace(), obj.GetName())
	if err != nil {
		return err
	}
	return c.deleteKey(ctx, gvk, t, key, o)
}

// DeleteAllOf implements client.Client: every object of obj's kind that
// the selectors match is deleted as Delete would, one by one.
func (c *Client) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	o := (&client.DeleteAllOfOptions{}).ApplyOptions(opts)
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	f, err := newFilter(gvk, t, &o.ListOptions)
	if err != nil {
		return err
	}
	ns := o.Namespace
	if !t.Namespaced {
		ns = ""
	}
	res, err := c.store.List(ctx, storage.Prefix(c.tenant, t.GroupResource(), ns), storage.ListOptions{})
	if err != nil {
		return err
	}
	var firstErr error
	for _, kv := range res.Items {
		if !f.mayMatch(kv.Value) {
			continue
		}
		if !f.all() {
			u := &unstructured.Unstructured{}
			if err := decodeInto(kv.Value, kv.Revision, gvk, u); err != nil {
				return err
			}
			if !f.matches(u, kv.Value) {
				continue
			}
		}
		if err := c.deleteKey(ctx, gvk, t, kv.Key, &o.DeleteOptions); err != nil && !apierrors.IsNotFound(err) {
			if !apierrors.IsForbidden(err) {
				return err
			}
			// A refused object (the default namespace) does not stop the
			// others; the refusal is reported at the end.
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

func (c *Client) deleteKey(ctx context.Context, gvk schema.GroupVersionKind, t *registry.Type, key string, o *client.DeleteOptions) error {
	policy := metav1.DeletePropagationBackground
	if o.PropagationPolicy != nil {
		policy = *o.PropagationPolicy
		switch policy {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("propagationPolicy %q is not one of Background, Foreground, Orphan", policy))
		}
	}
	if c.isNamespace(t) && key == c.key(t, "", metav1NamespaceDefault) {
		// As the API server's NamespaceLifecycle admission: the default
		// namespace is where objects go when none is given.
		return apierrors.NewForbidden(t.GroupResource(), metav1NamespaceDefault, errors.New("this namespace may not be deleted"))
	}
	if done, err := c.deleteSimple(ctx, t, key, o); done {
		return err
	}
	for attempt := 1; ; attempt++ {
		pl := c.newPlan(ctx)
		if o.PropagationPolicy != nil {
			pl.explicit = key
		}
		target, err := pl.load(key, t)
		if err != nil {
			return err
		}
		if target == nil {
			return storage.NewNotFound(key)
		}
		if pre := o.Preconditions; pre != nil {
			name := target.meta().GetName()
			if pre.UID != nil && *pre.UID != target.meta().GetUID() {
				return conflictUID(t.GroupResource(), name, string(*pre.UID), string(target.meta().GetUID()))
			}
			if pre.ResourceVersion != nil && *pre.ResourceVersion != strconv.FormatInt(target.rev, 10) {
				return conflictRV(t.GroupResource(), name, *pre.ResourceVersion, strconv.FormatInt(target.rev, 10))
			}
		}
		if c.admission.HasValidating(gvk) {
			old, err := c.decodeWork(target.raw, target.rev, gvk)
			if err != nil {
				return err
			}
			actx := admission.NewContext(ctx, admission.Attributes{
				Operation: admission.Delete, Kind: gvk, Resource: t.GroupVersionResource(),
				Namespace: old.GetNamespace(), Name: old.GetName(), OldObject: old,
				Warn: func(text string) { c.warn(ctx, text) },
			})
			warnings, err := c.admission.ValidateDelete(actx, old)
			for _, text := range warnings {
				c.warn(ctx, text)
			}
			if err != nil {
				return err
			}
		}
		if err := pl.delete(target, policy); err != nil {
			return err
		}
		ops, err := pl.ops()
		if err != nil || len(ops) == 0 || o.IsDryRun() {
			return err
		}
		if err = c.commit(ctx, ops); err == nil {
			c.afterCommit(ctx, pl)
			return nil
		}
		if attempt >= maxAttempts || !retriable(err) {
			return err
		}
	}
}

// errNotSimple sends a delete from the fast path to the full one.
var errNotSimple = errors.New("the object has finalizers, owners or a deletionTimestamp")

// deleteSimple deletes, with two storage calls and no decoding, an object
// with no dependents, finalizers, owners or deletionTimestamp: what most
// deletes are. done is false when the object needs the full path (a plan).
func (c *Client) deleteSimple(ctx context.Context, t *registry.Type, key string, o *client.DeleteOptions) (done bool, err error) {
	if c.admission.HasValidating(t.Kind) || o.Preconditions != nil || o.IsDryRun() || c.isNamespace(t) {
		return false, nil
	}
	deps, err := c.store.List(ctx, c.dependentsPrefix(keyOwnerSegment(key)), storage.ListOptions{Limit: 1})
	if err != nil || len(deps.Items) > 0 {
		return err != nil, err
	}
	_, err = c.store.Delete(ctx, key, func(cur storage.KeyValue) error {
		for _, field := range [...]string{`"finalizers"`, `"ownerReferences"`, `"deletionTimestamp"`} {
			if bytes.Contains(cur.Value, []byte(field)) {
				return errNotSimple
			}
		}
		return nil
	})
	if errors.Is(err, errNotSimple) {
		return false, nil
	}
	if err == nil {
		// The delete committed; collection is best effort (see gc.go).
		_ = c.collectAfterOwnerRemoved(ctx, key)
	}
	return true, err
}

// afterCommit collects, once a delete plan committed, the dependents of
// removed objects that the plan could not see (see gc.go). The plan's
// work is done, so this is best effort: what it misses, a sweep finds.
func (c *Client) afterCommit(ctx context.Context, pl *plan) {
	for _, it := range pl.order {
		if it.removed {
			_ = c.collectAfterOwnerRemoved(ctx, it.key)
		}
	}
}

// commit writes a plan's operations. The common plan, one object removed
// and nothing else, goes through the store's Delete, which is cheaper
// than a transaction on every backend.
func (c *Client) commit(ctx context.Context, ops []storage.Op) error {
	if len(ops) == 1 && ops[0].Type == storage.OpDelete && ops[0].ExpectedRevision != 0 {
		want := ops[0].ExpectedRevision
		_, err := c.store.Delete(ctx, ops[0].Key, func(cur storage.KeyValue) error {
			if cur.Revision != want {
				return storage.NewConflict(cur.Key, want, cur.Revision)
			}
			return nil
		})
		return err
	}
	_, err := c.store.Txn(ctx, ops)
	return err
}

// removeFinalized deletes w, an object being deleted whose last finalizer
// an update just removed, with whatever that deletion cascades to. It
// returns the revision of the deletion and the object's final bytes.
func (c *Client) removeFinalized(ctx context.Context, w client.Object, kv storage.KeyValue, t *registry.Type, gvk schema.GroupVersionKind, dryRun bool) (int64, []byte, error) {
	data, err := encode(w, gvk)
	if err != nil {
		return 0, nil, err
	}
	u := &unstructured.Unstructured{}
	if err := decodeInto(data, kv.Revision, gvk, u); err != nil {
		return 0, nil, err
	}
	pl := c.newPlan(ctx)
	item := pl.add(kv.Key, kv.Revision, t, u, data)
	item.u = u
	if err := pl.delete(item, metav1.DeletePropagationBackground); err != nil {
		return 0, nil, err
	}
	if dryRun {
		return kv.Revision, data, nil
	}
	ops, err := pl.ops()
	if err != nil {
		return 0, nil, err
	}
	rev, err := c.store.Txn(ctx, ops)
	if err == nil {
		c.afterCommit(ctx, pl)
	}
	return rev, data, err
}

// planItem is one object a delete reads and may change or remove.
type planItem struct {
	key string
	rev int64
	t   *registry.Type
	raw []byte
	// m is the object's metadata: decoded alone at first, the whole
	// object (u) once edited.
	m metav1.Object
	u *unstructured.Unstructured
	// err is a failure to decode the whole object for an edit.
	err error
	// wasDeleting: the object had a deletionTimestamp when read, so its
	// removal may unblock an owner or a terminating namespace.
	wasDeleting bool
	changed     bool
	removed     bool
	inProgress  bool
	// deps are the dependents found through the index, and depKeys the
	// index entries read for them (nil until looked up).
	deps    []*planItem
	depKeys []string
	looked  bool
}

// has reports whether the object may have a metadata field: false is
// certain (the name appears nowhere in the stored JSON), true means
// "decode and see". Most deletes touch objects without finalizers, owners
// or a deletionTimestamp, and decode nothing.
func (it *planItem) has(field string) bool {
	if it.m != nil {
		return true
	}
	return bytes.Contains(it.raw, []byte(`"`+field+`"`))
}

// meta returns the object's metadata, decoding only it on first use.
func (it *planItem) meta() metav1.Object {
	if it.m == nil {
		var partial struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := jsonUnmarshal(it.raw, &partial); err != nil {
			it.err = apierrors.NewInternalError(fmt.Errorf("decoding stored %s: %w", it.key, err))
		}
		it.m = &partial.Metadata
	}
	return it.m
}

// edit returns the whole object for changing, decoding it on first use.
func (it *planItem) edit() *unstructured.Unstructured {
	if it.u == nil {
		it.u = &unstructured.Unstructured{}
		if err := decodeInto(it.raw, it.rev, it.t.Kind, it.u); err != nil {
			it.err = err
		}
		it.m = it.u
	}
	return it.u
}

// plan gathers every change a delete makes so that they are committed in
// one transaction, each guarded by the revision it was read at.
type plan struct {
	c     *Client
	ctx   context.Context
	now   metav1.Time
	items map[string]*planItem
	order []*planItem
	// indexDel are index entries to remove; indexSeen caches whether an
	// entry exists.
	indexDel  []string
	indexSeen map[string]bool
	// explicit is the key of the object whose propagation policy the
	// caller chose; the others follow their finalizers.
	explicit string
}

func isGCFinalizer(f string) bool {
	return f == metav1.FinalizerOrphanDependents || f == metav1.FinalizerDeleteDependents
}

func (c *Client) newPlan(ctx context.Context) *plan {
	return &plan{c: c, ctx: ctx, now: now(), items: map[string]*planItem{}, indexSeen: map[string]bool{}}
}

func (pl *plan) add(key string, rev int64, t *registry.Type, m metav1.Object, raw []byte) *planItem {
	it := &planItem{key: key, rev: rev, t: t, m: m, raw: raw}
	it.wasDeleting = it.has("deletionTimestamp") && it.meta().GetDeletionTimestamp() != nil
	pl.items[key] = it
	pl.order = append(pl.order, it)
	return it
}

// load returns the object at key (nil when there is none).
func (pl *plan) load(key string, t *registry.Type) (*planItem, error) {
	if it, ok := pl.items[key]; ok {
		return it, nil
	}
	kv, err := pl.c.store.Get(pl.ctx, key)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return pl.loadKV(kv, t)
}

func (pl *plan) loadKV(kv storage.KeyValue, t *registry.Type) (*planItem, error) {
	if it, ok := pl.items[kv.Key]; ok {
		return it, nil
	}
	return pl.add(kv.Key, kv.Revision, t, nil, kv.Value), nil
}

// loadStored returns the object at key (nil when there is none) whatever
// its type: the registry's type when this program knows the resource,
// else one taken from the key and the stored object, whose metadata is
// all a delete needs.
func (pl *plan) loadStored(key string) (*planItem, error) {
	if it, ok := pl.items[key]; ok {
		return it, nil
	}
	kp, err := storage.ParseKey(key)
	if err != nil || isReserved(kp.Resource) {
		return nil, nil
	}
	if t, err := pl.c.reg.TypeForResource(kp.Resource.WithVersion("")); err == nil {
		return pl.load(key, t)
	}
	kv, err := pl.c.store.Get(pl.ctx, key)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return pl.loadKV(kv, storedObjectType(kp, kv.Value))
}

// storedObjectType describes the resource of an object this program has no
// type for, from its key and its stored apiVersion and kind.
func storedObjectType(kp storage.KeyParts, raw []byte) *registry.Type {
	var tm metav1.TypeMeta
	_ = jsonUnmarshal(raw, &tm) // a damaged value fails later, when decoded
	return &registry.Type{Kind: tm.GroupVersionKind(), Resource: kp.Resource.Resource, Namespaced: kp.Namespace != ""}
}

// dependents returns the objects that name it as an owner and are not
// removed by this plan.
func (pl *plan) dependents(it *planItem) ([]*planItem, error) {
	if !it.looked {
		it.looked = true
		res, err := pl.c.store.List(pl.ctx, pl.c.dependentsPrefix(keyOwnerSegment(it.key)), storage.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, kv := range res.Items {
			it.depKeys = append(it.depKeys, kv.Key)
			pl.indexSeen[kv.Key] = true
			d, err := pl.loadStored(string(kv.Value))
			if err != nil {
				return nil, err
			}
			if d != nil && hasUID(d.meta().GetOwnerReferences(), it.meta().GetUID()) {
				it.deps = append(it.deps, d)
			}
		}
	}
	out := make([]*planItem, 0, len(it.deps))
	for _, d := range it.deps {
		if !d.removed && hasUID(d.meta().GetOwnerReferences(), it.meta().GetUID()) {
			out = append(out, d)
		}
	}
	return out, nil
}

// dropIndex removes the index entry of owner→dependent if it exists.
func (pl *plan) dropIndex(owner string, dependent types.UID) error {
	k := pl.c.dependentKey(owner, dependent)
	if slices.Contains(pl.indexDel, k) {
		return nil
	}
	exists, known := pl.indexSeen[k]
	if !known {
		var err error
		if exists, err = pl.c.exists(pl.ctx, k); err != nil {
			return err
		}
		pl.indexSeen[k] = exists
	}
	if exists {
		pl.indexDel = append(pl.indexDel, k)
	}
	return nil
}

// delete deletes it with policy, as the API server and its garbage
// collector together would, synchronously:
//   - with finalizers (and Background), it only gets a deletionTimestamp;
//     its dependents go when it finally does;
//   - Orphan removes the owner reference to it from every dependent;
//   - Foreground deletes the dependents first, recursively; dependents
//     that stay (finalizers) and block owner deletion keep it, marked, with
//     the foregroundDeletion finalizer;
//   - Background deletes it, then its dependents, recursively;
//   - a Namespace first deletes everything in it.
func (pl *plan) delete(it *planItem, policy metav1.DeletionPropagation) error {
	if it.removed || it.inProgress {
		return nil
	}
	var fins []string
	if it.has("finalizers") {
		fins = it.meta().GetFinalizers()
	}
	isNS := pl.c.isNamespace(it.t)
	if len(fins) > 0 && it.meta().GetDeletionTimestamp() != nil && !isNS {
		// Already being deleted: only its finalizers can finish it. A
		// terminating Namespace still has its content to delete.
		return nil
	}
	fins, policy = pl.gcFinalizers(it, fins, policy)
	it.inProgress = true
	defer func() { it.inProgress = false }()
	if policy == metav1.DeletePropagationBackground && len(fins) > 0 && !isNS {
		pl.markDeleting(it, fins)
		return nil
	}
	deps, err := pl.dependents(it)
	if err != nil {
		return err
	}
	if deps, fins, err = pl.propagate(it, deps, fins, policy); err != nil {
		return err
	}
	if isNS {
		remaining, err := pl.deleteNamespaceContents(it.meta().GetName())
		if err != nil {
			return err
		}
		if !pl.terminateNamespace(it, fins, remaining) {
			return nil
		}
		fins = nil
	}
	if len(fins) > 0 {
		pl.markDeleting(it, fins)
		return nil
	}
	return pl.remove(it, deps, policy)
}

// gcFinalizers applies the garbage collector's own finalizers, orphan and
// foregroundDeletion, to the deletion of it: they say how dependents go,
// and that work is done here, so they are never waited for. Unless the
// caller chose a policy for this object, they choose it, as on the API
// server. It returns the finalizers left to wait for, and the policy.
func (pl *plan) gcFinalizers(it *planItem, fins []string, policy metav1.DeletionPropagation) ([]string, metav1.DeletionPropagation) {
	if it.key != pl.explicit {
		switch {
		case slices.Contains(fins, metav1.FinalizerOrphanDependents):
			policy = metav1.DeletePropagationOrphan
		case slices.Contains(fins, metav1.FinalizerDeleteDependents):
			policy = metav1.DeletePropagationForeground
		}
	}
	if slices.ContainsFunc(fins, isGCFinalizer) {
		fins = slices.DeleteFunc(slices.Clone(fins), isGCFinalizer)
		if len(fins) == 0 {
			// Only the collector's finalizers: the object goes (or waits
			// on its dependents) as if it had none.
			it.edit().SetFinalizers(nil)
			it.changed = true
		}
	}
	return fins, policy
}

// propagate does what policy does to it's dependents before it goes:
// Orphan releases them (none are left to delete after it), Foreground
// deletes them first and adds the foregroundDeletion finalizer to it
// while one blocks it. It returns the dependents left for after it, and
// its finalizers.
func (pl *plan) propagate(it *planItem, deps []*planItem, fins []string, policy metav1.DeletionPropagation) ([]*planItem, []string, error) {
	switch policy {
	case metav1.DeletePropagationOrphan:
		for _, d := range deps {
			if err := pl.orphan(d, it); err != nil {
				return nil, nil, err
			}
		}
		return nil, fins, nil
	case metav1.DeletePropagationForeground:
		for _, d := range deps {
			if err := pl.delete(d, metav1.DeletePropagationForeground); err != nil {
				return nil, nil, err
			}
		}
		if pl.blocked(it) && !slices.Contains(fins, metav1.FinalizerDeleteDependents) {
			fins = append(fins, metav1.FinalizerDeleteDependents)
		}
	}
	return deps, fins, nil
}

// remove removes it: then, with Background, its dependents deps, and the
// owner index entries it held.
func (pl *plan) remove(it *planItem, deps []*planItem, policy metav1.DeletionPropagation) error {
	it.removed = true
	if policy == metav1.DeletePropagationBackground {
		for _, d := range deps {
			if err := pl.delete(d, metav1.DeletePropagationBackground); err != nil {
				return err
			}
		}
	}
	for _, k := range it.depKeys {
		if !slices.Contains(pl.indexDel, k) {
			pl.indexDel = append(pl.indexDel, k)
		}
	}
	if it.has("ownerReferences") {
		owners, err := pl.c.refSegments(pl.ctx, it.meta().GetOwnerReferences(), it.meta().GetNamespace())
		if err != nil {
			return err
		}
		for _, owner := range owners {
			if err := pl.dropIndex(owner, it.meta().GetUID()); err != nil {
				return err
			}
		}
	}
	if it.wasDeleting {
		return pl.afterRemove(it)
	}
	return nil
}

// markDeleting sets the deletionTimestamp (once) and finalizers of it.
func (pl *plan) markDeleting(it *planItem, fins []string) {
	if it.meta().GetDeletionTimestamp() == nil {
		ts := pl.now
		it.edit().SetDeletionTimestamp(&ts)
		zero := int64(0)
		it.edit().SetDeletionGracePeriodSeconds(&zero)
	}
	if len(fins) > 0 {
		it.edit().SetFinalizers(fins)
	}
	it.changed = true
}

// blocked reports whether a dependent that stays blocks it's deletion.
func (pl *plan) blocked(it *planItem) bool {
	if len(it.deps) == 0 {
		return false
	}
	uid := it.meta().GetUID()
	for _, d := range it.deps {
		if d.removed {
			continue
		}
		for _, r := range d.meta().GetOwnerReferences() {
			if r.UID == uid && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				return true
			}
		}
	}
	return false
}

// orphan removes the owner reference to owner from d.
func (pl *plan) orphan(d, owner *planItem) error {
	uid := owner.meta().GetUID()
	refs := d.meta().GetOwnerReferences()
	// nil, not empty, when none is left: unstructured objects then drop
	// the field instead of storing "ownerReferences: []".
	var kept []metav1.OwnerReference
	for _, r := range refs {
		if r.UID != uid {
			kept = append(kept, r)
		}
	}
	d.edit().SetOwnerReferences(kept)
	d.changed = true
	return pl.dropIndex(keyOwnerSegment(owner.key), d.meta().GetUID())
}

// afterRemove finishes what the removal of it, which was waiting on its
// finalizers, unblocks: foreground deletions of its owners and the
// termination of its namespace.
func (pl *plan) afterRemove(it *planItem) error {
	for _, ref := range it.meta().GetOwnerReferences() {
		owner, err := pl.loadOwner(ref, it.meta().GetNamespace())
		if err != nil {
			return err
		}
		if owner == nil || owner.removed || owner.inProgress || owner.meta().GetDeletionTimestamp() == nil ||
			!slices.Contains(owner.meta().GetFinalizers(), metav1.FinalizerDeleteDependents) {
			continue
		}
		if _, err := pl.dependents(owner); err != nil {
			return err
		}
		if pl.blocked(owner) {
			continue
		}
		owner.edit().SetFinalizers(slices.DeleteFunc(owner.meta().GetFinalizers(), func(f string) bool { return f == metav1.FinalizerDeleteDependents }))
		owner.changed = true
		if err := pl.delete(owner, metav1.DeletePropagationBackground); err != nil {
			return err
		}
	}
	if ns := it.meta().GetNamespace(); ns != "" && pl.c.nsType != nil && it.t.Namespaced {
		nsItem, err := pl.load(pl.c.key(pl.c.nsType, "", ns), pl.c.nsType)
		if err != nil {
			return err
		}
		if nsItem != nil && !nsItem.removed && !nsItem.inProgress && nsItem.meta().GetDeletionTimestamp() != nil {
			// Its namespace is terminating: what remains of its content
			// changed, and it may be the last.
			return pl.delete(nsItem, metav1.DeletePropagationBackground)
		}
	}
	return nil
}

// loadOwner returns the owner ref names, if it still exists with that UID.
func (pl *plan) loadOwner(ref metav1.OwnerReference, namespace string) (*planItem, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, nil
	}
	t, err := pl.c.typeForKind(pl.ctx, gv.WithKind(ref.Kind).GroupKind())
	if err != nil || t == nil {
		return nil, err
	}
	owner, err := pl.loadStored(pl.c.key(t, namespace, ref.Name))
	if err != nil || owner == nil || owner.meta().GetUID() != ref.UID {
		return nil, err
	}
	return owner, nil
}

// deleteNamespaceContents deletes every object in namespace ns, of every
// namespaced resource this program knows or the store holds, and returns
// those that stay (being deleted, waiting on finalizers).
func (pl *plan) deleteNamespaceContents(ns string) ([]*planItem, error) {
	types, err := pl.c.namespacedTypes(pl.ctx)
	if err != nil {
		return nil, err
	}
	var remaining []*planItem
	for _, t := range types {
		res, err := pl.c.store.List(pl.ctx, storage.Prefix(pl.c.tenant, t.GroupResource(), ns), storage.ListOptions{})
		if err != nil {
			return nil, err
		}
		for _, kv := range res.Items {
			it, err := pl.loadKV(kv, t)
			if err != nil {
				return nil, err
			}
			if err := pl.delete(it, metav1.DeletePropagationBackground); err != nil {
				return nil, err
			}
			if !it.removed {
				remaining = append(remaining, it)
			}
		}
	}
	return remaining, nil
}

// ops returns the plan as one transaction.
func (pl *plan) ops() ([]storage.Op, error) {
	var ops []storage.Op
	for _, it := range pl.order {
		if it.err != nil {
			return nil, it.err
		}
		switch {
		case it.removed:
			ops = append(ops, storage.Op{Type: storage.OpDelete, Key: it.key, ExpectedRevision: it.rev})
		case it.changed:
			data, err := encode(it.u, it.u.GroupVersionKind())
			if err != nil {
				return nil, err
			}
			ops = append(ops, storage.Op{Type: storage.OpPut, Key: it.key, Value: data, ExpectedRevision: it.rev})
		}
	}
	for _, k := range pl.indexDel {
		ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k})
	}
	return ops, nil
}

// namespacedTypes returns one type per namespaced resource that this
// program knows or that has held objects in the store.
func (c *Client) namespacedTypes(ctx context.Context) ([]*registry.Type, error) {
	stored, err := c.storedTypes(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[schema.GroupResource]bool{}
	var out []*registry.Type
	for _, t := range c.reg.Types() {
		if gr := t.GroupResource(); t.Namespaced && !seen[gr] {
			seen[gr] = true
			out = append(out, t)
		}
	}
	for gr, st := range stored {
		if st.Namespaced && !seen[gr] {
			seen[gr] = true
			out = append(out, catalogType(gr, st))
		}
	}
	return out, nil
}

func (c *Client) isNamespace(t *registry.Type) bool {
	return c.nsType != nil && t.GroupResource() == c.nsType.GroupResource()
}
