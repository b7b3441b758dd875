package core

import (
	"context"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

// A cluster's garbage collector deletes a dependent once every owner its
// ownerReferences name is gone (absent, or present with another UID), and
// removes the references to absent owners from a dependent that still has
// a live one. With no collector process, k1s does that work where a
// dangling reference can appear:
//
//   - deleting an owner cascades to its dependents in the same transaction
//     (delete.go); a dependent written by another process while that
//     delete was being planned is collected right after it commits, when
//     the owner's index prefix is read again;
//   - writing an object that gains owner references checks, once the
//     write committed, that its owners exist; an object whose owners are
//     all gone is collected at once, as the collector would shortly after;
//   - CollectGarbage sweeps the whole tenant; the ManagedRuntime runs it
//     periodically and `k1s reconcile` before it returns, for references
//     left dangling by anything else (a store written by an older k1s, an
//     object restored from a backup).
//
// Like the collector, k1s never deletes what it cannot prove orphaned: an
// object with a reference to a kind it cannot resolve (no program ever
// stored an object of that kind in the tenant), or a cluster-scoped object
// naming a namespaced owner, is left alone.

// GarbageCollection reports what a CollectGarbage sweep did.
type GarbageCollection struct {
	// Checked is the number of objects with owner references examined.
	Checked int
	// Deleted is the number of objects deleted because every owner was gone.
	Deleted int
	// Released is the number of objects that lost references to absent
	// owners but kept a live one.
	Released int
}

// CollectGarbage does the garbage collector's work for every object of
// the tenant that has owner references, whatever its type: objects whose
// owners are all gone are deleted (their own dependents with them), and
// references to absent owners are removed from objects that keep a live
// owner.
func (c *Client) CollectGarbage(ctx context.Context) (GarbageCollection, error) {
	var gc GarbageCollection
	prefix := storage.Prefix(c.tenant, dependentsResource, "")
	seen := map[string]bool{}
	opts := storage.ListOptions{Limit: 500}
	for {
		res, err := c.store.List(ctx, prefix, opts)
		if err != nil {
			return gc, err
		}
		for _, kv := range res.Items {
			dep := string(kv.Value)
			if seen[dep] {
				continue
			}
			seen[dep] = true
			out, err := c.collect(ctx, dep)
			if err != nil {
				return gc, err
			}
			gc.Checked++
			switch out {
			case collectedDeleted:
				gc.Deleted++
			case collectedReleased:
				gc.Released++
			}
		}
		if res.Continue == "" {
			return gc, nil
		}
		opts.Continue = res.Continue
	}
}

// collected says what collect did to one object.
type collected int

const (
	collectedNothing collected = iota
	collectedDeleted
	collectedReleased
)

// ownerState is what the collector finds at the end of one owner
// reference.
type ownerState int

const (
	ownerSolid      ownerState = iota // present, with the referenced UID
	ownerDangling                     // absent, or present with another UID
	ownerWaiting                      // being deleted in the foreground
	ownerUnresolved                   // cannot be looked up
)

// collect classifies the owner references of the object at key, as the
// garbage collector's attemptToDeleteItem does, and deletes the object or
// drops its dangling references accordingly.
func (c *Client) collect(ctx context.Context, key string) (collected, error) {
	kv, err := c.store.Get(ctx, key)
	if apierrors.IsNotFound(err) {
		return collectedNothing, nil
	}
	if err != nil {
		return collectedNothing, err
	}
	kp, err := storage.ParseKey(key)
	if err != nil {
		return collectedNothing, nil
	}
	var obj struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}
	if err := jsonUnmarshal(kv.Value, &obj); err != nil {
		return collectedNothing, apierrors.NewInternalError(err)
	}
	m := &obj.Metadata
	if m.DeletionTimestamp != nil || len(m.OwnerReferences) == 0 {
		// Being deleted already: its finalizers decide when it goes.
		return collectedNothing, nil
	}
	var solid, gone []types.UID
	blocking := false
	for _, ref := range m.OwnerReferences {
		state, err := c.ownerOf(ctx, ref, kp.Namespace)
		if err != nil {
			return collectedNothing, err
		}
		switch state {
		case ownerUnresolved:
			return collectedNothing, nil
		case ownerSolid:
			solid = append(solid, ref.UID)
		case ownerWaiting:
			blocking = blocking || (ref.BlockOwnerDeletion != nil && *ref.BlockOwnerDeletion)
			gone = append(gone, ref.UID)
		case ownerDangling:
			gone = append(gone, ref.UID)
		}
	}
	switch {
	case len(gone) == 0:
		return collectedNothing, nil
	case len(solid) > 0:
		return collectedReleased, c.release(ctx, kv, kp, gone)
	}
	t, err := c.typeForResource(ctx, kp.Resource)
	if err != nil {
		return collectedNothing, err
	}
	if t == nil {
		t = storedObjectType(kp, kv.Value)
	}
	policy := metav1.DeletePropagationBackground
	switch {
	case blocking:
		policy = metav1.DeletePropagationForeground
	case slices.Contains(m.Finalizers, metav1.FinalizerOrphanDependents):
		policy = metav1.DeletePropagationOrphan
	case slices.Contains(m.Finalizers, metav1.FinalizerDeleteDependents):
		policy = metav1.DeletePropagationForeground
	}
	uid := m.UID
	err = c.deleteKey(ctx, obj.GroupVersionKind(), t, key, &client.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &uid},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		// Gone already, or replaced by a new object of the same name.
		return collectedNothing, nil
	}
	if err != nil {
		return collectedNothing, err
	}
	return collectedDeleted, nil
}

