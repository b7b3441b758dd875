package memory

import (
	"context"
	"fmt"
	"sort"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// watcher is one Watch. Writers push into ch under the store lock without
// ever blocking; run owns closing ch.
type watcher struct {
	s      *Store
	prefix string
	from   int64
	ch     chan storage.Event

	stop     chan struct{}
	stopOnce sync.Once
	finished chan struct{}
	// overflow is closed by the writer that found ch full, after it
	// removed the watcher from the store; overflowRev is that write's
	// revision.
	overflow    chan struct{}
	overflowRev int64
}

// Watch implements storage.Interface. The events after fromRevision still
// in the history are queued at once (the channel is sized to hold them on
// top of the watch buffer), so a watch that starts from the revision of a
// List misses nothing and does not overflow on its replay.
func (s *Store) Watch(ctx context.Context, prefix string, fromRevision int64) (storage.Watcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if fromRevision == 0 {
		fromRevision = s.rev
	}
	if fromRevision < s.compacted {
		return nil, storage.NewGone(fromRevision, s.compacted)
	}
	evs := s.events[s.head:]
	var replay []storage.Event
	for _, ev := range evs[sort.Search(len(evs), func(i int) bool { return evs[i].Revision > fromRevision }):] {
		if hasPrefix(ev.Key, prefix) {
			replay = append(replay, copyEvent(ev))
		}
	}
	w := &watcher{
		s:        s,
		prefix:   prefix,
		from:     fromRevision,
		ch:       make(chan storage.Event, s.watchBuffer+len(replay)),
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
		overflow: make(chan struct{}),
	}
	for _, ev := range replay {
		w.ch <- ev
	}
	s.watchers[w] = struct{}{}
	go w.run(ctx)
	return w, nil
}

// run waits for the end of the watch, delivers the 410 of an overflow once
// the reader has drained its buffer, and closes the channel.
func (w *watcher) run(ctx context.Context) {
	defer close(w.finished)
	select {
	case <-ctx.Done():
	case <-w.stop:
	case <-w.s.done:
	case <-w.overflow:
		ev := storage.Event{Type: storage.Error, Err: apierrors.NewResourceExpired(fmt.Sprintf(
			"watch of %s fell more than %d events behind at revision %d: list again and watch from the list's revision",
			w.prefix, cap(w.ch), w.overflowRev))}
		select {
		case w.ch <- ev:
		case <-ctx.Done():
		case <-w.stop:
		case <-w.s.done:
		}
	}
	w.s.mu.Lock()
	delete(w.s.watchers, w)
	w.s.mu.Unlock()
	close(w.ch)
}

// ResultChan implements storage.Watcher.
func (w *watcher) ResultChan() <-chan storage.Event { return w.ch }

// Stop implements storage.Watcher; it returns once the channel is closed.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.finished
}
