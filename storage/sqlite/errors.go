package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteCode returns the extended result code of a SQLite error in err's
// chain, or 0 when there is none. The driver turns extended result codes
// on for every connection, so the low byte is the primary code and the
// rest says which case of it (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE...).
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// primaryCode is the primary result code of err (SQLITE_BUSY for every
// SQLITE_BUSY_*), or 0.
func primaryCode(err error) int {
	return sqliteCode(err) & 0xff
}

// describe adds what SQLite's terse messages mean for a k1s user.
func describe(err error) error {
	switch primaryCode(err) {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("the file is not a SQLite database: %w", err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("the file is damaged (truncated or overwritten): %w", err)
	}
	return err
}

// transient reports whether err is SQLite saying "not now" rather than
// "no": another connection holds a lock this one needs (SQLITE_BUSY and
// its extended codes: BUSY_RECOVERY while another process rebuilds the
// WAL index, BUSY_SNAPSHOT, BUSY_TIMEOUT), a lock conflict inside this
// process (SQLITE_LOCKED and its extended codes), or a race on the WAL
// index that SQLite stopped retrying (SQLITE_PROTOCOL). A busy but
// healthy store gives these under concurrency.
//
// SQLite's busy handler (busy_timeout) waits out most of them itself, but
// not all: changing the journal mode of a file another process is
// creating, for one, fails at once with SQLITE_BUSY
// (TestConcurrentNewStores). backoff retries them for the same time.
func transient(err error) bool {
	switch primaryCode(err) {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL:
		return true
	}
	return false
}

// backoff retries an operation that failed with a transient error until
// the store's busy timeout has passed since the operation started. When
// SQLite's busy handler itself ran out of time, that time has passed, so
// a store that stays busy for longer still fails as BusyTimeout
// promises. It is a value, so that the happy path allocates nothing:
//
//	b := s.backoff()
//	for {
//		err = op()
//		if !b.again(ctx, err) {
//			break
//		}
//	}
type backoff struct {
	deadline time.Time
	wait     time.Duration
}

func (s *Store) backoff() backoff {
	return backoff{deadline: time.Now().Add(s.cfg.busyTimeout), wait: time.Millisecond}
}

// again reports whether to try again after err, having waited a little.
func (b *backoff) again(ctx context.Context, err error) bool {
	if !transient(err) || ctx.Err() != nil {
		return false
	}
	left := time.Until(b.deadline)
	if left <= 0 {
		return false
	}
	t := time.NewTimer(min(b.wait, left))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return false
	}
	b.wait = min(2*b.wait, 50*time.Millisecond)
	return true
}
