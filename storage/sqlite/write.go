package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/k1s-dev/k1s/storage"
)

// Event types as stored in log.type.
const (
	logAdded    = 1
	logModified = 2
	logDeleted  = 3
)

// The next revision's first log id, computed inside a write statement so
// that a single-key write needs no explicit transaction.
const nextID = `((coalesce((SELECT max(id) FROM log), 0) >> 16) + 1) << 16`

// logCols are the columns every write inserts into log; the triggers on
// log bring kv in step (see migrateV2).
const logCols = `INSERT INTO log (id, key, type, ts, prev_id, create_revision, value, sum) `

// writeStmts are the statements prepared on the writer connection,
// named fields rather than a map so that a misspelt name does not
// compile (kine's generic.Generic does the same). Each write is one
// insert into log; the log_check trigger refuses it with errStaleMsg when
// the key moved (or exists, for a creation).
type writeStmts struct {
	begin, commit, rollback *sql.Stmt
	maxID                   *sql.Stmt
	// get reads a key's value and its kv row; head the kv row alone.
	get, head *sql.Stmt
	// Autocommit single-key writes, returning the new row's id.
	create, update, delete *sql.Stmt
	// The same inside a Txn, at a log id the caller gives.
	createAt, updateAt, deleteAt *sql.Stmt
}

// Statement texts. Write arguments: key, value (not for deletions), Unix
// milliseconds for time-based retention, then for a change the expected
// mod_id and the key's creation revision, then, for the "At" forms used
// inside a transaction, the log id, and last the row's checksum
// (valueSum).
const (
	sqlMaxID    = "SELECT coalesce((SELECT max(id) FROM log), 0)"
	sqlHead     = "SELECT mod_id, create_revision FROM kv WHERE key = ?1"
	sqlCreate   = logCols + `VALUES (` + nextID + `, ?1, 1, ?3, 0, ` + nextID + ` >> 16, ?2, ?4) RETURNING id`
	sqlUpdate   = logCols + `VALUES (` + nextID + `, ?1, 2, ?3, ?4, ?5, ?2, ?6) RETURNING id`
	sqlDelete   = logCols + `VALUES (` + nextID + `, ?1, 3, ?2, ?3, ?4, NULL, ?5) RETURNING id`
	sqlCreateAt = logCols + `VALUES (?4, ?1, 1, ?3, 0, ?4 >> 16, ?2, ?5)`
	sqlUpdateAt = logCols + `VALUES (?6, ?1, 2, ?3, ?4, ?5, ?2, ?7)`
	sqlDeleteAt = logCols + `VALUES (?5, ?1, 3, ?2, ?3, ?4, NULL, ?6)`
)

// getCheck checks the log row that kv row k points at, l.
var getCheck = rowCheck("l")

// sqlGet reads a key's value. LEFT JOIN keeps kv the outer loop, as
// CROSS JOIN did (one kv descent, one log seek), and shows a missing log
// row as damage (see rowCheck).
var sqlGet = "SELECT l.value, k.mod_id, k.create_revision, " + getCheck + " FROM kv k LEFT JOIN log l ON l.id = k.mod_id WHERE k.key = ?1"

// all pairs each statement with its text, for preparing and closing.
func (w *writeStmts) all() []struct {
	st  **sql.Stmt
	sql string
} {
	return []struct {
		st  **sql.Stmt
		sql string
	}{
		{&w.begin, "BEGIN IMMEDIATE"}, {&w.commit, "COMMIT"}, {&w.rollback, "ROLLBACK"},
		{&w.maxID, sqlMaxID}, {&w.get, sqlGet}, {&w.head, sqlHead},
		{&w.create, sqlCreate}, {&w.update, sqlUpdate}, {&w.delete, sqlDelete},
		{&w.createAt, sqlCreateAt}, {&w.updateAt, sqlUpdateAt}, {&w.deleteAt, sqlDeleteAt},
	}
}

// errStaleMsg is the message log_check aborts a write with.
const errStaleMsg = "k1s: precondition failed"

// isStale reports whether err is log_check refusing a write: RAISE(ABORT)
// in a trigger is SQLITE_CONSTRAINT_TRIGGER, and log_check is the only
// trigger that raises.
func isStale(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_TRIGGER
}

