package controller

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/informers"
)

// Cache serves a k1s informer factory as a controller-runtime cache.Cache:
// Get and List read the informers' indexers (field selectors use indexes
// added with IndexField, as in controller-runtime), and GetInformer hands
// out the client-go SharedIndexInformers themselves.
type Cache struct {
	f *informers.Factory

	mu      sync.Mutex
	written map[schema.GroupVersionKind]int64 // see noteWrite
}

var _ crcache.Cache = (*Cache)(nil)

// NewCache returns a cache over f.
func NewCache(f *informers.Factory) *Cache {
	return &Cache{f: f, written: map[schema.GroupVersionKind]int64{}}
}

// fieldIndexName is the indexer name of a field index; the same layout as
// controller-runtime's, so code that reads indexers directly still works.
func fieldIndexName(field string) string { return "field:" + field }

// allNamespaces is the namespace part of index values that match across
// namespaces (controller-runtime's "__all_namespaces").
const allNamespaces = "__all_namespaces"

func namespacedValue(ns, v string) string {
	if ns == "" {
		ns = allNamespaces
	}
	return ns + "/" + v
}

func (c *Cache) informer(ctx context.Context, obj runtime.Object, block bool) (toolscache.SharedIndexInformer, informers.Key, error) {
	key, err := c.f.KeyFor(obj)
	if err != nil {
		return nil, key, err
	}
	inf, err := c.f.Informer(key)
	if err != nil {
		return nil, key, err
	}
	if block {
		if !c.f.Started() {
			return nil, key, &crcache.ErrCacheNotStarted{}
		}
		if !informers.WaitForSync(ctx, inf) {
			return nil, key, apierrors.NewTimeoutError(fmt.Sprintf("waiting for the %s informer to sync: %v", key.GVK, ctx.Err()), 0)
		}
	}
	return inf, key, nil
}

// Get reads obj from its informer's indexer (creating and syncing the
// informer on first use).
func (c *Cache) Get(ctx context.Context, key crclient.ObjectKey, obj crclient.Object, opts ...crclient.GetOption) error {
	inf, ikey, err := c.informer(ctx, obj, true)
	if err != nil {
		return err
	}
	c.awaitWrites(ctx, ikey.GVK, inf)
	storeKey := key.Name
	if key.Namespace != "" {
		storeKey = key.Namespace + "/" + key.Name
	}
	item, exists, err := inf.GetIndexer().GetByKey(storeKey)
	if err != nil {
		return err
	}
	if !exists {
		return apierrors.NewNotFound(c.groupResource(ikey.GVK), key.Name)
	}
	return copyInto(item.(runtime.Object), obj)
}

func (c *Cache) groupResource(gvk schema.GroupVersionKind) schema.GroupResource {
	m, err := c.f.Client().RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind}
	}
	return m.Resource.GroupResource()
}

// copyInto copies the cached src into dst (deep). The informer key
// includes the shape, so src and dst are always of the same type; a
// mismatch is a bug worth a clear error, not a conversion.
func copyInto(src runtime.Object, dst runtime.Object) error {
	sv, dv := reflect.ValueOf(src), reflect.ValueOf(dst)
	if sv.Type() != dv.Type() {
		return apierrors.NewInternalError(fmt.Errorf("cache holds %T, cannot read it into %T", src, dst))
	}
	dv.Elem().Set(reflect.ValueOf(src.DeepCopyObject()).Elem())
	return nil
}

