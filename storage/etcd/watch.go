package etcd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// watchBuffer is how many events a watcher holds for a slow reader before
// it stops reading from etcd (which then buffers on its side).
const watchBuffer = 128

// rewatchBackoff is the pause before re-opening a watch etcd ended.
var rewatchBackoff = []time.Duration{
	10 * time.Millisecond, 50 * time.Millisecond, 200 * time.Millisecond, time.Second,
}

type watcher struct {
	s      *Store
	prefix string // the etcd prefix, store prefix included
	out    chan storage.Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Watch delivers every change under prefix after fromRevision (0: after
// the current revision). It opens etcd's watch at fromRevision itself and
// drops that revision's events, so that etcd reports a compacted
// fromRevision (410 Gone as an Error event) exactly when history after it
// may be incomplete.
//
// The etcd client resumes a watch on its own when the connection breaks;
// when etcd ends a watch (a member stopping, a leader lost), this watcher
// opens a new one after the last revision it delivered, so the stream has
// no gaps and no repeats. If that revision has been compacted meanwhile,
// the stream ends with 410 Gone and the caller relists.
func (s *Store) Watch(ctx context.Context, prefix string, fromRevision int64) (storage.Watcher, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	if fromRevision < 0 {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("watch of %s from negative revision %d", prefix, fromRevision))
	}
	if fromRevision == 0 {
		// etcd's own "from now" is fixed only when its server gets the
		// request; reading the revision here fixes it before Watch
		// returns, so a write made after Watch returns is always seen.
		rctx, cancel, err := s.op(ctx)
		if err != nil {
			return nil, err
		}
		fromRevision, err = s.currentRevision(rctx)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	w := &watcher{
		s:      s,
		prefix: s.prefix + prefix,
		out:    make(chan storage.Event, watchBuffer),
		done:   make(chan struct{}),
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		w.cancel()
		return nil, errClosed
	}
	s.watchers.Add(1)
	s.mu.Unlock()
	stop := context.AfterFunc(s.ctx, w.cancel)
	go func() {
		defer s.watchers.Done()
		defer stop()
		defer close(w.done)
		defer close(w.out)
		w.run(fromRevision)
	}()
	return w, nil
}

// ResultChan implements storage.Watcher.
func (w *watcher) ResultChan() <-chan storage.Event { return w.out }

// Stop implements storage.Watcher; it returns once the watch's goroutine
// has ended, so a stopped watch holds nothing.
func (w *watcher) Stop() {
	w.once.Do(w.cancel)
	<-w.done
}

// run delivers events after from until the watch ends.
func (w *watcher) run(from int64) {
	// last is the revision of the last event delivered (or from); an
	// etcd watch is opened at last so that compaction of last is seen,
	// and events at or before last are dropped.
	last := from
	for failures := 0; ; failures++ {
		progressed, err := w.stream(last, &last)
		if err != nil {
			w.send(storage.Event{Type: storage.Error, Err: err})
			return
		}
		if w.ctx.Err() != nil {
			return
		}
		if progressed {
			failures = 0
		}
		pause := rewatchBackoff[min(failures, len(rewatchBackoff)-1)]
		select {
		case <-time.After(pause):
		case <-w.ctx.Done():
			return
		}
	}
}

// stream runs one etcd watch opened at rev. It returns when the watch
// ends: with an error that ends the stream for good (compaction), or nil
// when a new watch should continue it. progressed says whether it
// delivered anything.
func (w *watcher) stream(rev int64, last *int64) (progressed bool, err error) {
	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(w.ctx))
	defer cancel()
	ch := w.s.cli.Watch(ctx, w.prefix, clientv3.WithPrefix(), clientv3.WithRev(rev), clientv3.WithPrevKV(), clientv3.WithProgressNotify())
	for resp := range ch {
		if resp.IsProgressNotify() {
			// Nothing under the prefix changed up to this revision: a new
			// watch may start here, which keeps a quiet watch from
			// falling behind compaction it has nothing to fear from.
			*last = max(*last, resp.Header.Revision)
			continue
		}
		if resp.CompactRevision != 0 {
			return progressed, storage.NewGone(*last, resp.CompactRevision)
		}
		if err := resp.Err(); errors.Is(err, rpctypes.ErrPermissionDenied) || errors.Is(err, rpctypes.ErrInvalidAuthToken) {
			// Retrying cannot help: the credentials lost their access.
			return progressed, w.s.mapErr(ctx, "watch", w.prefix[len(w.s.prefix):], err)
		}
		if resp.Canceled || resp.Err() != nil {
			// Ended by etcd (no leader, server stopping...): the caller
			// opens a new watch after last.
			return progressed, nil
		}
		for _, ev := range resp.Events {
			if ev.Kv.ModRevision <= *last {
				continue
			}
			if !w.send(w.event(ev)) {
				return progressed, nil
			}
			progressed = true
		}
		// A revision's events arrive in one response, so the whole
		// response is delivered before last moves past it.
		if n := len(resp.Events); n > 0 && resp.Events[n-1].Kv.ModRevision > *last {
			*last = resp.Events[n-1].Kv.ModRevision
		}
	}
	return progressed, nil
}

// event converts an etcd event. A delete carries the key's last value in
// Value as well as in PrevValue (etcd's own event has none), and a create
// has no PrevValue even if the key lived before.
func (w *watcher) event(ev *clientv3.Event) storage.Event {
	out := storage.Event{
		Key:      string(ev.Kv.Key[len(w.s.prefix):]),
		Revision: ev.Kv.ModRevision,
	}
	if ev.PrevKv != nil {
		out.PrevValue = ev.PrevKv.Value
	}
	switch {
	case ev.Type == clientv3.EventTypeDelete:
		out.Type = storage.Deleted
		out.Value = out.PrevValue
	case ev.IsCreate():
		out.Type = storage.Added
		out.Value = ev.Kv.Value
		out.PrevValue = nil
	default:
		out.Type = storage.Modified
		out.Value = ev.Kv.Value
	}
	return out
}

// send delivers ev unless the watch is stopping.
func (w *watcher) send(ev storage.Event) bool {
	select {
	case w.out <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}