// errStale aborts a write whose key moved since the caller read it; Update
// and Delete then read again and retry.
var errStale = errors.New("stale")

// current is a key's state with the id of the log row that wrote it.
type current struct {
	storage.KeyValue
	modID int64
}

// writing takes the writer connection, or fails on a closed store.
func (s *Store) writing(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.wmu.Lock()
	if s.closed.Load() {
		s.wmu.Unlock()
		return nil, s.errClosed()
	}
	if err := s.checkBeforeWrites(ctx); err != nil {
		s.wmu.Unlock()
		return nil, err
	}
	return s.wmu.Unlock, nil
}

// checkBeforeWrites runs PRAGMA quick_check before this store's first
// write, unless the file passed one within the configured interval
// (IntegrityCheckEvery), and refuses every write of a file it finds
// damaged. The caller holds wmu.
//
// SQLite only meets damage on the pages a statement reads, and a write
// reads few: the right edge of the log and one kv leaf. Without this a
// file whose other pages are damaged, which reads refuse, took new
// writes as if nothing were wrong (issue 20). quick_check reads every
// page once, about 4 µs per stored object of 1 KiB (40 ms for 10,000)
// on the build machine; a long-lived process pays it once, a one-shot
// command that writes pays it each time, and reads never do.
func (s *Store) checkBeforeWrites(ctx context.Context) error {
	if s.checked {
		return s.damage
	}
	if s.cfg.checkEvery > 0 {
		var last int64
		if err := s.wconn.QueryRowContext(ctx, `SELECT checked FROM meta WHERE id = 1`).Scan(&last); err == nil &&
			time.Since(time.UnixMilli(last)) < s.cfg.checkEvery {
			s.checked = true
			return nil
		}
		// An unreadable meta row is damage the check below will name.
	}
	var problems []string
	var err error
	b := s.backoff()
	for {
		problems, err = quickCheck(ctx, s.wconn)
		if !b.again(ctx, err) {
			break
		}
	}
	switch {
	case err != nil && (ctx.Err() != nil || transient(err)):
		return s.internal(err) // not a verdict: check again next time
	case err != nil:
		s.damage = s.internal(err)
	case len(problems) > 0:
		s.damage = s.internal(fmt.Errorf("the file is damaged: PRAGMA quick_check reports %q; writes are refused so as not to build on it "+
			"(reads of undamaged objects still work): restore a backup, or copy what still reads into a new store", problems))
	default:
		// Passed: the processes that write after us within checkEvery
		// need not check again. Best effort: failing to record it only
		// means the next writer checks.
		_, _ = s.wconn.ExecContext(ctx, `UPDATE meta SET checked = ?1 WHERE id = 1`, time.Now().UnixMilli())
	}
	s.checked = true
	return s.damage
}

// quickCheck returns what PRAGMA quick_check finds wrong with the file
// (at most 5 problems), nothing when it is sound.
func quickCheck(ctx context.Context, c *sql.Conn) ([]string, error) {
	var problems []string
	err := each(ctx, c, "PRAGMA quick_check(5)", nil, func(rows *sql.Rows) error {
		var p string
		if err := rows.Scan(&p); err != nil {
			return err
		}
		if p != "ok" {
			problems = append(problems, p)
		}
		return nil
	})
	return problems, err
}

// afterWrite wakes watchers and, every compactCheckEvery revisions,
// applies the retention policy.
func (s *Store) afterWrite(ctx context.Context, rev int64) {
	s.broadcast()
	if rev%compactCheckEvery == 0 {
		// Best effort: a failure must not fail a write that committed,
		// and the next check retries.
		_ = s.autoCompact(ctx)
	}
}

