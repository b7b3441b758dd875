package managed_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
	"github.com/k1s-dev/k1s/worktracking"
)

func coreOpts(s storage.Interface) core.Options {
	return core.Options{Storage: s}
}

func newMemory(t *testing.T) storage.Interface {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

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

func TestBoundary(t *testing.T) {
	for _, pkg := range []string{"github.com/k1s-dev/k1s", "github.com/k1s-dev/k1s/managed"} {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.HasPrefix(dep, "sigs.k8s.io/controller-runtime") || strings.HasPrefix(dep, "k8s.io/client-go/kubernetes") {
				t.Errorf("%s links %s", pkg, dep)
			}
		}
	}
}

func TestOptionsAndDisabledComponents(t *testing.T) {
	store := newMemory(t)
	if _, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{CoreClientOptions: coreOpts(store), PluginConfig: &managed.PluginConfig{}}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "PluginConfig") {
		t.Errorf("non-nil PluginConfig: %v, want a BadRequest naming PluginConfig", err)
	}
	if _, err := managed.New(managed.Options{}); err == nil {
		t.Error("no storage and no client: no error")
	}
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{CoreClientOptions: coreOpts(store)})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"EnableInformers":   second(rt.InformerFactory()),
		"EnableEvents":      second(rt.GetEventRecorderFor("x")),
		"EnableControllers": rt.SetControllerManager(nil),
	} {
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), name) {
			t.Errorf("disabled component: %v, want a BadRequest naming %s", err, name)
		}
	}
	if _, err := rt.GetInformerFor(&corev1.ConfigMap{}); err == nil {
		t.Error("GetInformerFor with informers disabled: no error")
	}
	if rt.Scheme() == nil || rt.Options().EnableEvents || rt.ControllerManager() != nil {
		t.Error("accessors")
	}
}

func second[T any](_ T, err error) error { return err }

type stopper struct{ stopped atomic.Int32 }

func (s *stopper) Stop(context.Context) error { s.stopped.Add(1); return errors.New("stop failed") }

func TestLifecycle(t *testing.T) {
	store := newMemory(t)
	base := goruntime.NumGoroutine()
	rt, err := managed.New(managed.Options{CoreClientOptions: coreOpts(store), EnableInformers: true, EnableEvents: true, EnableControllers: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	inf, err := rt.GetInformerFor(&corev1.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rt.GetEventRecorderFor("lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if n := goruntime.NumGoroutine(); n != base {
		t.Errorf("%d goroutines before Start, %d at the beginning", n, base)
	}
	if rt.Started() {
		t.Error("Started before Start")
	}
	s := &stopper{}
	if err := rt.SetControllerManager(s); err != nil {
		t.Fatal(err)
	}
	if err := rt.SetControllerManager(s); !apierrors.IsAlreadyExists(err) {
		t.Errorf("second controller manager: %v", err)
	}
	if rt.ControllerManager() != s {
		t.Error("ControllerManager() is not the one set")
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, "informer sync", inf.HasSynced)
	if err := rt.Client().Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "informer sees a", func() bool { return len(inf.GetStore().List()) == 1 })
	rec.Event(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "a"}}, corev1.EventTypeNormal, "Seen", "a")

	err = rt.Shutdown(ctx)
	if err == nil || !strings.Contains(err.Error(), "stop failed") || s.stopped.Load() != 1 {
		t.Errorf("Shutdown = %v; want the manager's Stop called and its error reported", err)
	}
	var evs corev1.EventList
	if err := rt.CoreClient().List(ctx, &evs); err != nil || len(evs.Items) != 1 {
		t.Errorf("after Shutdown: %d events stored (%v), want the recorded one", len(evs.Items), err)
	}
	if err := rt.Client().Get(ctx, client.ObjectKey{Namespace: "default", Name: "a"}, &corev1.ConfigMap{}); !errors.Is(err, worktracking.ErrShuttingDown) {
		t.Errorf("client call after Shutdown: %v", err)
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
	if err := rt.Start(ctx); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Start after Shutdown = %v", err)
	}
	for _, err := range []error{second(rt.InformerFactory()), second(rt.EventBroadcaster()), rt.SetControllerManager(s)} {
		if !apierrors.IsServiceUnavailable(err) {
			t.Errorf("component after Shutdown: %v", err)
		}
	}
	eventually(t, "goroutines to end", func() bool { return goruntime.NumGoroutine() <= base })
}

// TestComponentsCreatedAfterStartRun covers informers and events first
// asked for once the runtime runs.
func TestComponentsCreatedAfterStartRun(t *testing.T) {
	rt, err := managed.New(managed.Options{CoreClientOptions: coreOpts(newMemory(t)), EnableInformers: true, EnableEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	inf, err := rt.GetInformerFor(&corev1.Secret{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "late informer sync", inf.HasSynced)
	rec, err := rt.GetEventRecorderFor("late")
	if err != nil {
		t.Fatal(err)
	}
	rec.Event(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "s"}}, corev1.EventTypeNormal, "Late", "m")
	b, _ := rt.EventBroadcaster()
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rt.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownUnderLoad cancels while 8 goroutines write and record
// events; afterwards every acknowledged write and every accepted event is
// in the store (reopened from its file).
func TestShutdownUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "load.db")
	store, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := managed.New(managed.Options{CoreClientOptions: coreOpts(store), EnableEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := rt.GetEventRecorderFor("load")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		acked    []string
		events   int64
		wg       sync.WaitGroup
		progress atomic.Int64
	)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name(g, i)}}
				if err := rt.Client().Create(ctx, cm); err != nil {
					if !errors.Is(err, worktracking.ErrShuttingDown) {
						t.Errorf("create: %v", err)
					}
					return
				}
				mu.Lock()
				acked = append(acked, cm.Name)
				mu.Unlock()
				progress.Add(1)
				if err := rec.Record(cm, nil, corev1.EventTypeNormal, "Created", "created "+cm.Name); err != nil {
					if !apierrors.IsServiceUnavailable(err) {
						t.Errorf("event: %v", err)
					}
					return
				}
				atomic.AddInt64(&events, 1)
			}
		}()
	}
	eventually(t, "writers under way", func() bool { return progress.Load() >= 200 })
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := rt.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	wg.Wait()
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reopened.Close() }()
	c, err := core.New(coreOpts(reopened))
	if err != nil {
		t.Fatal(err)
	}
	var cms corev1.ConfigMapList
	if err := c.List(ctx, &cms, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, cm := range cms.Items {
		have[cm.Name] = true
	}
	for _, n := range acked {
		if !have[n] {
			t.Errorf("acknowledged write %s is not in the store", n)
		}
	}
	var evs corev1.EventList
	if err := c.List(ctx, &evs, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	var stored int64
	for _, e := range evs.Items {
		stored += int64(e.Count)
	}
	if stored != atomic.LoadInt64(&events) {
		t.Errorf("%d events stored (counting repeats), %d accepted", stored, events)
	}
	t.Logf("%d writes and %d events acknowledged before shutdown", len(acked), events)
}

func name(g, i int) string {
	return "cm-" + string(rune('a'+g)) + "-" + itoa(i)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}
