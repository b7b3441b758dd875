package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// describe adds what SQLite's terse messages mean for a k1s user of the
// store at path, and what to do about it: SQLite says "attempt to write a
// readonly database" when the directory is read-only and "disk I/O error"
// when the WAL was deleted.
func describe(path string, err error) error {
	dir := filepath.Dir(path)
	switch code := sqliteCode(err); code & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return fmt.Errorf("the file is not a SQLite database: %w", err)
	case sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("the file is damaged (truncated or overwritten): %w", err)
	case sqlite3.SQLITE_FULL:
		return diskFull(path, err)
	case sqlite3.SQLITE_READONLY:
		if code == sqlite3.SQLITE_READONLY_DIRECTORY {
			return fmt.Errorf("the directory %s is read-only: SQLite must create %s-wal and %s-shm beside the file to use it, even to read it; make the directory writable: %w",
				dir, filepath.Base(path), filepath.Base(path), err)
		}
		return fmt.Errorf("the file, or its -wal or -shm file, cannot be written: %w", err)
	case sqlite3.SQLITE_IOERR:
		if frames, ok := walMissing(path); ok {
			return fmt.Errorf("the WAL file %s-wal was deleted or cut while a process had the store open "+
				"(the index in %s-shm still counts %d frames in it): the changes it held that were not yet copied into the file "+
				"live on only in the processes that still have the store open; stop them (the last one to close writes them into the file), "+
				"then the store opens again; a process that was killed has lost them: %w", path, path, frames, err)
		}
		if lowOnSpace(dir) {
			return diskFull(path, err)
		}
		if limit, ok := fileSizeLimit(); ok && code == sqlite3.SQLITE_IOERR_WRITE {
			return fmt.Errorf("writing the file or its -wal file failed, and this process may not write files larger than %d bytes (ulimit -f): %w", limit, err)
		}
	}
	return err
}

func diskFull(path string, err error) error {
	return fmt.Errorf("the disk is full: SQLite could not write %s or its -wal or -shm file; free space in %s and try again: %w",
		path, filepath.Dir(path), err)
}

// walMissing reports whether the WAL index (the -shm file) counts frames
// that the WAL file beside it does not hold: the WAL was deleted or cut
// behind SQLite's back. The index header is the one described in
// https://www.sqlite.org/walformat.html (page size at byte 14, the number
// of valid frames at byte 16, in the machine's byte order).
func walMissing(path string) (frames uint32, missing bool) {
	shm, err := os.Open(path + "-shm")
	if err != nil {
		return 0, false
	}
	defer func() { _ = shm.Close() }()
	var h [48]byte
	if n, _ := shm.ReadAt(h[:], 0); n < len(h) || h[12] == 0 { // isInit
		return 0, false
	}
	pageSize := int64(binary.NativeEndian.Uint16(h[14:16]))
	if pageSize == 1 {
		pageSize = 65536
	}
	frames = binary.NativeEndian.Uint32(h[16:20])
	if frames == 0 {
		return 0, false
	}
	var size int64
	if fi, err := os.Stat(path + "-wal"); err == nil {
		size = fi.Size()
	}
	return frames, size < 32+int64(frames)*(24+pageSize)
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
	if err == nil || !transient(err) || ctx.Err() != nil {
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
