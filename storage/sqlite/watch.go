package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// watchBatch is how many log rows a watcher reads per query.
const watchBatch = 256

// broadcast wakes every watcher: the log may have grown.
func (s *Store) broadcast() {
	s.nmu.Lock()
	close(s.notify)
	s.notify = make(chan struct{})
	s.nmu.Unlock()
}

// wakeup returns a channel closed at the next broadcast. Taking it before
// reading the log means no write slips between the read and the wait.
func (s *Store) wakeup() <-chan struct{} {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	return s.notify
}

type watcher struct {
	s      *Store
	ctx    context.Context
	prefix string
	pos    int64 // id of the last log row looked at
	ch     chan storage.Event
	stop   chan struct{}
	once   sync.Once
}

// ResultChan returns the channel events arrive on.
func (w *watcher) ResultChan() <-chan storage.Event { return w.ch }

// Stop ends the watch.
func (w *watcher) Stop() { w.once.Do(func() { close(w.stop) }) }

// Watch delivers every change under prefix after fromRevision, made by this
// process or any other process using the file.
func (s *Store) Watch(ctx context.Context, prefix string, fromRevision int64) (storage.Watcher, error) {
	if lost := s.lost.Load(); lost != nil {
		return nil, *lost
	}
	cur, compacted, err := s.revisions(ctx)
	if err != nil {
		return nil, err
	}
	if fromRevision == 0 {
		fromRevision = cur
	} else if fromRevision < compacted {
		return nil, storage.NewGone(fromRevision, compacted)
	}
	w := &watcher{
		s: s, ctx: ctx, prefix: prefix,
		pos:  fromRevision<<opBits | opMask,
		ch:   make(chan storage.Event, 100),
		stop: make(chan struct{}),
	}
	s.nmu.Lock()
	if s.closed.Load() {
		s.nmu.Unlock()
		return nil, s.errClosed()
	}
	s.watchers.Add(1)
	if s.pollStop == nil {
		s.pollStop, s.pollDone = make(chan struct{}), make(chan struct{})
		go s.poll(s.pollStop, s.pollDone)
	}
	s.nmu.Unlock()
	go w.run()
	return w, nil
}

func (w *watcher) run() {
	defer w.s.watchers.Done()
	defer close(w.ch)
	for {
		wake := w.s.wakeup()
		events, err := w.s.readLog(w, watchBatch)
		if lost := w.s.lost.Load(); lost != nil && len(events) == 0 {
			// Deliver what the file held, then say why nothing follows.
			err = *lost
		} else if err != nil && !apierrors.IsResourceExpired(err) {
			// SQLite may meet the file's removal before the poller does
			// (SQLITE_IOERR_FSTAT): name the cause rather than the symptom.
			if lerr := w.s.checkFile(); lerr != nil {
				w.s.lost.Store(&lerr)
				err = lerr
			}
		}
		if err != nil {
			if w.done() {
				return
			}
			select {
			case w.ch <- storage.Event{Type: storage.Error, Err: err}:
			case <-w.stop:
			case <-w.s.stopAll:
			case <-w.ctx.Done():
			}
			return
		}
		for _, ev := range events {
			select {
			case w.ch <- ev:
			case <-w.stop:
				return
			case <-w.s.stopAll:
				return
			case <-w.ctx.Done():
				return
			}
		}
		if len(events) == watchBatch {
			continue
		}
		select {
		case <-wake:
		case <-w.stop:
			return
		case <-w.s.stopAll:
			return
		case <-w.ctx.Done():
			return
		}
	}
}

func (w *watcher) done() bool {
	select {
	case <-w.stop:
		return true
	case <-w.s.stopAll:
		return true
	case <-w.ctx.Done():
		return true
	default:
		return false
	}
}

// readLog returns up to limit events for w after w.pos and advances w.pos
// past every row read.
func (s *Store) readLog(w *watcher, limit int) ([]storage.Event, error) {
	var events []storage.Event
	var err error
	var pos int64
	b := s.backoff()
	for {
		events, pos, err = s.readLogTx(w.prefix, w.pos, limit)
		if !b.again(w.ctx, err) {
			break
		}
	}
	if err != nil {
		return nil, s.internal(err)
	}
	w.pos = pos
	return events, nil
}

