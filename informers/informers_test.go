package informers_test

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/informers"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
)

var cmGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")

func newClient(t *testing.T) (*core.Client, storage.Interface) {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	c, err := core.New(core.Options{Storage: store})
	if err != nil {
		t.Fatal(err)
	}
	return c, store
}

func configMap(ns, name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}, Data: map[string]string{"k": name}}
}

func mustCreate(t *testing.T, c client.Client, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := c.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
}

func keys(inf cache.SharedIndexInformer) []string {
	k := inf.GetStore().ListKeys()
	sort.Strings(k)
	return k
}

// eventually polls cond; tests never assert durations, only that the
// state is reached before the test's own timeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestFactorySharesAndSyncs(t *testing.T) {
	c, _ := newClient(t)
	mustCreate(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		configMap("default", "a", map[string]string{"app": "x"}), configMap("other", "b", nil))
	f := informers.NewFactory(c, informers.Options{Indexers: cache.Indexers{"byKey": func(o any) ([]string, error) {
		m, err := meta.Accessor(o)
		if err != nil {
			return nil, err
		}
		return []string{m.GetName()}, nil
	}}})
	inf, err := f.InformerFor(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := f.InformerFor(&corev1.ConfigMapList{})
	if inf != again {
		t.Error("a ConfigMap and a ConfigMapList got different informers")
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(cmGVK)
	uinf, err := f.InformerFor(u)
	if err != nil {
		t.Fatal(err)
	}
	if uinf == inf {
		t.Error("unstructured and typed ConfigMaps share an informer")
	}
	if f.Started() {
		t.Error("factory started before Start")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx)
	f.Start(ctx) // idempotent
	for k, ok := range f.WaitForCacheSync(ctx) {
		if !ok {
			t.Errorf("%v did not sync", k)
		}
	}
	if diff := cmp.Diff([]string{"default/a", "other/b"}, keys(inf)); diff != "" {
		t.Errorf("typed informer keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"default/a", "other/b"}, keys(uinf)); diff != "" {
		t.Errorf("unstructured informer keys (-want +got):\n%s", diff)
	}
	if _, ok := uinf.GetStore().List()[0].(*unstructured.Unstructured); !ok {
		t.Errorf("unstructured informer holds %T", uinf.GetStore().List()[0])
	}
	byNS, _ := inf.GetIndexer().ByIndex(cache.NamespaceIndex, "other")
	byKey, _ := inf.GetIndexer().ByIndex("byKey", "a")
	if len(byNS) != 1 || len(byKey) != 1 {
		t.Errorf("namespace index gave %d, custom index %d; want 1 and 1", len(byNS), len(byKey))
	}
	if n := len(f.Informers()); n != 2 {
		t.Errorf("factory has %d informers, want 2", n)
	}

	// A change reaches the running informer; an informer created after
	// Start starts at once.
	mustCreate(t, c, configMap("default", "c", nil))
	eventually(t, "informer sees c", func() bool { return len(keys(inf)) == 3 })
	sinf, err := f.InformerFor(&corev1.Secret{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "late informer syncs", sinf.HasSynced)

	f.Remove(informers.Key{GVK: cmGVK, Unstructured: true})
	if n := len(f.Informers()); n != 2 {
		t.Errorf("after Remove the factory has %d informers, want 2", n)
	}
	f.Shutdown()
	if !inf.IsStopped() {
		t.Error("informer still running after Shutdown")
	}
	if _, err := f.InformerFor(&corev1.ServiceAccount{}); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("InformerFor after Shutdown = %v, want ServiceUnavailable", err)
	}
	f.Start(ctx) // after Shutdown: nothing, and no panic
}

func TestFactoryErrors(t *testing.T) {
	c, _ := newClient(t)
	f := informers.NewFactory(c, informers.Options{})
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "nowhere.example.com", Version: "v1", Kind: "Ghost"})
	if _, err := f.InformerFor(u); err == nil {
		t.Error("informer for an unknown kind: no error")
	}
	if _, err := f.KeyFor(&struct{ corev1.ConfigMap }{}); err == nil {
		t.Error("KeyFor of a type outside the scheme: no error")
	}
	if f.Client() != client.Client(c) {
		t.Error("Client() is not the factory's client")
	}
	f.Remove(informers.Key{GVK: cmGVK}) // absent: nothing happens
	f.Shutdown()                        // never started: returns at once
}

