package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Several programs share one store, each with its own type set: the k1s
// CLI knows the plugin types of its directories, an application knows
// the Go types it links, a controller knows Deployments the CLI has never
// heard of. An API server's garbage collector and namespace controller
// act on every stored object whatever its type, because discovery tells
// them every type the cluster serves. The catalog is the store's
// discovery: one entry per resource that has ever held an object in the
// tenant, written by whichever program creates the first object of it,
// so that every program can map an owner reference's kind to a key and
// find every object in a namespace, known to it or not.
//
// Entries live at /{tenant}/k1s.io/types/{resource}.{group} ("core" for
// the legacy group), beside the dependents index. A store written before
// the catalog existed has no completeness marker; the first program that
// needs the whole catalog scans the tenant once and writes the entries
// and the marker.

// typesResource is the reserved resource holding the catalog.
var typesResource = schema.GroupResource{Group: "k1s.io", Resource: "types"}

// catalogComplete names the marker that every stored resource has an
// entry. It cannot be the name of an entry: entries always hold a dot.
const catalogComplete = "complete"

// storedType is one catalog entry.
type storedType struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespaced bool   `json:"namespaced"`
}

func (s storedType) gvk() schema.GroupVersionKind {
	return schema.FromAPIVersionAndKind(s.APIVersion, s.Kind)
}

// catalog caches, per client, what is known to be in the store's catalog.
// Entries never change once written, so a cached entry is never stale;
// a miss is read again from the store.
type catalog struct {
	mu       sync.Mutex
	recorded map[schema.GroupResource]storedType
}

func groupSegment(group string) string {
	if group == "" {
		return storage.CoreGroup
	}
	return group
}

func (c *Client) catalogKey(gr schema.GroupResource) string {
	return storage.Key(c.tenant, typesResource, "", gr.Resource+"."+groupSegment(gr.Group))
}

// isReserved reports whether gr is one of k1s's own bookkeeping
// resources, which are never objects.
func isReserved(gr schema.GroupResource) bool { return gr.Group == typesResource.Group }

func (c *Client) cached(gr schema.GroupResource) (storedType, bool) {
	c.types.mu.Lock()
	defer c.types.mu.Unlock()
	st, ok := c.types.recorded[gr]
	return st, ok
}

func (c *Client) remember(gr schema.GroupResource, st storedType) {
	c.types.mu.Lock()
	if c.types.recorded == nil {
		c.types.recorded = map[schema.GroupResource]storedType{}
	}
	c.types.recorded[gr] = st
	c.types.mu.Unlock()
}

