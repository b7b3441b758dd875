package memory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
)

var widgets = schema.GroupResource{Group: "apps", Resource: "widgets"}

func key(name string) string { return storage.Key("t", widgets, "ns", name) }

var nsPrefix = storage.Prefix("t", widgets, "ns")

func open(t *testing.T, opts ...memory.Option) *memory.Store {
	t.Helper()
	s := memory.New(opts...)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// must unwraps a result whose error the test does not expect; the panic
// fails the test with the failing call on the stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func isGone(err error) bool { return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) }

// receive reads one event; the timeout only detects a hang.
func receive(t *testing.T, w storage.Watcher) (storage.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		return ev, ok
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event")
		return storage.Event{}, false
	}
}

// A reader that does not keep up gets its buffered events, then a 410, then
// a closed channel; the writers never wait for it and other watchers go on.
func TestWatchOverflowEndsWithGone(t *testing.T) {
	s := open(t, memory.WatchBuffer(4))
	ctx := t.Context()
	slow := must(s.Watch(ctx, nsPrefix, 0))
	defer slow.Stop()
	var revs []int64
	for i := range 10 {
		revs = append(revs, must(s.Create(ctx, key(fmt.Sprint(i)), []byte("v"))))
		if i == 2 {
			// A watcher started later, within the buffer, is unaffected.
			fast := must(s.Watch(ctx, nsPrefix, 0))
			defer fast.Stop()
			go func() {
				for range fast.ResultChan() {
				}
			}()
		}
	}
	var got []int64
	for range 4 {
		ev, ok := receive(t, slow)
		if !ok || ev.Type != storage.Added {
			t.Fatalf("got %s (open %v), want a buffered ADDED event", ev.Type, ok)
		}
		got = append(got, ev.Revision)
	}
	if d := cmp.Diff(revs[:4], got); d != "" {
		t.Fatalf("buffered revisions (-want +got):\n%s", d)
	}
	ev, ok := receive(t, slow)
	if !ok || ev.Type != storage.Error || !isGone(ev.Err) {
		t.Fatalf("after the buffer: got %s %v (open %v), want an Error event with 410", ev.Type, ev.Err, ok)
	}
	if _, ok := receive(t, slow); ok {
		t.Fatal("channel still open after the 410")
	}
}

// Stop ends an overflowed watch whose reader never drains it.
func TestStopOverflowedWatch(t *testing.T) {
	s := open(t, memory.WatchBuffer(1))
	w := must(s.Watch(t.Context(), nsPrefix, 0))
	for i := range 3 {
		must(s.Create(t.Context(), key(fmt.Sprint(i)), nil))
	}
	w.Stop()
	n := 0
	for range w.ResultChan() {
		n++
	}
	if n != 1 {
		t.Fatalf("read %d events after Stop, want the 1 buffered", n)
	}
}

// The store keeps exactly Retention revisions: reads and watches inside
// the window work, older ones are 410.
func TestHistoryWindow(t *testing.T) {
	const window = 5
	s := open(t, memory.Retention(window))
	ctx := t.Context()
	must(s.Create(ctx, key("a"), []byte("0")))
	must(s.Create(ctx, key("gone"), []byte("x")))
	must(s.Delete(ctx, key("gone"), nil))
	for i := range 3000 {
		must(s.Update(ctx, key("a"), func(storage.KeyValue) ([]byte, error) { return []byte(fmt.Sprint(i)), nil }))
	}
	cur := must(s.CurrentRevision(ctx))
	for _, tc := range []struct {
		rev  int64
		gone bool
	}{
		{1, true},
		{cur - window - 1, true},
		{cur - window, false},
		{cur, false},
	} {
		res, err := s.List(ctx, nsPrefix, storage.ListOptions{Revision: tc.rev})
		if tc.gone != isGone(err) || (!tc.gone && err != nil) {
			t.Errorf("List at %d (current %d): err %v, want gone=%v", tc.rev, cur, err, tc.gone)
		}
		if !tc.gone && (len(res.Items) != 1 || string(res.Items[0].Value) != fmt.Sprint(2999-(cur-tc.rev))) {
			t.Errorf("List at %d: %+v", tc.rev, res.Items)
		}
		w, err := s.Watch(ctx, nsPrefix, tc.rev)
		if tc.gone != isGone(err) || (!tc.gone && err != nil) {
			t.Errorf("Watch from %d (current %d): err %v, want gone=%v", tc.rev, cur, err, tc.gone)
		}
		if err == nil {
			for r := tc.rev + 1; r <= cur; r++ {
				if ev, _ := receive(t, w); ev.Revision != r {
					t.Errorf("Watch from %d: got revision %d, want %d", tc.rev, ev.Revision, r)
				}
			}
			w.Stop()
		}
	}
	if n := must(s.Count(ctx, nsPrefix)); n != 1 {
		t.Fatalf("Count %d, want 1", n)
	}
	// A key whose tombstone was compacted away can be created again.
	must(s.Create(ctx, key("gone"), []byte("again")))
}

func TestTxnRejects(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	rev := must(s.Create(ctx, key("a"), nil))
	for _, tc := range []struct {
		name string
		ops  []storage.Op
	}{
		{"duplicate key", []storage.Op{{Type: storage.OpPut, Key: key("a")}, {Type: storage.OpDelete, Key: key("a")}}},
		{"unknown type", []storage.Op{{Type: 42, Key: key("a")}}},
	} {
		if _, err := s.Txn(ctx, tc.ops); !apierrors.IsBadRequest(err) {
			t.Errorf("Txn with %s: err %v, want BadRequest", tc.name, err)
		}
	}
	if got := must(s.Txn(ctx, nil)); got != rev {
		t.Errorf("empty Txn returned %d, want the current revision %d", got, rev)
	}
	if got := must(s.CurrentRevision(ctx)); got != rev {
		t.Errorf("rejected Txns moved the revision to %d", got)
	}
}