func TestSelectorsAndResync(t *testing.T) {
	c, _ := newClient(t)
	mustCreate(t, c, configMap("default", "a", map[string]string{"app": "x"}), configMap("default", "b", map[string]string{"app": "y"}))
	f := informers.NewFactory(c, informers.Options{
		Namespace: "default",
		Resync:    10 * time.Millisecond,
		TweakListOptions: func(o *metav1.ListOptions) {
			o.LabelSelector = "app=x"
			o.FieldSelector = "metadata.namespace=default"
		},
	})
	inf, err := f.InformerFor(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	var updates atomic.Int64
	if _, err := inf.AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, _ any) { updates.Add(1) },
	}, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.Start(ctx)
	defer f.Shutdown()
	f.WaitForCacheSync(ctx)
	if diff := cmp.Diff([]string{"default/a"}, keys(inf)); diff != "" {
		t.Errorf("selected keys (-want +got):\n%s", diff)
	}
	eventually(t, "a resync update", func() bool { return updates.Load() > 0 })
	// A label change moves b into the selection.
	var b corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "b"}, &b); err != nil {
		t.Fatal(err)
	}
	b.Labels["app"] = "x"
	if err := c.Update(ctx, &b); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b selected", func() bool { return len(keys(inf)) == 2 })
}

func TestListerWatcherBadSelectors(t *testing.T) {
	c, _ := newClient(t)
	lw := informers.NewListerWatcher(c, cmGVK, false, "")
	if !lw.IsWatchListSemanticsUnSupported() {
		t.Error("ListerWatcher claims watch-list support")
	}
	ctx := context.Background()
	// The API server's answers: a BadRequest with the parser's text.
	for _, tc := range []struct {
		o   metav1.ListOptions
		msg string
	}{
		{metav1.ListOptions{LabelSelector: "a in (b"}, "unable to parse requirement: found '', expected: ',' or ')'"},
		{metav1.ListOptions{FieldSelector: "a=b=c=="}, "invalid field selector: unescaped character in value: 61"},
	} {
		if _, err := lw.ListWithContext(ctx, tc.o); !apierrors.IsBadRequest(err) || err.Error() != tc.msg {
			t.Errorf("List(%+v) = %v, want BadRequest %q", tc.o, err, tc.msg)
		}
		if _, err := lw.WatchWithContext(ctx, tc.o); !apierrors.IsBadRequest(err) || err.Error() != tc.msg {
			t.Errorf("Watch(%+v) = %v, want BadRequest %q", tc.o, err, tc.msg)
		}
	}
}

// staleFirstWatch makes the reflector's first watch start from revision
// 1, as if it had been disconnected for long: the store has compacted
// that history, so the watch is 410 Gone and the reflector must relist.
type staleFirstWatch struct {
	client.Client
	watches atomic.Int64
	lists   atomic.Int64
}

func (s *staleFirstWatch) List(ctx context.Context, l client.ObjectList, opts ...client.ListOption) error {
	s.lists.Add(1)
	return s.Client.List(ctx, l, opts...)
}

func (s *staleFirstWatch) Watch(ctx context.Context, l client.ObjectList, opts ...client.ListOption) (watch.Interface, error) {
	if s.watches.Add(1) == 1 {
		opts = append(opts, &client.ListOptions{ResourceVersion: "1"})
	}
	return s.Client.Watch(ctx, l, opts...)
}

func TestGoneRelists(t *testing.T) {
	c, store := newClient(t)
	for i := range 5 {
		mustCreate(t, c, configMap("default", "cm"+strconv.Itoa(i), nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rev, err := store.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	// The ListerWatcher passes the 410 through.
	lw := informers.NewListerWatcher(c, cmGVK, true, "default")
	w, err := lw.WatchWithContext(ctx, metav1.ListOptions{ResourceVersion: "1"})
	if err == nil {
		ev := <-w.ResultChan()
		w.Stop()
		if ev.Type != watch.Error {
			t.Fatalf("watch from a compacted revision gave %s, want an error", ev.Type)
		}
		err = apierrors.FromObject(ev.Object)
	}
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from a compacted revision: %v, want 410", err)
	}

	stale := &staleFirstWatch{Client: c}
	f := informers.NewFactory(stale, informers.Options{})
	inf, err := f.InformerFor(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	f.Start(ctx)
	defer f.Shutdown()
	f.WaitForCacheSync(ctx)
	mustCreate(t, c, configMap("default", "after", nil))
	eventually(t, "the informer relisted and resumed watching", func() bool {
		return stale.watches.Load() >= 2 && len(keys(inf)) == 6
	})
	if stale.lists.Load() < 2 {
		t.Errorf("the reflector listed %d time(s); want a relist after 410", stale.lists.Load())
	}
}

// TestConcurrentInformerRequests checks that concurrent requests for one
// kind share one informer.
func TestConcurrentInformerRequests(t *testing.T) {
	c, _ := newClient(t)
	f := informers.NewFactory(c, informers.Options{})
	var wg sync.WaitGroup
	got := make([]cache.SharedIndexInformer, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = f.InformerFor(&corev1.ConfigMap{})
		}()
	}
	wg.Wait()
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("request %d got a different informer", i)
		}
	}
}
