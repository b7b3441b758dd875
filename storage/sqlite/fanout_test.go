package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// nextEvent returns w's next event, failing after a hang-detector timeout.
func nextEvent(t *testing.T, w storage.Watcher) storage.Event {
	t.Helper()
	select {
	case ev, open := <-w.ResultChan():
		if !open {
			t.Fatal("watch channel closed while an event was expected")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
		return storage.Event{}
	}
}

// TestWatchersShareOneLogRead holds issue 13.3's fan-out: with many
// watchers of one store, each write of this process costs one query of
// the log in all, not one per watcher (and not two, the write's wake-up
// and the poller's noticing the same commit).
func TestWatchersShareOneLogRead(t *testing.T) {
	s := openTest(t)
	const watchers, writes = 20, 50
	var ws []storage.Watcher
	for range watchers {
		w, err := s.Watch(t.Context(), "/f/", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		ws = append(ws, w)
	}
	// The first write lets every watcher settle (a watcher started from
	// now may read the log once to catch up with the hub).
	if _, err := s.Create(t.Context(), "/f/start", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		nextEvent(t, w)
	}
	before := s.logReads.Load()
	for i := range writes {
		k := fmt.Sprintf("/f/k%02d", i)
		if _, err := s.Create(t.Context(), k, []byte("v")); err != nil {
			t.Fatal(err)
		}
		for j, w := range ws {
			if ev := nextEvent(t, w); ev.Key != k {
				t.Fatalf("watcher %d: got %s %s, want the creation of %s", j, ev.Type, ev.Key, k)
			}
		}
	}
	// One read per write, plus the poller's look after the WAL changed,
	// which finds nothing new when the write's own wake-up came first.
	if reads := s.logReads.Load() - before; reads > 2*writes {
		t.Errorf("%d watchers, %d writes: %d reads of the log, want at most %d (one pass per commit, shared)", watchers, writes, reads, 2*writes)
	}
}

// TestSlowWatcherCompacted leaves a watcher unread past its buffer while
// another keeps up, then compacts: the slow one, which reads the log on
// its own once the hub left it, delivers what it had and a 410, and the
// fast one is not disturbed.
func TestSlowWatcherCompacted(t *testing.T) {
	s := openTest(t)
	slow, err := s.Watch(t.Context(), "/c/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Stop()
	fast, err := s.Watch(t.Context(), "/c/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Stop()
	const writes = 3 * watchBuffer
	for i := range writes {
		rev, err := s.Create(t.Context(), fmt.Sprintf("/c/k%04d", i), []byte("v"))
		if err != nil {
			t.Fatal(err)
		}
		if ev := nextEvent(t, fast); ev.Revision != rev {
			t.Fatalf("fast watcher: event at revision %d, want %d", ev.Revision, rev)
		}
	}
	cur, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Superseded rows are what compaction removes: update everything.
	for i := range writes {
		if _, err := s.Update(t.Context(), fmt.Sprintf("/c/k%04d", i), func(storage.KeyValue) ([]byte, error) { return []byte("w"), nil }); err != nil {
			t.Fatal(err)
		}
		nextEvent(t, fast)
	}
	if err := s.Compact(t.Context(), cur+writes); err != nil {
		t.Fatal(err)
	}
	var n int
	for {
		ev := nextEvent(t, slow)
		if ev.Type == storage.Error {
			if !apierrors.IsResourceExpired(ev.Err) && !apierrors.IsGone(ev.Err) {
				t.Fatalf("slow watcher's error after %d events: %v, want 410", n, ev.Err)
			}
			break
		}
		n++
	}
	if n < watchBuffer || n >= 2*writes {
		t.Fatalf("slow watcher delivered %d events before its 410, want at least its buffer (%d) and not all %d", n, watchBuffer, 2*writes)
	}
	if _, open := <-slow.ResultChan(); open {
		t.Fatal("slow watcher's channel still open after its Error event")
	}
	rev, err := s.Create(t.Context(), "/c/after", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, fast); ev.Revision != rev {
		t.Fatalf("fast watcher after compaction: event at revision %d, want %d", ev.Revision, rev)
	}
}

// TestDamagedRowEndsOnlyItsWatchers writes a log row that fails its
// checksum, as damage would leave it: the watcher whose prefix holds it
// gets an Error naming the damage; a watcher of another prefix, fed by
// the same hub, goes on.
func TestDamagedRowEndsOnlyItsWatchers(t *testing.T) {
	s := openTest(t)
	hit, err := s.Watch(t.Context(), "/d/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer hit.Stop()
	other, err := s.Watch(t.Context(), "/e/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Stop()
	s.wmu.Lock()
	_, err = s.wconn.ExecContext(t.Context(), logCols+`VALUES (`+nextID+`, '/d/x', 1, 0, 0, `+nextID+` >> 16, 'v', 12345)`)
	s.wmu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	s.wakeHub()
	if ev := nextEvent(t, hit); ev.Type != storage.Error || !strings.Contains(ev.Err.Error(), "damaged") || !strings.Contains(ev.Err.Error(), "/d/x") {
		t.Fatalf("watcher of the damaged row: got %s %v, want an Error naming the damage and /d/x", ev.Type, ev.Err)
	}
	rev, err := s.Create(t.Context(), "/e/y", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, other); ev.Type != storage.Added || ev.Revision != rev {
		t.Fatalf("watcher of another prefix: got %s at %d (%v), want the creation at %d", ev.Type, ev.Revision, ev.Err, rev)
	}
}
