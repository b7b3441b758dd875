package sqlite

import (
	"errors"
	"fmt"

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
