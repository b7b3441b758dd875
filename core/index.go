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

// A cluster finds the dependents of an object with the garbage
// collector's graph, built by watching everything. A CLI has no such
// process, and scanning every object of every type on each delete would
// make deletes linear in the store's size. So each write of an object with
// ownerReferences also writes, in the same transaction, one index entry
// per owner: key /{tenant}/k1s.io/dependents/{owner}/{dependentUID}, where
// {owner} is "group:resource:namespace:name" of the owner (":" appears in
// none of these), value the dependent's storage key. Deleting an object
// lists the one prefix its own key gives, so a delete decodes nothing when
// the object has no dependents, finalizers or owners.
//
// Entries are hints, checked against the dependent before use: one whose
// dependent is gone or no longer names the owner's UID is ignored, and
// removed when the owner goes.

// dependentsResource is the reserved resource holding the index. Its
// group is k1s's own, so it can never collide with a registered type.
var dependentsResource = schema.GroupResource{Group: "k1s.io", Resource: "dependents"}

// ownerSegment names an owner in index keys.
func ownerSegment(gr schema.GroupResource, namespace, name string) string {
	group := gr.Group
	if group == "" {
		group = storage.CoreGroup
	}
	return group + ":" + gr.Resource + ":" + namespace + ":" + name
}

// keyOwnerSegment is the owner segment of the object stored at key,
// /{tenant}/{group}/{resource}/[{namespace}/]{name}. It is on the path of
// every delete, so it cuts the key without allocating the parts.
func keyOwnerSegment(key string) string {
	rest, ok := strings.CutPrefix(key, "/")
	if !ok {
		return ""
	}
	var parts [5]string
	n, more := 0, true
	for n < 5 && more {
		parts[n], rest, more = strings.Cut(rest, "/")
		n++
	}
	switch {
	case more:
		return ""
	case n == 4:
		return parts[1] + ":" + parts[2] + "::" + parts[3]
	case n == 5:
		return parts[1] + ":" + parts[2] + ":" + parts[3] + ":" + parts[4]
	}
	return ""
}

func (c *Client) dependentKey(owner string, dependent types.UID) string {
	return storage.Key(c.tenant, dependentsResource, owner, string(dependent))
}

func (c *Client) dependentsPrefix(owner string) string {
	return storage.Prefix(c.tenant, dependentsResource, owner)
}

// refSegments returns the owner segments of the owners refs name, for
// owners whose kind this program knows or the store's catalog records. An
// owner of a kind never stored in the tenant cannot exist, so it needs no
// entry; nor does a namespaced owner of a cluster-scoped dependent, which
// the garbage collector treats as unresolvable.
func (c *Client) refSegments(ctx context.Context, refs []metav1.OwnerReference, namespace string) ([]string, error) {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		gv, err := schema.ParseGroupVersion(r.APIVersion)
		if err != nil {
			continue
		}
		t, err := c.typeForKind(ctx, gv.WithKind(r.Kind).GroupKind())
		if err != nil {
			return nil, err
		}
		if t == nil || (t.Namespaced && namespace == "") {
			continue
		}
		ns := namespace
		if !t.Namespaced {
			ns = ""
		}
		seg := ownerSegment(t.GroupResource(), ns, r.Name)
		if !slices.Contains(out, seg) {
			out = append(out, seg)
		}
	}
	return out, nil
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
	now, err := c.refSegments(ctx, refs, w.GetNamespace())
	if err != nil {
		return nil, err
	}
	before, err := c.refSegments(ctx, oldRefs, w.GetNamespace())
	if err != nil {
		return nil, err
	}
	var ops []storage.Op
	for _, seg := range now {
		if slices.Contains(before, seg) {
			continue
		}
		k := c.dependentKey(seg, uid)
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
	for _, seg := range before {
		if slices.Contains(now, seg) {
			continue
		}
		k := c.dependentKey(seg, uid)
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

func hasUID(refs []metav1.OwnerReference, u types.UID) bool {
	for _, r := range refs {
		if r.UID == u {
			return true
		}
	}
	return false
}
