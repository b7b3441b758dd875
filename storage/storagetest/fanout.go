package storagetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/storage"
)

// The rules for many watchers of one store (issue 13.3): a backend may
// feed them from one reader, but each must still see its own stream as if
// it were alone.

// inOrder requires evs to be in revision order with no revision twice
// for one key.
func inOrder(t *testing.T, evs []storage.Event, what string) {
	t.Helper()
	for i := 1; i < len(evs); i++ {
		check(t, evs[i].Revision >= evs[i-1].Revision, "%s: event %d at revision %d after revision %d: out of order",
			what, i, evs[i].Revision, evs[i-1].Revision)
	}
}

// testManyWatchers opens watchers of one prefix from now, watchers of a
// wider prefix, and watchers from an old revision opened after the
// writes (which replay them while the others are live), and requires
// each to deliver exactly its own stream, in order.
func testManyWatchers(t *testing.T, s storage.Interface) {
	const live, wide, late = 16, 4, 4
	create(t, s, key("t", "w", "before"), val("old"))
	from := current(t, s)
	var ws, wides []storage.Watcher
	for range live {
		ws = append(ws, startWatch(t, s, t.Context(), prefix("t", "w"), 0))
	}
	for range wide {
		wides = append(wides, startWatch(t, s, t.Context(), prefix("t", ""), 0))
	}
	want := history(t, s)
	wantWide := []storage.Event{want[0], {Type: storage.Added, Key: key("t", "elsewhere", "x"), Value: val("x"), Revision: want[0].Revision + 1}}
	wantWide = append(wantWide, want[1:]...)
	// More writes than one read of the log takes at a time in some
	// backends, under both prefixes.
	for i := range 40 {
		k := key("t", "w", fmt.Sprintf("n%02d", i))
		rev := create(t, s, k, val("v"))
		ev := storage.Event{Type: storage.Added, Key: k, Value: val("v"), Revision: rev}
		want, wantWide = append(want, ev), append(wantWide, ev)
	}
	for range late {
		ws = append(ws, startWatch(t, s, t.Context(), prefix("t", "w"), from))
	}
	// A live write after the late watchers joined reaches them all.
	k := key("t", "w", "last")
	rev := create(t, s, k, val("z"))
	ev := storage.Event{Type: storage.Added, Key: k, Value: val("z"), Revision: rev}
	want, wantWide = append(want, ev), append(wantWide, ev)

	var mu sync.Mutex
	var wg sync.WaitGroup
	got := make([][]storage.Event, len(ws)+len(wides))
	for i, w := range append(append([]storage.Watcher(nil), ws...), wides...) {
		n := len(want)
		if i >= len(ws) {
			n = len(wantWide)
		}
		wg.Go(func() {
			evs := collect(w, n)
			mu.Lock()
			got[i] = evs
			mu.Unlock()
		})
	}
	wg.Wait()
	for i, evs := range got {
		what, exp := fmt.Sprintf("watcher %d of %s", i, prefix("t", "w")), want
		if i >= len(ws) {
			what, exp = fmt.Sprintf("watcher %d of %s", i, prefix("t", "")), wantWide
		}
		check(t, len(evs) == len(exp), "%s: got %d events, want %d", what, len(evs), len(exp))
		inOrder(t, evs, what)
		equalEvents(t, evs, exp, what)
	}
}

// collect reads up to n events from w, stopping early at a closed channel
// or after eventTimeout without one (the caller compares counts).
func collect(w storage.Watcher, n int) []storage.Event {
	var evs []storage.Event
	for len(evs) < n {
		select {
		case ev, open := <-w.ResultChan():
			if !open {
				return evs
			}
			evs = append(evs, ev)
		case <-time.After(eventTimeout):
			return evs
		}
	}
	return evs
}

// testSlowWatcher leaves one watcher unread while more events than a
// watch buffer holds are written, and requires every other watcher to
// receive each write before the next is made: a reader that does not
// keep up must not hold the others back. The slow watcher, read at last,
// delivers its stream in order and either whole or, as the contract
// allows for a watcher that fell behind, a prefix of it followed by a 410
// Error event and a closed channel.
func testSlowWatcher(t *testing.T, s storage.Interface) {
	const fast, writes = 4, 300
	p := prefix("t", "w")
	slow := startWatch(t, s, t.Context(), p, 0)
	var fs []storage.Watcher
	for range fast {
		fs = append(fs, startWatch(t, s, t.Context(), p, 0))
	}
	var want []storage.Event
	for i := range writes {
		k := key("t", "w", fmt.Sprintf("k%03d", i))
		rev := create(t, s, k, val("v"))
		ev := storage.Event{Type: storage.Added, Key: k, Value: val("v"), Revision: rev}
		want = append(want, ev)
		for j, w := range fs {
			equalEvents(t, []storage.Event{next(t, w)}, []storage.Event{ev}, fmt.Sprintf("fast watcher %d, write %d, slow watcher unread", j, i))
		}
	}
	evs := collect(slow, writes)
	for i, ev := range evs {
		if ev.Type == storage.Error {
			fails(t, ev.Err, gone, "slow watcher's Error event after %d events", i)
			check(t, i == len(evs)-1, "slow watcher delivered %d events after its Error event", len(evs)-1-i)
			drainClosed(t, slow)
			equalEvents(t, evs[:i], want[:i], "slow watcher before its 410")
			return
		}
	}
	check(t, len(evs) == writes, "slow watcher delivered %d of %d events, and no Error event", len(evs), writes)
	equalEvents(t, evs, want, "slow watcher")
}
