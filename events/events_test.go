package events_test

import (
	"context"
	"errors"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/events"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/worktracking"
)

func newClient(t *testing.T) *core.Client {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	c, err := core.New(core.Options{Storage: store})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cm(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: "uid-" + "name"}}
}

type stored struct {
	Reason, Message, Type, Object, Component string
	Count                                    int32
}

func list(t *testing.T, c client.Client) []stored {
	t.Helper()
	var l corev1.EventList
	if err := c.List(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	out := make([]stored, 0, len(l.Items))
	for _, e := range l.Items {
		out = append(out, stored{e.Reason, e.Message, e.Type, e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, e.Source.Component, e.Count})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Object+out[i].Reason+out[i].Message < out[j].Object+out[j].Reason+out[j].Message
	})
	return out
}

func TestRecorderIsAClientGoEventRecorder(t *testing.T) {
	var _ record.EventRecorder = (*events.Recorder)(nil)
	// Importing tools/record must not drag in the typed clientset.
	out, err := exec.Command("go", "list", "-deps", "github.com/k1s-dev/k1s/events").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/client-go/kubernetes") || strings.HasPrefix(dep, "sigs.k8s.io/controller-runtime") {
			t.Errorf("events depends on %s", dep)
		}
	}
}

func TestAggregationAndFlush(t *testing.T) {
	c := newClient(t)
	tracker := worktracking.New(nil)
	var errs []error
	var mu sync.Mutex
	b := events.NewBroadcaster(c, events.Options{QueueSize: 4, Host: "h", Tracker: tracker, ErrorHandler: func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}})
	ctx := context.Background()
	r := b.NewRecorder("test-controller")
	// Recorded before Start: they wait in the queue.
	r.Event(cm("a"), corev1.EventTypeNormal, "Synced", "ok")
	b.Start(ctx)
	b.Start(ctx) // idempotent
	for range 9 {
		r.Event(cm("a"), corev1.EventTypeNormal, "Synced", "ok")
	}
	r.Eventf(cm("a"), corev1.EventTypeWarning, "Failed", "attempt %d", 1)
	r.AnnotatedEventf(cm("b"), map[string]string{"note": "x"}, corev1.EventTypeNormal, "Noted", "with %s", "annotations")
	r.Event(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, corev1.EventTypeNormal, "Seen", "cluster-scoped")
	r.Event(&corev1.ObjectReference{Kind: "Thing", Namespace: "default", Name: "ref"}, corev1.EventTypeNormal, "ByRef", "reference")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	want := []stored{
		{"Failed", "attempt 1", "Warning", "ConfigMap/a", "test-controller", 1},
		{"Synced", "ok", "Normal", "ConfigMap/a", "test-controller", 10},
		{"Noted", "with annotations", "Normal", "ConfigMap/b", "test-controller", 1},
		{"Seen", "cluster-scoped", "Normal", "Namespace/default", "test-controller", 1},
		{"ByRef", "reference", "Normal", "Thing/ref", "test-controller", 1},
	}
	if diff := cmp.Diff(want, list(t, c)); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
	var l corev1.EventList
	_ = c.List(ctx, &l, client.MatchingFields{"reason": "Noted"})
	if len(l.Items) != 1 || l.Items[0].Annotations["note"] != "x" || l.Items[0].Namespace != "default" {
		t.Errorf("annotated event: %+v", l.Items)
	}

	// A repeat after the first write patches the stored event.
	r.Event(cm("a"), corev1.EventTypeNormal, "Synced", "ok")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := list(t, c)[1].Count; got != 11 {
		t.Errorf("count after a later repeat = %d, want 11", got)
	}
	// If someone deleted the stored event, the next repeat creates it anew.
	if err := c.DeleteAllOf(ctx, &corev1.Event{}, client.InNamespace("default"), client.MatchingFields{"reason": "Synced"}); err != nil {
		t.Fatal(err)
	}
	r.Event(cm("a"), corev1.EventTypeNormal, "Synced", "ok")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := list(t, c)[1]; got.Reason != "Synced" || got.Count != 1 {
		t.Errorf("after deletion the repeat stored %+v, want a new event with count 1", got)
	}

	// Errors: a bad type is refused at once.
	if err := r.Record(cm("a"), nil, "Bogus", "R", "m"); !apierrors.IsBadRequest(err) {
		t.Errorf("Record with a bad type = %v, want BadRequest", err)
	}
	r.Event(cm("a"), "Bogus", "R", "m")
	// An object that cannot be referenced.
	r.Event(&corev1.ConfigMapList{}, corev1.EventTypeNormal, "R", "m")
	// A write that fails: the namespace does not exist.
	r.Event(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "missing", Name: "x"}}, corev1.EventTypeNormal, "R", "m")
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	st := b.Stats()
	if st.Failed != 1 || st.Queued != 0 || st.Written != st.Accepted-1 {
		t.Errorf("stats %+v: want 1 failed, none queued, the rest written; errors %v", st, errs)
	}
	mu.Lock()
	if len(errs) != 3 {
		t.Errorf("error handler got %d errors, want 3: %v", len(errs), errs)
	}
	mu.Unlock()
	if got := tracker.Stats()[worktracking.EventWrite]; got.InFlight != 0 || got.Total != st.Accepted {
		t.Errorf("tracker event writes %+v, want %d total and none in flight", got, st.Accepted)
	}

	if err := b.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Record(cm("a"), nil, corev1.EventTypeNormal, "Late", "m"); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Record after Shutdown = %v, want ServiceUnavailable", err)
	}
}

