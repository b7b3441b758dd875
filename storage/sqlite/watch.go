package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// watchBatch is how many log rows a read of the log takes at a time.
const watchBatch = 256

// watchBuffer is the capacity of each watcher's channel: the events the
// hub may queue for a watcher that is not reading before it leaves the
// watcher to catch up on its own (see hub).
const watchBuffer = 100

type watcher struct {
	s      *Store
	ctx    context.Context
	prefix string
	// pos is the id of the last log row looked at for this watcher. The
	// watcher's goroutine owns it while the watcher catches up; the hub,
	// under its lock, while the watcher is synced.
	pos  int64
	ch   chan storage.Event
	stop chan struct{}
	once sync.Once
	// unsynced receives a value when the hub hands the watcher back to
	// its goroutine (its buffer was full, or the hub cannot read on its
	// behalf); buffered so that the hub never waits.
	unsynced chan struct{}
}

// ResultChan returns the channel events arrive on.
func (w *watcher) ResultChan() <-chan storage.Event { return w.ch }

// Stop ends the watch.
func (w *watcher) Stop() { w.once.Do(func() { close(w.stop) }) }

// Watch delivers every change under prefix after fromRevision, made by this
// process or any other process using the file.
//
// Every watcher of a store is fed by one goroutine per store (the hub),
// which reads each new log row once and hands it to every watcher whose
// prefix it falls under. A watcher that starts at an older revision, or
// whose channel (watchBuffer events) is full when the hub has an event for
// it, reads the log on its own until it has caught up, then rejoins the
// hub: a slow reader never holds the others back, and misses nothing
// unless compaction removes history it has not read yet (then 410 Gone).
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
		pos:      fromRevision<<opBits | opMask,
		ch:       make(chan storage.Event, watchBuffer),
		stop:     make(chan struct{}),
		unsynced: make(chan struct{}, 1),
	}
	h := &s.hub
	h.mu.Lock()
	if s.closed.Load() {
		h.mu.Unlock()
		return nil, s.errClosed()
	}
	s.watchers.Add(1)
	if h.stop == nil {
		h.stop, h.done = make(chan struct{}), make(chan struct{})
		h.kick = make(chan struct{}, 1)
		h.synced = map[*watcher]struct{}{}
		h.pos = cur<<opBits | opMask
		go s.poll(h.stop, h.done)
	}
	h.mu.Unlock()
	go w.run()
	return w, nil
}

// hub is the one reader of new log rows for every watcher of a store
// (issue 13.3): N watchers cost one log query per commit, not N.
type hub struct {
	mu sync.Mutex
	// pos is the id of the last log row the hub has handed out.
	pos    int64
	synced map[*watcher]struct{}
	// kick wakes the hub after a write by this process.
	kick       chan struct{}
	stop, done chan struct{}
}

// join makes w synced when it has read the log as far as the hub (or
// further: the hub then skips what w has seen), and reports whether it did.
func (h *hub) join(w *watcher) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.pos > w.pos || w.s.lost.Load() != nil {
		return false
	}
	h.synced[w] = struct{}{}
	return true
}

// leave takes w out of the hub, after which the hub never sends to w.ch.
func (h *hub) leave(w *watcher) {
	h.mu.Lock()
	delete(h.synced, w)
	h.mu.Unlock()
}

// release hands w back to its goroutine, which reads the log from w.pos.
// The caller holds h.mu.
func (h *hub) release(w *watcher) {
	delete(h.synced, w)
	w.unsynced <- struct{}{} // never blocks: a watcher is released once per join
}

// releaseAll hands every watcher back to its goroutine: the hub cannot
// read for them (an error, or the file is gone), and each will meet the
// cause itself on its own read and report it.
func (h *hub) releaseAll() {
	h.mu.Lock()
	for w := range h.synced {
		h.release(w)
	}
	h.mu.Unlock()
}