// tx runs fn in a write transaction on the writer connection. Only BEGIN
// sees ctx: it is where a writer waits for other processes, and
// interrupting a statement inside the transaction would gain nothing.
func (s *Store) tx(ctx context.Context, fn func() error) error {
	unlock, err := s.writing(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	b := s.backoff()
	for {
		_, err = s.ws.begin.ExecContext(ctx)
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return s.internal(err)
	}
	if err := fn(); err != nil {
		_, _ = s.ws.rollback.Exec()
		return err
	}
	if _, err := s.ws.commit.Exec(); err != nil {
		_, _ = s.ws.rollback.Exec()
		return s.internal(err)
	}
	return nil
}

// single runs one autocommit write statement that returns the new mod_id;
// errStale means log_check refused it.
func (s *Store) single(ctx context.Context, stmt *sql.Stmt, args ...any) (int64, error) {
	unlock, err := s.writing(ctx)
	if err != nil {
		return 0, err
	}
	var id int64
	b := s.backoff()
	for {
		id, err = returning(ctx, stmt, args)
		if !b.again(ctx, err) {
			break
		}
	}
	unlock()
	if isStale(err) {
		return 0, errStale
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, s.internal(err)
	}
	rev := id >> opBits
	s.afterWrite(ctx, rev)
	return rev, nil
}

// returning runs a write statement with RETURNING id and gives the id. It
// steps the statement to its end rather than reading one row and
// resetting it, as QueryRow does: SQLite commits an
// autocommit statement either way, but runs its WAL hook, and with it the
// automatic checkpoint, only when a statement steps to its end. Without
// that, only multi-statement transactions ever checkpointed, and the WAL
// of a store that only created and updated grew without bound.
func returning(ctx context.Context, st *sql.Stmt, args []any) (int64, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	var id int64
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
	}
	return id, rows.Err()
}

// Create writes a new key and returns its revision.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if err := storage.CheckSize(key, value); err != nil {
		return 0, err
	}
	value = nonNil(value)
	rev, err := s.single(ctx, s.ws.create, key, value, time.Now().UnixMilli(), valueSum(key, value))
	if errors.Is(err, errStale) {
		return 0, storage.NewAlreadyExists(key)
	}
	if err == nil {
		s.recent.put(current{KeyValue: storage.KeyValue{Key: key, Value: value, Revision: rev, CreateRevision: rev}, modID: rev << opBits})
	}
	return rev, err
}

// nonNil keeps an empty value distinct from SQL NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// getForWrite returns the state of key that a conditional write will
// start from: the one this process last saw if it remembers it and
// fromFile is false, else the one in the file, read on the writer
// connection, whose page cache is warm after this process's writes.
// cached reports which it is.
func (s *Store) getForWrite(ctx context.Context, key string, fromFile bool) (c current, cached bool, err error) {
	if err := ctx.Err(); err != nil {
		return current{}, false, err
	}
	if !fromFile {
		if c, ok := s.recent.get(key); ok {
			return c, true, nil
		}
	}
	unlock, err := s.writing(ctx)
	if err != nil {
		return current{}, false, err
	}
	c, err = s.scanCurrent(key)
	unlock()
	if err == nil {
		s.recent.put(c)
	}
	return c, false, err
}

func (s *Store) scanCurrent(key string) (current, error) {
	c := current{KeyValue: storage.KeyValue{Key: key}}
	err := scanGet(s.ws.get, &c.KeyValue, &c.modID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, storage.NewNotFound(key)
	}
	if err != nil {
		return c, s.internal(err)
	}
	return c, nil
}

// Update reads key, calls fn outside any lock and writes its result if the
// key has not moved meanwhile, retrying otherwise.
//
// The state fn first sees may be the one this process remembers (see
// recent), which another process may have changed since. As the
// apiserver's GuaranteedUpdate does with its cached object, a remembered
// state is never the last word: when fn fails on it (a Conflict because
// the caller read a newer resourceVersion, or anything else: fn may have
// decided from stale data) or the write finds the key moved, the state is
// read again from the file and fn called again. A remembered state thus
// costs at most one extra call of fn, and every error Update returns was
// produced on the key's state in the file.
func (s *Store) Update(ctx context.Context, key string, fn storage.UpdateFunc) (storage.KeyValue, error) {
	fromFile := false
	for {
		cur, cached, err := s.getForWrite(ctx, key, fromFile)
		if err != nil {
			return storage.KeyValue{}, err
		}
		value, err := fn(cur.KeyValue)
		if err != nil {
			if cached {
				fromFile = true
				continue
			}
			return storage.KeyValue{}, err
		}
		if err := storage.CheckSize(key, value); err != nil {
			return storage.KeyValue{}, err
		}
		value = nonNil(value)
		rev, err := s.single(ctx, s.ws.update, key, value, time.Now().UnixMilli(), cur.modID, cur.CreateRevision, valueSum(key, value))
		if errors.Is(err, errStale) {
			s.recent.drop(key)
			fromFile = true
			continue
		}
		if err != nil {
			return storage.KeyValue{}, err
		}
		kv := storage.KeyValue{Key: key, Value: value, Revision: rev, CreateRevision: cur.CreateRevision}
		s.recent.put(current{KeyValue: kv, modID: rev << opBits})
		return kv, nil
	}
}

