package informers

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s/client"
)

// Options tune a Factory.
type Options struct {
	// Resync is the default resync period of the informers (0: never).
	Resync time.Duration
	// Namespace restricts every informer to one namespace; "" watches all.
	Namespace string
	// TweakListOptions, when set, edits the options of every List and
	// Watch the informers make (a label or field selector, for example).
	TweakListOptions func(*metav1.ListOptions)
	// Indexers are added to every informer on creation, besides the
	// namespace index every informer has (cache.NamespaceIndex).
	Indexers cache.Indexers
}

// Key names an informer in a Factory: a kind and whether its objects are
// unstructured.
type Key struct {
	GVK          schema.GroupVersionKind
	Unstructured bool
}

// Factory hands out one shared informer per Key. It is safe for concurrent
// use. Informers are created on first request; Start starts those created
// so far and makes the factory start later ones as they are created.
type Factory struct {
	client client.Client
	opts   Options

	mu        sync.Mutex
	informers map[Key]*entry
	ctx       context.Context // set by Start
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	stopped   bool
}

type entry struct {
	informer cache.SharedIndexInformer
	cancel   context.CancelFunc // set once started
	done     chan struct{}
}

// NewFactory returns a factory of informers over c. It starts nothing.
func NewFactory(c client.Client, opts Options) *Factory {
	return &Factory{client: c, opts: opts, informers: map[Key]*entry{}}
}

// Client returns the client the informers read through.
func (f *Factory) Client() client.Client { return f.client }

// KeyFor returns the informer key of obj: its kind (a list object names
// its item kind) and whether it is unstructured.
func (f *Factory) KeyFor(obj runtime.Object) (Key, error) {
	_, unstruct := obj.(runtime.Unstructured)
	gvk, err := f.client.GroupVersionKindFor(obj)
	if err != nil {
		return Key{}, err
	}
	if meta.IsListType(obj) {
		if k, ok := trimList(gvk.Kind); ok {
			gvk.Kind = k
		}
	}
	return Key{GVK: gvk, Unstructured: unstruct}, nil
}

func trimList(kind string) (string, bool) {
	const suffix = "List"
	if len(kind) > len(suffix) && kind[len(kind)-len(suffix):] == suffix {
		return kind[:len(kind)-len(suffix)], true
	}
	return kind, false
}

// InformerFor returns the shared informer for obj's kind and shape (obj may
// be an object or a list), creating it on first use.
func (f *Factory) InformerFor(obj runtime.Object) (cache.SharedIndexInformer, error) {
	key, err := f.KeyFor(obj)
	if err != nil {
		return nil, err
	}
	return f.Informer(key)
}

// Informer returns the shared informer for key, creating it on first use.
// A kind the client's scheme does not know is handled as unstructured.
func (f *Factory) Informer(key Key) (cache.SharedIndexInformer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.informers[key]; ok {
		return e.informer, nil
	}
	if f.stopped {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("informer for %s: the informer factory has been shut down", key.GVK))
	}
	if _, err := f.client.RESTMapper().RESTMapping(key.GVK.GroupKind(), key.GVK.Version); err != nil {
		return nil, err
	}
	lw := NewListerWatcher(f.client, key.GVK, key.Unstructured, f.opts.Namespace)
	if tweak := f.opts.TweakListOptions; tweak != nil {
		list, watchFn := lw.ListWithContextFunc, lw.WatchFuncWithContext
		lw.ListWithContextFunc = func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			tweak(&o)
			return list(ctx, o)
		}
		lw.WatchFuncWithContext = func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			tweak(&o)
			return watchFn(ctx, o)
		}
	}
	indexers := cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}
	for name, fn := range f.opts.Indexers {
		indexers[name] = fn
	}
	inf := cache.NewSharedIndexInformerWithOptions(lw, exampleObject(f.client.Scheme(), key), cache.SharedIndexInformerOptions{
		ResyncPeriod:      f.opts.Resync,
		Indexers:          indexers,
		ObjectDescription: key.GVK.String(),
	})
	e := &entry{informer: inf}
	f.informers[key] = e
	if f.ctx != nil {
		f.startLocked(e)
	}
	return inf, nil
}

// exampleObject is the object type the informer's reflector expects.
func exampleObject(scheme *runtime.Scheme, key Key) runtime.Object {
	if !key.Unstructured && scheme != nil && scheme.Recognizes(key.GVK) {
		if obj, err := scheme.New(key.GVK); err == nil {
			return obj
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(key.GVK)
	return u
}

func (f *Factory) startLocked(e *entry) {
	ctx, cancel := context.WithCancel(f.ctx)
	e.cancel = cancel
	e.done = make(chan struct{})
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		defer close(e.done)
		e.informer.RunWithContext(ctx)
	}()
}

// Start runs every informer created so far, and every one created later,
// until ctx is done or Shutdown is called. Calling Start again does
// nothing.
func (f *Factory) Start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ctx != nil || f.stopped {
		return
	}
	f.ctx, f.cancel = context.WithCancel(ctx)
	for _, e := range f.informers {
		f.startLocked(e)
	}
}

// Started reports whether Start has been called.
func (f *Factory) Started() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ctx != nil
}

// WaitForCacheSync waits until every informer started so far has synced
// or ctx is done, and reports each one's state.
func (f *Factory) WaitForCacheSync(ctx context.Context) map[Key]bool {
	f.mu.Lock()
	started := map[Key]cache.SharedIndexInformer{}
	for k, e := range f.informers {
		if e.cancel != nil {
			started[k] = e.informer
		}
	}
	f.mu.Unlock()
	res := make(map[Key]bool, len(started))
	for k, inf := range started {
		res[k] = WaitForSync(ctx, inf)
	}
	return res
}

// WaitForSync waits until inf has synced, has stopped, or ctx is done, and
// reports whether it synced. Unlike cache.WaitForCacheSync, which polls
// every 100 ms, it wakes up the moment the informer syncs: start-up time
// is a budget here. An informer that stopped before syncing (its context
// ended) never will, so that ends the wait too.
func WaitForSync(ctx context.Context, inf cache.SharedIndexInformer) bool {
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-inf.HasSyncedChecker().Done():
			return true
		case <-ctx.Done():
			return inf.HasSynced()
		case <-ticker.C:
			if inf.IsStopped() {
				return inf.HasSynced()
			}
		}
	}
}

// Informers returns the keys of the informers created so far.
func (f *Factory) Informers() []Key {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := make([]Key, 0, len(f.informers))
	for k := range f.informers {
		keys = append(keys, k)
	}
	return keys
}

// Remove stops the informer for key, if any, and forgets it; the next
// request creates a new one.
func (f *Factory) Remove(key Key) {
	f.mu.Lock()
	e, ok := f.informers[key]
	delete(f.informers, key)
	f.mu.Unlock()
	if ok && e.cancel != nil {
		e.cancel()
		<-e.done
	}
}

// Shutdown stops every informer and waits for their goroutines to end.
// The factory hands out no informer afterwards.
func (f *Factory) Shutdown() {
	f.mu.Lock()
	f.stopped = true
	cancel := f.cancel
	f.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	f.wg.Wait()
}