// afterWrite's wake-up of the hub: the log grew.
func (s *Store) wakeHub() {
	h := &s.hub
	h.mu.Lock()
	kick := h.kick
	h.mu.Unlock()
	if kick != nil {
		select {
		case kick <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

func (w *watcher) run() {
	defer w.s.watchers.Done()
	defer close(w.ch)
	defer w.s.hub.leave(w)
	for {
		if !w.catchUp() {
			return
		}
		if !w.s.hub.join(w) {
			continue // the hub is further on: read up to it
		}
		select {
		case <-w.unsynced:
		case <-w.stop:
			return
		case <-w.s.stopAll:
			return
		case <-w.ctx.Done():
			return
		}
	}
}

// catchUp reads the log after w.pos until it holds nothing more for w,
// delivering what it finds; false means the watch is over.
func (w *watcher) catchUp() bool {
	for {
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
				return false
			}
			select {
			case w.ch <- storage.Event{Type: storage.Error, Err: err}:
			case <-w.stop:
			case <-w.s.stopAll:
			case <-w.ctx.Done():
			}
			return false
		}
		for _, ev := range events {
			select {
			case w.ch <- ev:
			case <-w.stop:
				return false
			case <-w.s.stopAll:
				return false
			case <-w.ctx.Done():
				return false
			}
		}
		if len(events) < watchBatch {
			return !w.done()
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
	s.logReads.Add(1)
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

// sqlHubBatch reads the log rows after ?1 for the hub, with the
// compacted revision on each row: one statement, so one snapshot.
var sqlHubBatch = `SELECT l.id, l.key, l.type, l.value, ` + rowCheck("l") + `, p.value, ` + rowCheck("p") + `, l.prev_id, m.compacted
	FROM meta m JOIN log l LEFT JOIN log p ON p.id = l.prev_id
	WHERE m.id = 1 AND l.id > ?1 ORDER BY l.id LIMIT ` + strconv.Itoa(watchBatch)

// idlePoll is how often the hub looks at the file, when fsnotify works,
// once a hotPoll has passed without any notification or write: a safety
// net, since every commit of another process also writes the -wal file.
const (
	idlePoll = 500 * time.Millisecond
	hotPoll  = 100 * time.Millisecond
)

// poll is the hub's goroutine. It hands new log rows to the synced
// watchers (pass) when this process writes (kick) and when another
// process commits: it checks PRAGMA data_version, which changes when any
// other connection commits, when fsnotify reports a write to the file
// or its WAL, then every poll interval for hotPoll after it (SQLite
// writes a commit's WAL frames before it publishes the commit in the
// WAL index, so a check at the notification can come too early), and
// every idlePoll otherwise. Without fsnotify it checks every poll
// interval. It also checks, each time, that the path still names the
// file the store opened: a watcher on a file that was removed or
// replaced would never see another write, so it ends every watch with
// an Error event instead.
func (s *Store) poll(stop, done chan struct{}) {
	defer close(done)
	ctx := context.Background()
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		s.hub.releaseAll() // the store is closing
		return
	}
	defer func() { _ = conn.Close() }()
	// Prepared once: modernc has no statement cache, and compiling a
	// statement costs more than running it.
	var version, batch *sql.Stmt
	b := s.backoff()
	for {
		if version, err = conn.PrepareContext(ctx, "PRAGMA data_version"); err == nil {
			batch, err = conn.PrepareContext(ctx, sqlHubBatch)
		}
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		s.hub.releaseAll() // each watcher reads for itself and reports why
		return
	}
	defer func() { _ = version.Close(); _ = batch.Close() }()

	var events <-chan fsnotify.Event
	var errs <-chan error
	if fw, err := fsnotify.NewWatcher(); err == nil {
		defer func() { _ = fw.Close() }()
		if fw.Add(filepath.Dir(s.path)) == nil {
			events, errs = fw.Events, fw.Errors
		}
	}
	idle := s.cfg.pollInterval
	if events != nil {
		idle = max(idle, idlePoll)
	}
	wal := s.path + "-wal"
	timer := time.NewTimer(idle)
	defer timer.Stop()
	var hotUntil time.Time
	var last int64 = -1
	for {
		check := true
		select {
		case <-stop:
			return
		case <-s.hub.kick:
			check = false // our own write: the log grew, nothing to ask
		case <-timer.C:
		case ev := <-events:
			if ev.Name != wal && ev.Name != s.path {
				continue
			}
			hotUntil = time.Now().Add(hotPoll)
			drain(events)
		case err := <-errs:
			// An overflowed or failed notification: check now, as for a
			// tick, and keep checking for a while.
			_ = err
			hotUntil = time.Now().Add(hotPoll)
		}
		if check {
			next := idle
			if time.Now().Before(hotUntil) {
				next = s.cfg.pollInterval
			}
			timer.Reset(next)
			if err := s.checkFile(); err != nil {
				s.lost.Store(&err)
				s.hub.releaseAll()
				return
			}
			var v int64
			if err := version.QueryRowContext(ctx).Scan(&v); err != nil {
				if errors.Is(err, sql.ErrConnDone) {
					return
				}
				continue
			}
			if v == last {
				continue
			}
			last = v
		}
		s.hub.pass(s, batch)
	}
}

// drain empties a channel of pending notifications, which one check
// answers for all.
func drain(events <-chan fsnotify.Event) {
	for {
		select {
		case <-events:
		default:
			return
		}
	}
}

// pass hands every log row after h.pos to the synced watchers it is for.
// A watcher whose channel is full is released (it reads on from where the
// hub left it); so is one the hub cannot serve: a damaged row under its
// prefix, or history compacted before h.pos. Any other failure to read
// releases every watcher, each of which then meets it on its own read.
func (h *hub) pass(s *Store, batch *sql.Stmt) {
	for {
		n, err := h.passBatch(s, batch)
		if err != nil {
			h.releaseAll()
			return
		}
		if n < watchBatch {
			return
		}
	}
}

// hubRow is one log row as the hub reads it.
type hubRow struct {
	ev        storage.Event
	id        int64
	compacted int64
	err       error // the row fails its checksum
}

// passBatch hands out up to watchBatch rows and returns how many it read.
func (h *hub) passBatch(s *Store, batch *sql.Stmt) (int, error) {
	h.mu.Lock()
	pos := h.pos
	h.mu.Unlock()
	var rows []hubRow
	var err error
	b := s.backoff()
	for {
		s.logReads.Add(1)
		rows, err = readHubBatch(batch, pos)
		if !b.again(context.Background(), err) {
			break
		}
	}
	if err != nil {
		return 0, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var to []*watcher
	for _, r := range rows {
		if r.compacted > pos>>opBits {
			// Rows the hub never read may be gone: each watcher that had
			// not read them learns from its own read whether that
			// concerns it (410 Gone).
			for w := range h.synced {
				if w.pos>>opBits < r.compacted {
					h.release(w)
				}
			}
		}
		to = to[:0]
		for w := range h.synced {
			if r.id > w.pos && strings.HasPrefix(r.ev.Key, w.prefix) {
				to = append(to, w)
			}
		}
		for i, w := range to {
			if r.err != nil {
				w.pos = r.id - 1
				h.release(w)
				continue
			}
			ev := r.ev
			if i < len(to)-1 {
				// Each receiver owns its slices.
				ev.Value, ev.PrevValue = bytes.Clone(ev.Value), bytes.Clone(ev.PrevValue)
			}
			select {
			case w.ch <- ev:
				w.pos = r.id
			default:
				w.pos = r.id - 1
				h.release(w)
			}
		}
		pos = r.id
	}
	for w := range h.synced {
		w.pos = max(w.pos, pos)
	}
	h.pos = pos
	return len(rows), nil
}

// readHubBatch runs sqlHubBatch after pos.
func readHubBatch(batch *sql.Stmt, pos int64) ([]hubRow, error) {
	rows, err := batch.Query(pos)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	var out []hubRow
	for rows.Next() {
		var r hubRow
		var prevID, sum, prevChk int64
		var typ int
		if err := rows.Scan(&r.id, &r.ev.Key, &typ, &r.ev.Value, &sum, &r.ev.PrevValue, &prevChk, &prevID, &r.compacted); err != nil {
			return nil, err
		}
		r.ev.Revision = r.id >> opBits
		r.err = checkRow(r.ev.Key, sum, r.ev.Value, r.ev.Revision)
		if r.err == nil && typ != logAdded {
			r.err = checkRow(r.ev.Key, prevChk, r.ev.PrevValue, prevID>>opBits)
		}
		switch typ {
		case logAdded:
			r.ev.Type = storage.Added
		case logModified:
			r.ev.Type = storage.Modified
		default:
			r.ev.Type, r.ev.Value = storage.Deleted, r.ev.PrevValue
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