// List reads the matching objects from the informer of list's item kind.
// Label selectors filter; a field selector needs exact-match terms, each
// served by an index added with IndexField (or metadata.name /
// metadata.namespace); Limit caps the result, Continue is not supported
// by a cache (as in controller-runtime). Raw selectors are read as the
// client adapter reads them: one that does not parse is a BadRequest.
func (c *Cache) List(ctx context.Context, list crclient.ObjectList, opts ...crclient.ListOption) error {
	o, err := listOptions(opts)
	if err != nil {
		return err
	}
	inf, ikey, err := c.informer(ctx, list, true)
	if err != nil {
		return err
	}
	c.awaitWrites(ctx, ikey.GVK, inf)
	indexer := inf.GetIndexer()
	var items []any
	var nameReq string
	var haveName bool
	switch {
	case o.FieldSelector != nil && !o.FieldSelector.Empty():
		reqs := o.FieldSelector.Requirements()
		var indexed []fields.Requirement
		for _, r := range reqs {
			if r.Operator != selection.Equals && r.Operator != selection.DoubleEquals {
				return apierrors.NewBadRequest(fmt.Sprintf("field selector %q: the cache supports only exact matches (=, ==)", o.FieldSelector))
			}
			switch r.Field {
			case "metadata.name":
				nameReq, haveName = r.Value, true
			case "metadata.namespace":
				if o.Namespace != "" && o.Namespace != r.Value {
					return setList(list, nil, inf)
				}
				o.Namespace = r.Value
			default:
				indexed = append(indexed, r)
			}
		}
		if len(indexed) == 0 {
			items, err = byNamespace(indexer, o.Namespace)
			break
		}
		for i, r := range indexed {
			name := fieldIndexName(r.Field)
			if _, ok := indexer.GetIndexers()[name]; !ok {
				return apierrors.NewBadRequest(fmt.Sprintf("field selector %s=%s on %s: no index for field %q; add one with IndexField", r.Field, r.Value, ikey.GVK.Kind, r.Field))
			}
			got, err := indexer.ByIndex(name, namespacedValue(o.Namespace, r.Value))
			if err != nil {
				return err
			}
			if i == 0 {
				items = got
				continue
			}
			items = intersect(items, got)
		}
	default:
		items, err = byNamespace(indexer, o.Namespace)
	}
	if err != nil {
		return err
	}
	type keyed struct {
		key string
		obj runtime.Object
	}
	matched := make([]keyed, 0, len(items))
	for _, it := range items {
		obj := it.(runtime.Object)
		m, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		if haveName && m.GetName() != nameReq {
			continue
		}
		if o.LabelSelector != nil && !o.LabelSelector.Matches(labels.Set(m.GetLabels())) {
			continue
		}
		matched = append(matched, keyed{m.GetNamespace() + "/" + m.GetName(), obj})
	}
	// Indexers keep no order; a list is in key order, as from the store.
	sort.Slice(matched, func(i, j int) bool { return matched[i].key < matched[j].key })
	if o.Limit > 0 && int64(len(matched)) > o.Limit {
		matched = matched[:o.Limit]
	}
	out := make([]runtime.Object, len(matched))
	for i := range matched {
		out[i] = matched[i].obj
	}
	return setList(list, out, inf)
}

func byNamespace(indexer toolscache.Indexer, ns string) ([]any, error) {
	if ns == "" {
		return indexer.List(), nil
	}
	return indexer.ByIndex(toolscache.NamespaceIndex, ns)
}