// readLogTx reads up to limit events under prefix after log id pos and
// returns the id of the last row it looked at, in one snapshot so that
// compaction cannot remove rows between the check and the read.
func (s *Store) readLogTx(prefix string, pos int64, limit int) ([]storage.Event, int64, error) {
	ctx := context.Background()
	tx, err := s.rdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, pos, err
	}
	defer func() { _ = tx.Rollback() }() // read only
	maxID, compacted, err := heads(ctx, tx)
	if err != nil {
		return nil, pos, err
	}
	if rev := pos >> opBits; rev < compacted {
		return nil, pos, storage.NewGone(rev, compacted)
	}
	if maxID <= pos {
		return nil, pos, nil
	}
	where, args := keyRange("l.key", prefix, prefix, 3)
	var events []storage.Event
	last := pos
	err = each(ctx, tx, `SELECT l.id, l.key, l.type, l.value, `+rowCheck("l")+`, p.value, `+rowCheck("p")+`, l.prev_id
		FROM log l LEFT JOIN log p ON p.id = l.prev_id
		WHERE l.id > ?1 AND l.id <= ?2 AND `+where+` ORDER BY l.id LIMIT `+strconv.Itoa(limit),
		append([]any{pos, maxID}, args...), func(rows *sql.Rows) error {
			var id, prevID, sum, prevChk int64
			var typ int
			ev := storage.Event{}
			if err := rows.Scan(&id, &ev.Key, &typ, &ev.Value, &sum, &ev.PrevValue, &prevChk, &prevID); err != nil {
				return err
			}
			ev.Revision = id >> opBits
			if err := checkRow(ev.Key, sum, ev.Value, ev.Revision); err != nil {
				return err
			}
			if typ != logAdded {
				if err := checkRow(ev.Key, prevChk, ev.PrevValue, prevID>>opBits); err != nil {
					return err
				}
			}
			switch typ {
			case logAdded:
				ev.Type = storage.Added
			case logModified:
				ev.Type = storage.Modified
			default:
				ev.Type, ev.Value = storage.Deleted, ev.PrevValue
			}
			events = append(events, ev)
			last = id
			return nil
		})
	if err != nil {
		return nil, pos, err
	}
	if len(events) < limit {
		last = maxID // nothing else under prefix up to maxID
	}
	return events, last, nil
}

// poll wakes watchers when another process commits: it checks PRAGMA
// data_version, which changes when any other connection commits, every
// poll interval, and at once when fsnotify reports a write to the file or
// its WAL. Without fsnotify it still works, at the poll interval. It also
// checks, each time, that the path still names the file the store
// opened: a watcher on a file that was removed or replaced would never
// see another write, so it ends every watch with an Error event instead.
func (s *Store) poll(stop, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return // the store is closing
	}
	defer func() { _ = conn.Close() }()
	var events <-chan fsnotify.Event
	var errs <-chan error
	if fw, err := fsnotify.NewWatcher(); err == nil {
		defer func() { _ = fw.Close() }()
		if fw.Add(filepath.Dir(s.path)) == nil {
			events, errs = fw.Events, fw.Errors
		}
	}
	wal := s.path + "-wal"
	ticker := time.NewTicker(s.cfg.pollInterval)
	defer ticker.Stop()
	var last int64 = -1
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		case ev := <-events:
			if ev.Name != wal && ev.Name != s.path {
				continue
			}
		case err := <-errs:
			// An overflowed or failed notification: poll now, as for a
			// tick; the ticker keeps watchers going whatever the error.
			_ = err
		}
		if err := s.checkFile(); err != nil {
			s.lost.Store(&err)
			s.broadcast()
			return
		}
		var v int64
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
			if errors.Is(err, sql.ErrConnDone) {
				return
			}
			continue
		}
		if v != last {
			last = v
			s.broadcast()
		}
	}
}

// checkFile reports, as a 503 naming the path, that the store's path no
// longer names the file the store opened. The store keeps reading and
// writing the file it has open, which no other process will ever open
// again.
func (s *Store) checkFile() error {
	fi, err := os.Stat(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return apierrors.NewServiceUnavailable(fmt.Sprintf(
			"the store file %s was removed while this process was watching it: no later change can be seen; open the store again", s.path))
	case err == nil && !os.SameFile(fi, s.file):
		return apierrors.NewServiceUnavailable(fmt.Sprintf(
			"the store file %s was replaced (another file was moved over it) while this process was watching it: changes to the new file are not seen here; open the store again", s.path))
	}
	// Another failure to stat (a permission change, say) proves nothing.
	return nil
}