// write runs fn in a write transaction at the next revision and returns
// that revision.
func (s *Store) write(ctx context.Context, fn func(rev int64) error) (int64, error) {
	var rev int64
	err := s.tx(ctx, func() error {
		var id int64
		if err := s.ws.maxID.QueryRow().Scan(&id); err != nil {
			return s.internal(err)
		}
		rev = id>>opBits + 1
		return fn(rev)
	})
	if err != nil {
		return 0, err
	}
	s.afterWrite(ctx, rev)
	return rev, nil
}

// Delete removes key once check accepts its current value, retrying like
// Update when the key moves in between; like Update, it checks a state
// this process remembers again on the file's when check refuses it.
func (s *Store) Delete(ctx context.Context, key string, check storage.Precondition) (storage.KeyValue, error) {
	fromFile := false
	for {
		cur, cached, err := s.getForWrite(ctx, key, fromFile)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if check != nil {
			if err := check(cur.KeyValue); err != nil {
				if cached {
					fromFile = true
					continue
				}
				return storage.KeyValue{}, err
			}
		}
		rev, err := s.single(ctx, s.ws.delete, key, time.Now().UnixMilli(), cur.modID, cur.CreateRevision, valueSum(key, nil))
		s.recent.drop(key)
		if errors.Is(err, errStale) {
			fromFile = true
			continue
		}
		if err != nil {
			return storage.KeyValue{}, err
		}
		cur.Revision = rev
		return cur.KeyValue, nil
	}
}

// Txn applies ops atomically at one new revision.
func (s *Store) Txn(ctx context.Context, ops []storage.Op) (int64, error) {
	if len(ops) == 0 {
		return 0, apierrors.NewBadRequest("a transaction needs at least one operation")
	}
	if len(ops) > maxOpsPerTxn {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("a transaction has %d operations, over the limit of %d", len(ops), maxOpsPerTxn))
	}
	seen := make(map[string]struct{}, len(ops))
	for _, op := range ops {
		s.recent.drop(op.Key)
		if _, dup := seen[op.Key]; dup {
			return 0, apierrors.NewBadRequest(fmt.Sprintf("key %s appears twice in one transaction", op.Key))
		}
		seen[op.Key] = struct{}{}
		switch op.Type {
		case storage.OpCreate, storage.OpPut:
			if err := storage.CheckSize(op.Key, op.Value); err != nil {
				return 0, err
			}
		case storage.OpDelete:
		default:
			return 0, apierrors.NewBadRequest(fmt.Sprintf("unknown operation type %d for key %s", op.Type, op.Key))
		}
	}
	return s.write(ctx, func(rev int64) error {
		for i, op := range ops {
			if err := s.txnOp(rev<<opBits|int64(i), op); err != nil {
				return err
			}
		}
		return nil
	})
}

// txnOp applies one Txn operation as log row id. The transaction holds the
// write lock, so nothing can move under it.
func (s *Store) txnOp(id int64, op storage.Op) error {
	ts := time.Now().UnixMilli()
	if op.Type == storage.OpCreate {
		return s.execOne(storage.NewAlreadyExists(op.Key), s.ws.createAt, op.Key, nonNil(op.Value), ts, id, valueSum(op.Key, op.Value))
	}
	var modID, createRev int64
	err := s.ws.head.QueryRow(op.Key).Scan(&modID, &createRev)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.NewNotFound(op.Key)
	}
	if err != nil {
		return s.internal(err)
	}
	if rev := modID >> opBits; op.ExpectedRevision != 0 && op.ExpectedRevision != rev {
		return storage.NewConflict(op.Key, op.ExpectedRevision, rev)
	}
	if op.Type == storage.OpDelete {
		return s.execOne(errStale, s.ws.deleteAt, op.Key, ts, modID, createRev, id, valueSum(op.Key, nil))
	}
	return s.execOne(errStale, s.ws.updateAt, op.Key, nonNil(op.Value), ts, modID, createRev, id, valueSum(op.Key, op.Value))
}

