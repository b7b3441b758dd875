package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
)

// eventTimeout bounds every wait for a watch event or a closed channel. It
// is a hang detector, not a latency assertion: a healthy backend delivers
// within milliseconds.
const eventTimeout = 10 * time.Second

// The suite's keys use a resource of its own so that they never look like
// the benchmark's.
var suiteResource = schema.GroupResource{Group: "apps", Resource: "widgets"}

// key returns a namespaced suite key.
func key(tenant, namespace, name string) string {
	return storage.Key(tenant, suiteResource, namespace, name)
}

// prefix returns the suite prefix of one namespace ("" for all of them).
func prefix(tenant, namespace string) string {
	return storage.Prefix(tenant, suiteResource, namespace)
}

func val(s string) []byte { return []byte(s) }

// errKind names an apimachinery error predicate.
type errKind struct {
	name string
	is   func(error) bool
}

var (
	notFound      = errKind{"NotFound", apierrors.IsNotFound}
	alreadyExists = errKind{"AlreadyExists", apierrors.IsAlreadyExists}
	conflict      = errKind{"Conflict", apierrors.IsConflict}
	tooLarge      = errKind{"RequestEntityTooLarge", apierrors.IsRequestEntityTooLargeError}
	gone          = errKind{"ResourceExpired or Gone (410)", isGone}
	anyError      = errKind{"an error", func(err error) bool { return err != nil }}
)

func isGone(err error) bool { return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) }

// ok fails the test on an unexpected error.
func ok(t *testing.T, err error, format string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", fmt.Sprintf(format, args...), err)
	}
}

// fails requires err to be of kind want.
func fails(t *testing.T, err error, want errKind, format string, args ...any) {
	t.Helper()
	if err == nil || !want.is(err) {
		t.Fatalf("%s: got error %v, want %s", fmt.Sprintf(format, args...), err, want.name)
	}
}

// check fails the test when cond is false.
func check(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if !cond {
		t.Fatalf(format, args...)
	}
}

// equal compares with go-cmp; nil and empty slices are equal because
// backends legitimately return either for an empty value.
func equal[T any](t *testing.T, got, want T, format string, args ...any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", fmt.Sprintf(format, args...), d)
	}
}

func create(t *testing.T, s storage.Interface, k string, v []byte) int64 {
	t.Helper()
	rev, err := s.Create(t.Context(), k, v)
	ok(t, err, "Create %s", k)
	return rev
}

func get(t *testing.T, s storage.Interface, k string) storage.KeyValue {
	t.Helper()
	kv, err := s.Get(t.Context(), k)
	ok(t, err, "Get %s", k)
	return kv
}

// put replaces a key's value through Update.
func put(t *testing.T, s storage.Interface, k string, v []byte) storage.KeyValue {
	t.Helper()
	kv, err := s.Update(t.Context(), k, func(storage.KeyValue) ([]byte, error) { return v, nil })
	ok(t, err, "Update %s", k)
	return kv
}

func del(t *testing.T, s storage.Interface, k string) storage.KeyValue {
	t.Helper()
	kv, err := s.Delete(t.Context(), k, nil)
	ok(t, err, "Delete %s", k)
	return kv
}

func txn(t *testing.T, s storage.Interface, ops ...storage.Op) int64 {
	t.Helper()
	rev, err := s.Txn(t.Context(), ops)
	ok(t, err, "Txn")
	return rev
}

func current(t *testing.T, s storage.Interface) int64 {
	t.Helper()
	rev, err := s.CurrentRevision(t.Context())
	ok(t, err, "CurrentRevision")
	return rev
}

func count(t *testing.T, s storage.Interface, p string) int64 {
	t.Helper()
	n, err := s.Count(t.Context(), p)
	ok(t, err, "Count %s", p)
	return n
}

func list(t *testing.T, s storage.Interface, p string, opts storage.ListOptions) storage.ListResult {
	t.Helper()
	res, err := s.List(t.Context(), p, opts)
	ok(t, err, "List %s %+v", p, opts)
	return res
}