// recordType makes sure the catalog has an entry for t before an object
// of t is first created. The entry may outlive a create that then fails;
// an entry for a resource with no objects is harmless.
func (c *Client) recordType(ctx context.Context, t *registry.Type) error {
	gr := t.GroupResource()
	if _, ok := c.cached(gr); ok || isReserved(gr) {
		return nil
	}
	st := storedType{APIVersion: t.Kind.GroupVersion().String(), Kind: t.Kind.Kind, Namespaced: t.Namespaced}
	key := c.catalogKey(gr)
	if kv, err := c.store.Get(ctx, key); err == nil {
		if err := json.Unmarshal(kv.Value, &st); err != nil {
			return catalogDamaged(key, err)
		}
		c.remember(gr, st)
		return nil
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	data, _ := json.Marshal(st) // a struct of strings and a bool
	if _, err := c.store.Create(ctx, key, data); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	c.remember(gr, st)
	return nil
}

func catalogDamaged(key string, err error) error {
	return apierrors.NewInternalError(fmt.Errorf("reading the type catalog entry %s: %w", key, err))
}

// storedTypes returns every resource of the tenant that has held objects,
// building the catalog from the stored objects the first time a store
// without one is asked.
func (c *Client) storedTypes(ctx context.Context) (map[schema.GroupResource]storedType, error) {
	prefix := storage.Prefix(c.tenant, typesResource, "")
	res, err := c.store.List(ctx, prefix, storage.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make(map[schema.GroupResource]storedType, len(res.Items))
	complete := false
	for _, kv := range res.Items {
		name := strings.TrimPrefix(kv.Key, prefix)
		if name == catalogComplete {
			complete = true
			continue
		}
		resource, group, ok := strings.Cut(name, ".")
		if !ok {
			continue
		}
		if group == storage.CoreGroup {
			group = ""
		}
		var st storedType
		if err := json.Unmarshal(kv.Value, &st); err != nil {
			return nil, catalogDamaged(kv.Key, err)
		}
		gr := schema.GroupResource{Group: group, Resource: resource}
		out[gr] = st
		c.remember(gr, st)
	}
	if complete {
		return out, nil
	}
	if err := c.buildCatalog(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// buildCatalog scans every object of the tenant for resources the catalog
// lacks, records them, then writes the completeness marker. It runs once
// per store (per tenant): on a store written before the catalog existed.
func (c *Client) buildCatalog(ctx context.Context, known map[schema.GroupResource]storedType) error {
	opts := storage.ListOptions{Limit: 500}
	for {
		res, err := c.store.List(ctx, storage.TenantPrefix(c.tenant), opts)
		if err != nil {
			return err
		}
		for _, kv := range res.Items {
			kp, err := storage.ParseKey(kv.Key)
			if err != nil || isReserved(kp.Resource) {
				continue
			}
			if _, ok := known[kp.Resource]; ok {
				continue
			}
			var tm struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if json.Unmarshal(kv.Value, &tm) != nil || tm.Kind == "" {
				continue
			}
			st := storedType{APIVersion: tm.APIVersion, Kind: tm.Kind, Namespaced: kp.Namespace != ""}
			data, _ := json.Marshal(st)
			if _, err := c.store.Create(ctx, c.catalogKey(kp.Resource), data); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
			known[kp.Resource] = st
			c.remember(kp.Resource, st)
		}
		if res.Continue == "" {
			break
		}
		opts.Continue = res.Continue
	}
	_, err := c.store.Create(ctx, storage.Key(c.tenant, typesResource, "", catalogComplete), []byte("{}"))
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// typeForResource returns the type of resource gr: the registry's when
// this program knows it, else one made from the catalog, which carries
// what generic handling of stored objects needs (kind, scope, resource).
// It is nil, with no error, when no object of gr was ever stored.
func (c *Client) typeForResource(ctx context.Context, gr schema.GroupResource) (*registry.Type, error) {
	if t, err := c.reg.TypeForResource(gr.WithVersion("")); err == nil {
		return t, nil
	}
	st, ok := c.cached(gr)
	if !ok {
		all, err := c.storedTypes(ctx)
		if err != nil {
			return nil, err
		}
		if st, ok = all[gr]; !ok {
			return nil, nil
		}
	}
	return catalogType(gr, st), nil
}

func catalogType(gr schema.GroupResource, st storedType) *registry.Type {
	return &registry.Type{Kind: st.gvk(), Resource: gr.Resource, Namespaced: st.Namespaced}
}

// typeForKind returns the type of the kind an owner reference names, in
// any version: the registry's, else the catalog's. It is nil, with no
// error, when the kind cannot be resolved: no program ever stored an
// object of it in this tenant.
func (c *Client) typeForKind(ctx context.Context, gk schema.GroupKind) (*registry.Type, error) {
	if m, err := c.reg.RESTMapper().RESTMapping(gk); err == nil {
		if t, err := c.reg.TypeFor(m.GroupVersionKind); err == nil {
			return t, nil
		}
	}
	find := func() *registry.Type {
		c.types.mu.Lock()
		defer c.types.mu.Unlock()
		for gr, st := range c.types.recorded {
			if st.gvk().GroupKind() == gk {
				return catalogType(gr, st)
			}
		}
		return nil
	}
	if t := find(); t != nil {
		return t, nil
	}
	if _, err := c.storedTypes(ctx); err != nil {
		return nil, err
	}
	return find(), nil
}
