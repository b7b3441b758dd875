package memory

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// put writes value as key's version at rev; rec is key's record or nil.
func (s *Store) put(rec *record, key string, value []byte, rev int64) {
	if rec == nil {
		rec = &record{key: key}
		s.records[key] = rec
		s.index.insert(rec)
	}
	ev := storage.Event{Type: storage.Added, Key: key, Value: value, Revision: rev}
	createRev := rev
	if cur := rec.current(); cur != nil {
		ev.Type, ev.PrevValue, createRev = storage.Modified, cur.value, cur.createRev
	}
	rec.versions = append(rec.versions, version{rev: rev, createRev: createRev, value: value})
	s.batch = append(s.batch, ev)
}

// remove ends rec's live version with a tombstone at rev.
func (s *Store) remove(rec *record, rev int64) {
	cur := rec.current()
	rec.versions = append(rec.versions, version{rev: rev, createRev: cur.createRev, value: cur.value, deleted: true})
	s.batch = append(s.batch, storage.Event{Type: storage.Deleted, Key: rec.key, Value: cur.value, PrevValue: cur.value, Revision: rev})
}

// committed publishes the write in progress: it appends its events to the
// history, hands them to the watchers and compacts what fell out of the
// history window.
func (s *Store) committed() {
	s.events = append(s.events, s.batch...)
	for w := range s.watchers {
		for _, ev := range s.batch {
			if ev.Revision <= w.from || !hasPrefix(ev.Key, w.prefix) {
				continue
			}
			select {
			case w.ch <- copyEvent(ev):
			default:
				// Never wait for a slow reader: end its watch instead.
				delete(s.watchers, w)
				w.overflowRev = ev.Revision
				close(w.overflow)
			}
			if w.overflowRev != 0 {
				break
			}
		}
	}
	clear(s.batch)
	s.batch = s.batch[:0]
	if s.rev-s.compacted > s.history {
		s.compact(s.rev - s.history)
	}
}

func copyEvent(ev storage.Event) storage.Event {
	ev.Value, ev.PrevValue = clone(ev.Value), clone(ev.PrevValue)
	return ev
}

func hasPrefix(key, prefix string) bool {
	return len(key) >= len(prefix) && key[:len(prefix)] == prefix
}

// compact drops the events at and below rev and every version that no read
// at rev or later can see. The dropped events name every key that may have
// such versions, so compaction costs what was written, not the store's size.
func (s *Store) compact(rev int64) {
	evs := s.events[s.head:]
	n := sort.Search(len(evs), func(i int) bool { return evs[i].Revision > rev })
	for _, ev := range evs[:n] {
		s.prune(ev.Key, rev)
	}
	clear(evs[:n])
	s.head += n
	// Move the live events to the front once the dropped ones are the
	// larger part, so the slice neither grows forever nor copies often.
	if s.head > 1024 && s.head*2 > len(s.events) {
		live := copy(s.events, s.events[s.head:])
		clear(s.events[live:])
		s.events = s.events[:live]
		s.head = 0
	}
	s.compacted = rev
}

// prune drops key's versions older than the one live at rev, and that one
// too if it is a tombstone; a key left without versions leaves the store.
func (s *Store) prune(key string, rev int64) {
	rec := s.records[key]
	if rec == nil {
		return
	}
	i := len(rec.versions) - 1
	for i >= 0 && rec.versions[i].rev > rev {
		i--
	}
	if i < 0 {
		return
	}
	if rec.versions[i].deleted {
		i++
	}
	if i > 0 {
		n := copy(rec.versions, rec.versions[i:])
		clear(rec.versions[n:])
		rec.versions = rec.versions[:n]
	}
	if len(rec.versions) == 0 {
		delete(s.records, key)
		s.index.remove(key)
	}
}

// Compact implements storage.Interface. Compacting at or below the
// revision already compacted does nothing; compacting beyond the current
// revision is a BadRequest.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	if revision > s.rev {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot compact at revision %d, after the current revision %d", revision, s.rev))
	}
	if revision > s.compacted {
		s.compact(revision)
	}
	return nil
}

// CurrentRevision implements storage.Interface.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	return s.rev, nil
}

// Close implements storage.Interface: it ends every watch and frees the
// data. Closing twice is harmless.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.done)
	s.records, s.index, s.events, s.head = nil, nil, nil, 0
	return nil
}
