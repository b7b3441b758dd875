package controller

import (
	"context"
	"reflect"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// cachedClient is the manager's client: it writes through the k1s adapter
// and, as controller-runtime's default client does, reads typed objects
// from the informer cache (unstructured ones, and kinds in disableFor, from
// the store). After each write it tells the cache which revision it
// produced, so that the next read waits for the informer to catch up
// (read-your-writes).
type cachedClient struct {
	crclient.WithWatch
	cache        *Cache
	unstructured bool
	disableFor   []crclient.Object
}

func (c *cachedClient) useCache(obj runtime.Object) bool {
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList:
		if !c.unstructured {
			return false
		}
	}
	t := reflect.TypeOf(obj)
	for _, d := range c.disableFor {
		if reflect.TypeOf(d) == t {
			return false
		}
		// A list of a disabled kind: compare by kind name.
		if gvk, err := c.GroupVersionKindFor(d); err == nil {
			if lgvk, err := c.GroupVersionKindFor(obj); err == nil && lgvk.GroupVersion() == gvk.GroupVersion() && lgvk.Kind == gvk.Kind+"List" {
				return false
			}
		}
	}
	return true
}

func (c *cachedClient) Get(ctx context.Context, key crclient.ObjectKey, obj crclient.Object, opts ...crclient.GetOption) error {
	if c.useCache(obj) {
		return c.cache.Get(ctx, key, obj, opts...)
	}
	return c.WithWatch.Get(ctx, key, obj, opts...)
}

func (c *cachedClient) List(ctx context.Context, list crclient.ObjectList, opts ...crclient.ListOption) error {
	if c.useCache(list) {
		return c.cache.List(ctx, list, opts...)
	}
	return c.WithWatch.List(ctx, list, opts...)
}

// noted records obj's revision after a successful write.
func (c *cachedClient) noted(obj crclient.Object, err error) error {
	if err != nil {
		return err
	}
	if gvk, gerr := c.GroupVersionKindFor(obj); gerr == nil {
		c.cache.noteWrite(gvk, obj.GetResourceVersion())
	}
	return nil
}

func (c *cachedClient) Create(ctx context.Context, obj crclient.Object, opts ...crclient.CreateOption) error {
	return c.noted(obj, c.WithWatch.Create(ctx, obj, opts...))
}

func (c *cachedClient) Update(ctx context.Context, obj crclient.Object, opts ...crclient.UpdateOption) error {
	return c.noted(obj, c.WithWatch.Update(ctx, obj, opts...))
}

func (c *cachedClient) Patch(ctx context.Context, obj crclient.Object, patch crclient.Patch, opts ...crclient.PatchOption) error {
	return c.noted(obj, c.WithWatch.Patch(ctx, obj, patch, opts...))
}

func (c *cachedClient) Status() crclient.SubResourceWriter {
	return &cachedStatus{SubResourceWriter: c.WithWatch.Status(), c: c}
}

type cachedStatus struct {
	crclient.SubResourceWriter
	c *cachedClient
}

func (s *cachedStatus) Update(ctx context.Context, obj crclient.Object, opts ...crclient.SubResourceUpdateOption) error {
	return s.c.noted(obj, s.SubResourceWriter.Update(ctx, obj, opts...))
}

func (s *cachedStatus) Patch(ctx context.Context, obj crclient.Object, patch crclient.Patch, opts ...crclient.SubResourcePatchOption) error {
	return s.c.noted(obj, s.SubResourceWriter.Patch(ctx, obj, patch, opts...))
}