func intersect(a, b []any) []any {
	in := make(map[any]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	out := a[:0:0]
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// setList fills list with deep copies of objs.
func setList(list crclient.ObjectList, objs []runtime.Object, inf toolscache.SharedIndexInformer) error {
	copies := make([]runtime.Object, len(objs))
	for i, o := range objs {
		copies[i] = o.DeepCopyObject()
	}
	if err := meta.SetList(list, copies); err != nil {
		return err
	}
	list.SetResourceVersion(inf.LastSyncResourceVersion())
	return nil
}

// noteWrite records that a write through the manager's client produced
// revision rv of gvk, so that the next cache read of that kind waits for
// the informer to have seen it (read-your-writes, as controller-runtime
// v0.25's client offers).
func (c *Cache) noteWrite(gvk schema.GroupVersionKind, rv string) {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil {
		return
	}
	c.mu.Lock()
	if n > c.written[gvk] {
		c.written[gvk] = n
	}
	c.mu.Unlock()
}

// awaitWrites waits (briefly, and never past ctx) until inf has seen the
// last revision written through the manager's client for gvk.
func (c *Cache) awaitWrites(ctx context.Context, gvk schema.GroupVersionKind, inf toolscache.SharedIndexInformer) {
	c.mu.Lock()
	want := c.written[gvk]
	c.mu.Unlock()
	if want == 0 {
		return
	}
	deadline := time.Now().Add(readYourWritesWait)
	for {
		have, _ := strconv.ParseInt(inf.LastSyncResourceVersion(), 10, 64)
		if have >= want || time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// readYourWritesWait bounds how long a cache read waits for the
// informer to see the caller's own write. Informers over a local store
// see a write within a millisecond or so; the bound only keeps a broken
// watch from stalling a reconciler.
const readYourWritesWait = 2 * time.Second

// GetInformer returns the informer for obj's kind, creating it (and, when
// the cache runs, waiting for it to sync unless BlockUntilSynced(false)).
func (c *Cache) GetInformer(ctx context.Context, obj crclient.Object, opts ...crcache.InformerGetOption) (crcache.Informer, error) {
	o := &crcache.InformerGetOptions{}
	for _, opt := range opts {
		opt(o)
	}
	block := c.f.Started() && (o.BlockUntilSynced == nil || *o.BlockUntilSynced)
	inf, _, err := c.informer(ctx, obj, block)
	if err != nil {
		if w := sourceOf(ctx); w != nil && unknownType(err) {
			// A controller's source (controller-runtime's Kind source
			// asks for its informer with the context the controller
			// was started with): it would retry every 10 s, logging, and
			// its controller would never sync. Stop the run instead.
			w.fail(fmt.Errorf("controller %q watches %s, which k1s does not know: %w", w.name, describeType(obj), err))
		}
		return nil, err
	}
	return inf, nil
}

// unknownType reports whether err says a type is not registered: not in
// the scheme (a Go type), or not in the k1s registry (its RESTMapper).
func unknownType(err error) bool {
	return runtime.IsNotRegisteredError(err) || meta.IsNoMatchError(err)
}

// describeType names obj's type for a person: the Go type with its
// package, or the apiVersion and kind of an unstructured object.
func describeType(obj runtime.Object) string {
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList, *metav1.PartialObjectMetadata, *metav1.PartialObjectMetadataList:
		gvk := obj.GetObjectKind().GroupVersionKind()
		return fmt.Sprintf("%T of apiVersion %q, kind %q", obj, gvk.GroupVersion().String(), gvk.Kind)
	}
	t := reflect.TypeOf(obj)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return fmt.Sprintf("%s.%s", t.PkgPath(), t.Name())
}

// GetInformerForKind is GetInformer for a kind: typed when the scheme
// knows it, unstructured otherwise.
func (c *Cache) GetInformerForKind(ctx context.Context, gvk schema.GroupVersionKind, opts ...crcache.InformerGetOption) (crcache.Informer, error) {
	obj, err := c.f.Client().Scheme().New(gvk)
	if err != nil {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		obj = u
	}
	co, ok := obj.(crclient.Object)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s is not an object kind", gvk))
	}
	return c.GetInformer(ctx, co, opts...)
}

// RemoveInformer stops and forgets the informer of obj's kind.
func (c *Cache) RemoveInformer(ctx context.Context, obj crclient.Object) error {
	key, err := c.f.KeyFor(obj)
	if err != nil {
		return err
	}
	c.f.Remove(key)
	return nil
}

// Start starts the informers (if the runtime has not already) and blocks
// until ctx is done, as a controller-runtime cache does. Stopping the
// informers is the runtime's Shutdown's job.
func (c *Cache) Start(ctx context.Context) error {
	c.f.Start(ctx)
	<-ctx.Done()
	return nil
}

// WaitForCacheSync waits for every informer to sync.
func (c *Cache) WaitForCacheSync(ctx context.Context) bool {
	for _, ok := range c.f.WaitForCacheSync(ctx) {
		if !ok {
			return false
		}
	}
	return true
}

// IndexField adds a field index to obj's informer, with the layout
// controller-runtime uses: values are namespaced, and also indexed under
// "all namespaces".
func (c *Cache) IndexField(ctx context.Context, obj crclient.Object, field string, extract crclient.IndexerFunc) error {
	inf, _, err := c.informer(ctx, obj, false)
	if err != nil {
		return err
	}
	return inf.AddIndexers(toolscache.Indexers{fieldIndexName(field): func(o any) ([]string, error) {
		co, ok := o.(crclient.Object)
		if !ok {
			return nil, fmt.Errorf("index %s: %T is not an object", field, o)
		}
		vals := extract(co)
		ns := co.GetNamespace()
		out := make([]string, 0, 2*len(vals))
		for _, v := range vals {
			out = append(out, namespacedValue("", v))
			if ns != "" {
				out = append(out, namespacedValue(ns, v))
			}
		}
		return out, nil
	}})
}