func TestCompactAndListBounds(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	for i := range 4 {
		must(s.Create(ctx, key(fmt.Sprint(i)), nil))
	}
	if err := s.Compact(ctx, 5); !apierrors.IsBadRequest(err) {
		t.Errorf("Compact beyond the current revision: %v, want BadRequest", err)
	}
	if err := s.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(ctx, 2); err != nil {
		t.Errorf("Compact below the compacted revision: %v, want no-op", err)
	}
	if _, err := s.List(ctx, nsPrefix, storage.ListOptions{Revision: 2}); !isGone(err) {
		t.Errorf("List at 2 after Compact(3): %v, want 410", err)
	}
	if _, err := s.List(ctx, nsPrefix, storage.ListOptions{Revision: 5}); !apierrors.IsTimeout(err) {
		t.Errorf("List at a future revision: %v, want Timeout (too large resource version)", err)
	}
}

func TestContinueTokenValidation(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	for i := range 3 {
		must(s.Create(ctx, key(fmt.Sprint(i)), nil))
	}
	page := must(s.List(ctx, nsPrefix, storage.ListOptions{Limit: 1}))
	for _, tc := range []struct{ name, prefix, token string }{
		{"token of another prefix", storage.Prefix("t", widgets, "other"), page.Continue},
		{"not base64", nsPrefix, "%%%"},
		{"no varint", nsPrefix, "gA"},
		{"no key", nsPrefix, "Ag"},
	} {
		if _, err := s.List(ctx, tc.prefix, storage.ListOptions{Limit: 1, Continue: tc.token}); !apierrors.IsBadRequest(err) {
			t.Errorf("%s: %v, want BadRequest", tc.name, err)
		}
	}
}

// Update and Delete call their callbacks without the lock, so a write that
// lands meanwhile makes them read again and call the callback again.
func TestRetryOnConcurrentWrite(t *testing.T) {
	s := open(t)
	ctx := t.Context()
	must(s.Create(ctx, key("a"), []byte("1")))
	calls := 0
	kv := must(s.Update(ctx, key("a"), func(cur storage.KeyValue) ([]byte, error) {
		calls++
		if calls == 1 {
			must(s.Update(ctx, key("a"), func(storage.KeyValue) ([]byte, error) { return []byte("2"), nil }))
		}
		return append(cur.Value, '+'), nil
	}))
	if calls != 2 || string(kv.Value) != "2+" {
		t.Fatalf("Update called fn %d times and wrote %q, want 2 calls and \"2+\"", calls, kv.Value)
	}
	calls = 0
	kv = must(s.Delete(ctx, key("a"), func(cur storage.KeyValue) error {
		calls++
		if calls == 1 {
			must(s.Update(ctx, key("a"), func(storage.KeyValue) ([]byte, error) { return []byte("3"), nil }))
		}
		return nil
	}))
	if calls != 2 || string(kv.Value) != "3" {
		t.Fatalf("Delete called check %d times and deleted %q, want 2 calls and \"3\"", calls, kv.Value)
	}
	// A key deleted while fn ran is NotFound on the retry.
	must(s.Create(ctx, key("b"), nil))
	_, err := s.Update(ctx, key("b"), func(storage.KeyValue) ([]byte, error) {
		_, _ = s.Delete(ctx, key("b"), nil)
		return []byte("late"), nil
	})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("Update of a key deleted meanwhile: %v, want NotFound", err)
	}
}

func TestCancelledContext(t *testing.T) {
	s := open(t)
	must(s.Create(t.Context(), key("a"), nil))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, do := range map[string]func() error{
		"Create": func() error { _, err := s.Create(ctx, key("b"), nil); return err },
		"Get":    func() error { _, err := s.Get(ctx, key("a")); return err },
		"Update": func() error {
			_, err := s.Update(ctx, key("a"), func(storage.KeyValue) ([]byte, error) { return nil, nil })
			return err
		},
		"Delete":  func() error { _, err := s.Delete(ctx, key("a"), nil); return err },
		"Txn":     func() error { _, err := s.Txn(ctx, nil); return err },
		"Watch":   func() error { _, err := s.Watch(ctx, nsPrefix, 0); return err },
		"Compact": func() error { return s.Compact(ctx, 1) },
	} {
		if err := do(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s on a cancelled context: %v, want context.Canceled", name, err)
		}
	}
}

// Update and Delete notice a Close that happens while their callback runs.
func TestCloseDuringCallback(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	must(s.Create(ctx, key("a"), nil))
	if _, err := s.Update(ctx, key("a"), func(storage.KeyValue) ([]byte, error) { _ = s.Close(); return nil, nil }); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Update closed during fn: %v, want ServiceUnavailable", err)
	}
	s = open(t)
	must(s.Create(ctx, key("a"), nil))
	if _, err := s.Delete(ctx, key("a"), func(storage.KeyValue) error { return s.Close() }); !apierrors.IsServiceUnavailable(err) {
		t.Errorf("Delete closed during check: %v, want ServiceUnavailable", err)
	}
}
