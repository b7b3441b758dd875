package core

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

// A cluster finds the dependents of an object with the garbage
// collector's graph, built by watching everything. A CLI has no such
// process, and scanning every object of every type on each delete would
// make deletes linear in the store's size. So each write of an object with
// ownerReferences also writes, in the same transaction, one index entry
// per owner: key /{tenant}/k1s.io/dependents/{ownerUID}/{dependentUID},
// value the dependent's storage key. Deleting an owner lists one prefix.
//
// Entries are hints, checked against the dependent before use: one whose
// dependent is gone or no longer names the owner is ignored, and removed
// when the owner goes.

// dependentsResource is the reserved resource holding the index. Its
// group is k1s's own, so it can never collide with a registered type.
var dependentsResource = schema.GroupResource{Group: "k1s.io", Resource: "dependents"}

func (c *Client) dependentKey(owner, dependent types.UID) string {
	return storage.Key(c.tenant, dependentsResource, string(owner), string(dependent))
}

func (c *Client) dependentsPrefix(owner types.UID) string {
	return storage.Prefix(c.tenant, dependentsResource, string(owner))
}

// indexOps returns the index operations that go with writing w at key:
// entries for owners w gains, removals for owners it lost since old (nil
// on create).
func (c *Client) indexOps(ctx context.Context, w client.Object, key string, old client.Object) ([]storage.Op, error) {
	refs := w.GetOwnerReferences()
	var oldRefs []metav1.OwnerReference
	if old != nil {
		oldRefs = old.GetOwnerReferences()
	}
	if len(refs) == 0 && len(oldRefs) == 0 {
		return nil, nil
	}
	uid := w.GetUID()
	var ops []storage.Op
	for _, u := range ownerUIDs(refs) {
		if hasUID(oldRefs, u) {
			continue
		}
		k := c.dependentKey(u, uid)
		if old != nil {
			exists, err := c.exists(ctx, k)
			if err != nil {
				return nil, err
			}
			if exists {
				continue
			}
		}
		ops = append(ops, storage.Op{Type: storage.OpCreate, Key: k, Value: []byte(key)})
	}
	for _, u := range ownerUIDs(oldRefs) {
		if hasUID(refs, u) {
			continue
		}
		k := c.dependentKey(u, uid)
		exists, err := c.exists(ctx, k)
		if err != nil {
			return nil, err
		}
		if exists {
			ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k})
		}
	}
	return ops, nil
}

func (c *Client) exists(ctx context.Context, key string) (bool, error) {
	_, err := c.store.Get(ctx, key)
	if err == nil {
		return true, nil
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return false, err
}

// ownerUIDs returns the distinct owner UIDs of refs, in order.
func ownerUIDs(refs []metav1.OwnerReference) []types.UID {
	out := make([]types.UID, 0, len(refs))
	for _, r := range refs {
		if r.UID != "" && !containsUID(out, r.UID) {
			out = append(out, r.UID)
		}
	}
	return out
}

func containsUID(list []types.UID, u types.UID) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}

func hasUID(refs []metav1.OwnerReference, u types.UID) bool {
	for _, r := range refs {
		if r.UID == u {
			return true
		}
	}
	return false
}