// execOne runs a write statement inside a transaction; none is what
// log_check refusing it means.
func (s *Store) execOne(none error, stmt *sql.Stmt, args ...any) error {
	_, err := stmt.Exec(args...)
	if isStale(err) {
		return none
	}
	return s.internal(err)
}

// Compact drops the history at and below revision, in chunks so that other
// writers never wait long.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	cur, compacted, err := s.revisions(ctx)
	if err != nil {
		return err
	}
	if revision > cur {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot compact to revision %d: the store is at revision %d", revision, cur))
	}
	if revision <= compacted {
		return nil
	}
	for {
		more, err := s.compactStep(ctx, revision, 0)
		if err != nil || !more {
			return err
		}
	}
}

// autoCompact applies the retention policy. It first looks, without
// taking the write lock, whether anything is old enough to go.
func (s *Store) autoCompact(ctx context.Context) error {
	var cutoff int64
	if s.cfg.retainFor > 0 {
		cutoff = time.Now().Add(-s.cfg.retainFor).UnixMilli()
	}
	var oldestTS, maxID, compacted int64
	err := s.rdb.QueryRowContext(ctx, `SELECT coalesce((SELECT max(id) FROM log), 0), compacted,
		coalesce((SELECT ts FROM log WHERE id > (compacted << 16 | 65535) ORDER BY id LIMIT 1), 0)
		FROM meta WHERE id = 1`).Scan(&maxID, &compacted, &oldestTS)
	if err != nil {
		return err
	}
	if maxID>>opBits-s.cfg.retainRevisions <= compacted || (cutoff > 0 && oldestTS >= cutoff) {
		return nil
	}
	// A few chunks per check bound the delay one write sees; checks come
	// every compactCheckEvery revisions, so a backlog still drains.
	for range autoCompactChunks {
		more, err := s.compactStep(ctx, -1, cutoff)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// compactStep compacts at most compactChunk revisions, up to target, or up
// to the retention policy when target is -1 (cutoff, when not 0, keeps
// revisions written at or after that Unix millisecond). It reports whether
// more remains.
//
// Compacting (C, T] deletes the rows that changes in (C, T] superseded
// and the deletions in (C, T]. What stays at or below T is each live key's
// latest row, which later changes point at (prev_id) for the older state.
func (s *Store) compactStep(ctx context.Context, target, cutoff int64) (bool, error) {
	more := false
	err := s.tx(ctx, func() error {
		bg := context.Background()
		maxID, compacted, err := heads(bg, s.wconn)
		if err != nil {
			return s.internal(err)
		}
		if target < 0 {
			target = maxID>>opBits - s.cfg.retainRevisions
		}
		if target <= compacted {
			return nil
		}
		if target > compacted+compactChunk {
			target, more = compacted+compactChunk, true
		}
		lo, hi := compacted<<opBits|opMask, target<<opBits|opMask
		if cutoff > 0 {
			var last sql.NullInt64
			if err := s.wconn.QueryRowContext(bg,
				`SELECT max(id) FROM log WHERE id > ?1 AND id <= ?2 AND ts < ?3`, lo, hi, cutoff).Scan(&last); err != nil {
				return s.internal(err)
			}
			if !last.Valid {
				more = false
				return nil
			}
			if r := last.Int64 >> opBits; r < target {
				target, more = r, false
				hi = target<<opBits | opMask
			}
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM log WHERE id IN (SELECT prev_id FROM log WHERE id > ?1 AND id <= ?2 AND prev_id != 0)`, []any{lo, hi}},
			// The newest row stays even when it is a deletion: max(id) is
			// how every process finds the revision. The lower bound
			// includes revision C so that such a row goes next time.
			{`DELETE FROM log WHERE id >= ?1 AND id <= ?2 AND type = 3 AND id < ?3`, []any{compacted << opBits, hi, maxID}},
			{`UPDATE meta SET compacted = ?1 WHERE id = 1`, []any{target}},
		} {
			if _, err := s.wconn.ExecContext(bg, q.sql, q.args...); err != nil {
				return s.internal(err)
			}
		}
		return nil
	})
	return more && err == nil, err
}
