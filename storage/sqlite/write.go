package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// Event types as stored in log.type.
const (
	logAdded    = 1
	logModified = 2
	logDeleted  = 3
)

// errStale aborts a write transaction whose key moved since the caller
// read it; Update and Delete then read again and retry.
var errStale = errors.New("stale")

// tx runs fn in a write transaction on the writer connection. Only BEGIN
// sees ctx: it is where a writer waits for other processes, and
// interrupting a statement inside the transaction would gain nothing.
func (s *Store) tx(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return s.errClosed()
	}
	if _, err := s.ws.begin.ExecContext(ctx); err != nil {
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
	s.broadcast()
	if rev%compactCheckEvery == 0 {
		// Compaction is best effort: a failure here must not fail a
		// write that committed, and the next check retries.
		_ = s.autoCompact(ctx)
	}
	return rev, nil
}

func (s *Store) appendLog(id int64, key string, typ int, value, prev []byte, prevRev, createRev int64) error {
	_, err := s.ws.log.Exec(id, key, typ, value, prev, prevRev, createRev, time.Now().UnixMilli())
	return s.internal(err)
}

func (s *Store) insert(rev, id int64, key string, value []byte) error {
	res, err := s.ws.insert.Exec(key, value, rev)
	if err != nil {
		return s.internal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return storage.NewAlreadyExists(key)
	}
	return s.appendLog(id, key, logAdded, value, nil, 0, rev)
}

func (s *Store) replace(rev, id int64, cur storage.KeyValue, value []byte) error {
	res, err := s.ws.update.Exec(cur.Key, value, rev, cur.Revision)
	if err != nil {
		return s.internal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errStale
	}
	return s.appendLog(id, cur.Key, logModified, value, cur.Value, cur.Revision, cur.CreateRevision)
}

func (s *Store) remove(id int64, cur storage.KeyValue) error {
	res, err := s.ws.del.Exec(cur.Key, cur.Revision)
	if err != nil {
		return s.internal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errStale
	}
	return s.appendLog(id, cur.Key, logDeleted, nil, cur.Value, cur.Revision, cur.CreateRevision)
}

// Create writes a new key and returns its revision.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if err := storage.CheckSize(key, value); err != nil {
		return 0, err
	}
	return s.write(ctx, func(rev int64) error {
		return s.insert(rev, rev<<opBits, key, value)
	})
}

// Update reads key, calls fn outside any lock and writes its result if the
// key has not moved meanwhile, retrying otherwise.
func (s *Store) Update(ctx context.Context, key string, fn storage.UpdateFunc) (storage.KeyValue, error) {
	for {
		cur, err := s.Get(ctx, key)
		if err != nil {
			return storage.KeyValue{}, err
		}
		value, err := fn(cur)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if err := storage.CheckSize(key, value); err != nil {
			return storage.KeyValue{}, err
		}
		rev, err := s.write(ctx, func(rev int64) error {
			return s.replace(rev, rev<<opBits, cur, value)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return storage.KeyValue{}, err
		}
		return storage.KeyValue{Key: key, Value: value, Revision: rev, CreateRevision: cur.CreateRevision}, nil
	}
}

// Delete removes key once check accepts its current value, retrying like
// Update when the key moves in between.
func (s *Store) Delete(ctx context.Context, key string, check storage.Precondition) (storage.KeyValue, error) {
	for {
		cur, err := s.Get(ctx, key)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return storage.KeyValue{}, err
			}
		}
		rev, err := s.write(ctx, func(rev int64) error {
			return s.remove(rev<<opBits, cur)
		})
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return storage.KeyValue{}, err
		}
		cur.Revision = rev
		return cur, nil
	}
}

// getForWrite reads key inside the write transaction.
func (s *Store) getForWrite(key string) (storage.KeyValue, error) {
	kv := storage.KeyValue{Key: key}
	err := s.ws.get.QueryRow(key).Scan(&kv.Value, &kv.Revision, &kv.CreateRevision)
	if errors.Is(err, sql.ErrNoRows) {
		return kv, storage.NewNotFound(key)
	}
	return kv, s.internal(err)
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
			id := rev<<opBits | int64(i)
			if op.Type == storage.OpCreate {
				if err := s.insert(rev, id, op.Key, op.Value); err != nil {
					return err
				}
				continue
			}
			cur, err := s.getForWrite(op.Key)
			if err != nil {
				return err
			}
			if op.ExpectedRevision != 0 && op.ExpectedRevision != cur.Revision {
				return storage.NewConflict(op.Key, op.ExpectedRevision, cur.Revision)
			}
			if op.Type == storage.OpPut {
				err = s.replace(rev, id, cur, op.Value)
			} else {
				err = s.remove(id, cur)
			}
			if err != nil {
				return err // cannot be stale: the transaction holds the write lock
			}
		}
		return nil
	})
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

// autoCompact applies the retention policy.
func (s *Store) autoCompact(ctx context.Context) error {
	for {
		var cutoff int64
		if s.cfg.retainFor > 0 {
			cutoff = time.Now().Add(-s.cfg.retainFor).UnixMilli()
		}
		more, err := s.compactStep(ctx, -1, cutoff)
		if err != nil || !more {
			return err
		}
	}
}

// compactStep deletes at most compactChunk revisions of history, up to
// target, or up to the retention policy when target is -1 (cutoff, when
// not 0, keeps revisions written at or after that Unix millisecond). It
// reports whether more remains to delete.
func (s *Store) compactStep(ctx context.Context, target, cutoff int64) (bool, error) {
	more := false
	err := s.tx(ctx, func() error {
		var maxID, compacted int64
		if err := s.ws.maxID.QueryRow().Scan(&maxID); err != nil {
			return s.internal(err)
		}
		if err := s.wconn.QueryRowContext(context.Background(), `SELECT compacted FROM meta WHERE id = 1`).Scan(&compacted); err != nil {
			return s.internal(err)
		}
		cur := maxID >> opBits
		if target < 0 {
			target = cur - s.cfg.retainRevisions
		}
		if target <= compacted {
			return nil
		}
		if target > compacted+compactChunk {
			target, more = compacted+compactChunk, true
		}
		if cutoff > 0 {
			var last sql.NullInt64
			if err := s.wconn.QueryRowContext(context.Background(),
				`SELECT max(id) FROM log WHERE id <= ?1 AND ts < ?2`, target<<opBits|opMask, cutoff).Scan(&last); err != nil {
				return s.internal(err)
			}
			if !last.Valid || last.Int64>>opBits <= compacted {
				more = false
				return nil
			}
			if r := last.Int64 >> opBits; r < target {
				target, more = r, false
			}
		}
		// The newest row stays even when compacting to the current
		// revision: max(id) is how every process finds the revision.
		if _, err := s.wconn.ExecContext(context.Background(),
			`DELETE FROM log WHERE id <= ?1 AND id < ?2`, target<<opBits|opMask, maxID); err != nil {
			return s.internal(err)
		}
		_, err := s.wconn.ExecContext(context.Background(), `UPDATE meta SET compacted = ?1 WHERE id = 1`, target)
		return s.internal(err)
	})
	return more && err == nil, err
}
