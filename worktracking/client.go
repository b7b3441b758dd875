package worktracking

import (
	"context"
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/client"
)

// Client wraps c so that every call is counted as a ClientCall in r and
// refused once r is shutting down. A Watch is counted only while it is
// being established: a watch is long-lived by nature and is ended by the
// runtime's shutdown, not waited for.
func Client(c client.Client, r *Registry) client.Client {
	return &trackedClient{c: c, r: r}
}

type trackedClient struct {
	c client.Client
	r *Registry
}

// describe names an operation cheaply: the verb, the object's Go type and
// its key. It runs for every call, so it avoids GVK lookups.
func describe(verb string, obj runtime.Object, ns, name string) string {
	t := reflect.TypeOf(obj)
	typeName := "<nil>"
	if t != nil {
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		typeName = t.Name()
	}
	if ns != "" {
		name = ns + "/" + name
	}
	if name == "" {
		return verb + " " + typeName
	}
	return verb + " " + typeName + " " + name
}

func (t *trackedClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	return t.r.Track(ClientCall, describe("get", obj, key.Namespace, key.Name), func() error {
		return t.c.Get(ctx, key, obj, opts...)
	})
}

func (t *trackedClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return t.r.Track(ClientCall, describe("list", list, "", ""), func() error {
		return t.c.List(ctx, list, opts...)
	})
}

func (t *trackedClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return t.r.Track(ClientCall, describe("create", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return t.c.Create(ctx, obj, opts...)
	})
}

func (t *trackedClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	return t.r.Track(ClientCall, describe("delete", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return t.c.Delete(ctx, obj, opts...)
	})
}

func (t *trackedClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return t.r.Track(ClientCall, describe("update", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return t.c.Update(ctx, obj, opts...)
	})
}

func (t *trackedClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return t.r.Track(ClientCall, describe("patch", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return t.c.Patch(ctx, obj, patch, opts...)
	})
}

func (t *trackedClient) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	return t.r.Track(ClientCall, describe("deletecollection", obj, "", ""), func() error {
		return t.c.DeleteAllOf(ctx, obj, opts...)
	})
}

func (t *trackedClient) Watch(ctx context.Context, list client.ObjectList, opts ...client.ListOption) (watch.Interface, error) {
	var w watch.Interface
	err := t.r.Track(ClientCall, describe("watch", list, "", ""), func() error {
		var err error
		w, err = t.c.Watch(ctx, list, opts...)
		return err
	})
	return w, err
}

func (t *trackedClient) Status() client.SubResourceWriter {
	return &trackedStatus{w: t.c.Status(), r: t.r}
}

func (t *trackedClient) Scheme() *runtime.Scheme { return t.c.Scheme() }

func (t *trackedClient) RESTMapper() meta.RESTMapper { return t.c.RESTMapper() }

func (t *trackedClient) GroupVersionKindFor(obj runtime.Object) (schema.GroupVersionKind, error) {
	return t.c.GroupVersionKindFor(obj)
}

func (t *trackedClient) IsObjectNamespaced(obj runtime.Object) (bool, error) {
	return t.c.IsObjectNamespaced(obj)
}

type trackedStatus struct {
	w client.SubResourceWriter
	r *Registry
}

func (s *trackedStatus) Create(ctx context.Context, obj client.Object, sub client.Object, opts ...client.SubResourceCreateOption) error {
	return s.r.Track(ClientCall, describe("create status", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return s.w.Create(ctx, obj, sub, opts...)
	})
}

func (s *trackedStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	return s.r.Track(ClientCall, describe("update status", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return s.w.Update(ctx, obj, opts...)
	})
}

func (s *trackedStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	return s.r.Track(ClientCall, describe("patch status", obj, obj.GetNamespace(), obj.GetName()), func() error {
		return s.w.Patch(ctx, obj, patch, opts...)
	})
}