// listPages reads a whole prefix limit items at a time and returns every
// page.
func listPages(t *testing.T, s storage.Interface, p string, limit int64, between func(page int)) []storage.ListResult {
	t.Helper()
	var pages []storage.ListResult
	opts := storage.ListOptions{Limit: limit}
	for {
		res := list(t, s, p, opts)
		check(t, int64(len(res.Items)) <= limit, "page %d has %d items, over the limit %d", len(pages), len(res.Items), limit)
		pages = append(pages, res)
		if res.Continue == "" {
			return pages
		}
		check(t, len(pages) < 10000, "pagination of %s does not end", p)
		if between != nil {
			between(len(pages))
		}
		opts = storage.ListOptions{Limit: limit, Continue: res.Continue}
	}
}

// unchanged requires the store's revision to still be before, and is how
// the suite proves that a failed write wrote nothing.
func unchanged(t *testing.T, s storage.Interface, before int64, what string) {
	t.Helper()
	check(t, current(t, s) == before, "%s moved the revision from %d to %d; a failed write must write nothing", what, before, current(t, s))
}

func startWatch(t *testing.T, s storage.Interface, ctx context.Context, p string, from int64) storage.Watcher {
	t.Helper()
	w, err := s.Watch(ctx, p, from)
	ok(t, err, "Watch %s from %d", p, from)
	t.Cleanup(w.Stop)
	return w
}

// next returns the watcher's next event, failing if the channel closes or
// nothing arrives within eventTimeout.
func next(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	select {
	case ev, open := <-w.ResultChan():
		check(t, open, "watch channel closed while an event was expected")
		return ev
	case <-time.After(eventTimeout):
		t.Fatalf("no watch event within %v", eventTimeout)
		return storage.Event{}
	}
}

// nextN returns the watcher's next n events.
func nextN(t *testing.T, w storage.Watcher, n int) []storage.Event {
	t.Helper()
	evs := make([]storage.Event, 0, n)
	for range n {
		evs = append(evs, next(t, w))
	}
	return evs
}

// drainClosed reads until the channel closes and returns what it read.
func drainClosed(t *testing.T, w storage.Watcher) []storage.Event {
	t.Helper()
	var evs []storage.Event
	deadline := time.After(eventTimeout)
	for {
		select {
		case ev, open := <-w.ResultChan():
			if !open {
				return evs
			}
			evs = append(evs, ev)
		case <-deadline:
			t.Fatalf("watch channel not closed within %v (read %d events)", eventTimeout, len(evs))
			return nil
		}
	}
}

// equalEvents compares events after ordering each revision's events by key
// (a Txn's events share one revision and their order within it is not part
// of the contract) and after checking PrevValue where the backend sets it.
func equalEvents(t *testing.T, got, want []storage.Event, what string) {
	t.Helper()
	got, want = sortedEvents(got), sortedEvents(want)
	for i := range min(len(got), len(want)) {
		if got[i].Err != nil {
			t.Fatalf("%s: event %d is an error: %v", what, i, got[i].Err)
		}
		if got[i].PrevValue == nil {
			want[i].PrevValue = nil
		}
	}
	equal(t, got, want, "%s events", what)
}

func sortedEvents(evs []storage.Event) []storage.Event {
	out := append([]storage.Event(nil), evs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Revision != out[j].Revision {
			return out[i].Revision < out[j].Revision
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// requireGoneWatch accepts both forms the contract allows for a watch from
// a compacted revision: an error from Watch, or an Error event first and
// then a closed channel.
func requireGoneWatch(t *testing.T, s storage.Interface, p string, from int64) {
	t.Helper()
	w, err := s.Watch(t.Context(), p, from)
	if err != nil {
		fails(t, err, gone, "Watch %s from compacted revision %d", p, from)
		return
	}
	defer w.Stop()
	ev := next(t, w)
	check(t, ev.Type == storage.Error, "watch from compacted revision %d: first event is %s %s, want an Error event", from, ev.Type, ev.Key)
	fails(t, ev.Err, gone, "watch from compacted revision %d: Error event", from)
	drainClosed(t, w)
}

// errSentinel is what the suite's callbacks return to prove that a
// backend passes callback errors through unchanged.
var errSentinel = errors.New("storagetest: callback refused the update")

// show prints an optional count; format arguments are evaluated even when
// the check passes, so they must not dereference nil.
func show(n *int64) string {
	if n == nil {
		return "nil"
	}
	return fmt.Sprint(*n)
}
