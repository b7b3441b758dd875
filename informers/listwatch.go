package informers

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s/client"
)

// ListerWatcher lists and watches one kind through a k1s Client. It
// implements cache.ListerWatcherWithContext (and the older
// cache.ListerWatcher).
type ListerWatcher struct {
	cache.ListWatch
}

// IsWatchListSemanticsUnSupported tells client-go's reflector (see
// k8s.io/client-go/util/watchlist) to use list-then-watch even though
// client-go enables the WatchListClient feature by default. The k1s watch
// does speak the streaming-list protocol (with SendInitialEvents it ends
// the initial events with the k8s.io/initial-events-end bookmark); it
// buys nothing here, since the initial events and a List read the store's
// current state alike, and list-then-watch keeps the relist
// after a 410 an ordinary List, the path the informer tests exercise.
func (*ListerWatcher) IsWatchListSemanticsUnSupported() bool { return true }

// NewListerWatcher returns a ListerWatcher for objects of gvk in namespace
// ("" for all namespaces). When unstructured is false and the client's
// scheme knows gvk, lists hold the typed Go objects; otherwise they are
// *unstructured.UnstructuredList.
func NewListerWatcher(c client.Client, gvk schema.GroupVersionKind, unstructured bool, namespace string) *ListerWatcher {
	newList := listMaker(c.Scheme(), gvk, unstructured)
	return &ListerWatcher{ListWatch: cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			lo, err := client.ListOptionsFromMeta(opts, namespace)
			if err != nil {
				return nil, err
			}
			list := newList()
			if err := c.List(ctx, list, lo); err != nil {
				return nil, err
			}
			return list, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			lo, err := client.ListOptionsFromMeta(opts, namespace)
			if err != nil {
				return nil, err
			}
			w, err := c.Watch(ctx, newList(), lo)
			if err != nil && ctx.Err() != nil {
				// The informer is stopping. A watch that stays open
				// until the reflector stops it lets the reflector see
				// its context end and return quietly, instead of
				// logging a failed or "very short" watch.
				return watch.NewFake(), nil
			}
			return w, err
		},
	}}
}

// listMaker returns a constructor of empty lists for gvk.
func listMaker(scheme *runtime.Scheme, gvk schema.GroupVersionKind, unstruct bool) func() client.ObjectList {
	listGVK := gvk.GroupVersion().WithKind(gvk.Kind + "List")
	if !unstruct && scheme != nil && scheme.Recognizes(listGVK) {
		return func() client.ObjectList {
			obj, err := scheme.New(listGVK)
			if err != nil {
				panic(fmt.Sprintf("scheme recognizes %s but cannot create it: %v", listGVK, err))
			}
			if l, ok := obj.(client.ObjectList); ok {
				return l
			}
			// A list type without ListMeta cannot be handed to the client;
			// fall back to the unstructured shape.
			return newUnstructuredList(listGVK)
		}
	}
	return func() client.ObjectList { return newUnstructuredList(listGVK) }
}

func newUnstructuredList(listGVK schema.GroupVersionKind) client.ObjectList {
	l := &unstructured.UnstructuredList{}
	l.SetGroupVersionKind(listGVK)
	return l
}