func TestRecordWithActionAndLRU(t *testing.T) {
	c := newClient(t)
	b := events.NewBroadcaster(c, events.Options{CacheSize: 1})
	b.Start(context.Background())
	r := b.NewRecorder("ctl")
	if err := r.RecordWithAction(cm("a"), cm("b"), map[string]string{"k": "v"}, corev1.EventTypeNormal, "Moved", "Move", "moved"); err != nil {
		t.Fatal(err)
	}
	if err := r.RecordWithAction(cm("a"), nil, nil, "Wrong", "Moved", "Move", "moved"); err == nil {
		t.Error("RecordWithAction with a bad type: no error")
	}
	// With a cache of one, alternating events evict each other; each
	// repeat of an evicted event becomes a new stored Event.
	for _, name := range []string{"x", "y", "x", "y"} {
		r.Event(cm(name), corev1.EventTypeNormal, "Alt", "m")
		if err := b.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var l corev1.EventList
	if err := c.List(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	var moved *corev1.Event
	alt := 0
	for i := range l.Items {
		switch l.Items[i].Reason {
		case "Moved":
			moved = &l.Items[i]
		case "Alt":
			alt++
		}
	}
	if moved == nil || moved.Action != "Move" || moved.Related == nil || moved.Related.Name != "b" {
		t.Errorf("event with action: %+v", moved)
	}
	if alt != 4 {
		t.Errorf("%d Alt events stored, want 4 (the LRU holds one)", alt)
	}
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestShutdownWithoutStartAndDeadline(t *testing.T) {
	c := newClient(t)
	b := events.NewBroadcaster(c, events.Options{})
	r := b.NewRecorder("ctl")
	r.Event(cm("a"), corev1.EventTypeNormal, "Queued", "before start")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush with a cancelled context and a stopped writer = %v", err)
	}
	// Shutdown starts the writer to drain what was queued.
	if err := b.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := list(t, c); len(got) != 1 || got[0].Reason != "Queued" {
		t.Errorf("after Shutdown stored %+v, want the queued event", got)
	}

	// A tracker that is shutting down refuses events.
	tr := worktracking.New(nil)
	tr.StopAccepting()
	b2 := events.NewBroadcaster(c, events.Options{Tracker: tr})
	if err := b2.NewRecorder("x").Record(cm("a"), nil, corev1.EventTypeNormal, "R", "m"); !errors.Is(err, worktracking.ErrShuttingDown) {
		t.Errorf("Record with a closed tracker = %v", err)
	}
	dl, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if err := b2.Shutdown(dl); err != nil {
		t.Fatal(err)
	}
}