// ownerOf looks up the owner ref names for an object in namespace ns.
func (c *Client) ownerOf(ctx context.Context, ref metav1.OwnerReference, ns string) (ownerState, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return ownerUnresolved, nil
	}
	t, err := c.typeForKind(ctx, gv.WithKind(ref.Kind).GroupKind())
	if err != nil {
		return ownerUnresolved, err
	}
	if t == nil || (t.Namespaced && ns == "") {
		return ownerUnresolved, nil
	}
	if !t.Namespaced {
		ns = ""
	}
	kv, err := c.store.Get(ctx, c.key(t, ns, ref.Name))
	if apierrors.IsNotFound(err) {
		return ownerDangling, nil
	}
	if err != nil {
		return ownerUnresolved, err
	}
	var owner struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := jsonUnmarshal(kv.Value, &owner); err != nil {
		return ownerUnresolved, apierrors.NewInternalError(err)
	}
	switch {
	case owner.Metadata.UID != ref.UID:
		return ownerDangling, nil
	case owner.Metadata.DeletionTimestamp != nil && slices.Contains(owner.Metadata.Finalizers, metav1.FinalizerDeleteDependents):
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// release removes the references to the owners in gone from the object
// kv holds, with their index entries, in one write guarded by the
// revision read.
func (c *Client) release(ctx context.Context, kv storage.KeyValue, kp storage.KeyParts, gone []types.UID) error {
	t, err := c.typeForResource(ctx, kp.Resource)
	if err != nil {
		return err
	}
	if t == nil {
		t = storedObjectType(kp, kv.Value)
	}
	pl := c.newPlan(ctx)
	it, err := pl.loadKV(kv, t)
	if err != nil {
		return err
	}
	var kept []metav1.OwnerReference
	for _, r := range it.meta().GetOwnerReferences() {
		if !slices.Contains(gone, r.UID) {
			kept = append(kept, r)
		}
	}
	// The index entries of the dropped owners go with them: entries are
	// keyed by owner name, so compute the segments before and after.
	before, err := c.refSegments(ctx, it.meta().GetOwnerReferences(), kp.Namespace)
	if err != nil {
		return err
	}
	after, err := c.refSegments(ctx, kept, kp.Namespace)
	if err != nil {
		return err
	}
	uid := it.meta().GetUID()
	it.edit().SetOwnerReferences(kept)
	it.changed = true
	for _, seg := range before {
		if !slices.Contains(after, seg) {
			if err := pl.dropIndex(seg, uid); err != nil {
				return err
			}
		}
	}
	ops, err := pl.ops()
	if err != nil {
		return err
	}
	err = c.commit(ctx, ops)
	if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		// The object moved on; whoever moved it will be checked again.
		return nil
	}
	return err
}

// collectAfterOwnerRemoved collects the dependents of the object that was
// at ownerKey which the delete did not see: written by another process
// after the delete read the index, they name an owner that is now gone.
func (c *Client) collectAfterOwnerRemoved(ctx context.Context, ownerKey string) error {
	res, err := c.store.List(ctx, c.dependentsPrefix(keyOwnerSegment(ownerKey)), storage.ListOptions{})
	if err != nil || len(res.Items) == 0 {
		return err
	}
	for _, kv := range res.Items {
		if _, err := c.collect(ctx, string(kv.Value)); err != nil {
			return err
		}
	}
	return nil
}

// collectIfOrphaned collects the object just written at key if it gained
// owner references (ops holds their new index entries) to owners that
// are gone.
func (c *Client) collectIfOrphaned(ctx context.Context, key string, ops []storage.Op) error {
	for _, op := range ops {
		if op.Type == storage.OpCreate && strings.HasPrefix(op.Key, storage.Prefix(c.tenant, dependentsResource, "")) {
			_, err := c.collect(ctx, key)
			return err
		}
	}
	return nil
}
