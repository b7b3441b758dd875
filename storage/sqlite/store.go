package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/k1s-dev/k1s/storage"
)

// Store is a storage.Interface kept in one SQLite file. It is safe for
// concurrent use, and other processes may open the same file at once.
type Store struct {
	path string
	cfg  config

	// wmu serialises this process's writers on wconn, the only writing
	// connection; other processes queue on SQLite's own write lock.
	wmu   sync.Mutex
	wdb   *sql.DB
	wconn *sql.Conn
	ws    writeStmts
	// checked and damage hold the integrity check made before this
	// store's first write (see checkBeforeWrites); guarded by wmu.
	checked bool
	damage  error

	recent recent // states this process last saw, for Update and Delete

	rdb  *sql.DB // reader pool; WAL readers never wait for writers
	rget *sql.Stmt

	closed atomic.Bool

	// file is the store's file as opened; lost is set, by the poller,
	// once the path no longer names it (removed, or another file moved
	// over it), and ends every watch.
	file os.FileInfo
	lost atomic.Pointer[error]

	// nmu guards notify, closed and replaced whenever the log may have
	// grown, and the poller state.
	nmu      sync.Mutex
	notify   chan struct{}
	pollStop chan struct{}
	watchers sync.WaitGroup
	pollDone chan struct{}
	stopAll  chan struct{} // closed by Close to end every watcher
}

var _ storage.Interface = (*Store)(nil)

// Open opens the store in the SQLite file at path, creating the file (mode
// 0600) and its schema if it does not exist. A file that is not a SQLite
// database, is damaged, or was written by a newer k1s is refused with an
// error naming it, and is left unchanged.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	// Create the file ourselves so that it is private from the start:
	// SQLite would use 0644, and gives the -wal and -shm files the mode of
	// the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s := &Store{path: abs, cfg: cfg, notify: make(chan struct{}), stopAll: make(chan struct{})}
	if err := s.open(); err != nil {
		_ = s.closeDBs() // the open error says more
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if s.file, err = os.Stat(abs); err != nil {
		_ = s.closeDBs()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the driver's connection string. Pragmas given here run on
// every connection the pools open.
func (s *Store) dsn(extra string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(s.path)
	if s.cfg.walAutocheckpoint != 0 {
		extra += fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", s.cfg.walAutocheckpoint)
	}
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=synchronous(%s)%s",
		esc, s.cfg.busyTimeout.Milliseconds(), s.cfg.sync.pragma(), extra)
}

func (s *Store) open() error {
	ctx := context.Background()
	if err := checkHeader(s.path); err != nil {
		return err
	}
	var err error
	if s.wdb, err = sql.Open("sqlite", s.dsn("")); err != nil {
		return err
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	if s.wconn, err = s.wdb.Conn(ctx); err != nil {
		return describe(s.path, err)
	}
	// Processes opening a file at once queue on its locks; what SQLite's
	// busy handler does not wait out, backoff does (see transient).
	b := s.backoff()
	for {
		err = s.setUp(ctx)
		if !b.again(ctx, err) {
			break
		}
	}
	if err != nil {
		return describe(s.path, err)
	}
	if err := s.prepareWrites(ctx); err != nil {
		return describe(s.path, err)
	}
	if s.rdb, err = sql.Open("sqlite", s.dsn("&_pragma=query_only(1)")); err != nil {
		return err
	}
	s.rdb.SetMaxOpenConns(s.cfg.readers)
	s.rdb.SetMaxIdleConns(s.cfg.readers)
	b = s.backoff()
	for {
		s.rget, err = s.rdb.PrepareContext(ctx, sqlGet)
		if !b.again(ctx, err) {
			break
		}
	}
	return describe(s.path, err)
}

// setUp checks the file on the writer connection, switches it to WAL
// and creates or upgrades the schema. Each step can be repeated.
func (s *Store) setUp(ctx context.Context) error {
	// Read before anything writes: a file that is not a database, is
	// damaged or is not ours must be refused before journal_mode=WAL
	// rewrites its header.
	version, err := schemaVersion(ctx, s.wconn, s.path)
	if err != nil {
		return err
	}
	if version > 0 {
		if err := probe(ctx, s.wconn); err != nil {
			return err
		}
	}
	var mode string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("cannot switch the file to WAL mode (journal_mode is %q)", mode)
	}
	if version < len(migrations) {
		return migrate(ctx, s.wconn, s.path)
	}
	return nil
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader refuses a non-empty file that does not start like a SQLite
// database. SQLite itself would take a file cut inside its header for an
// empty database and write a new one over it.
//
// It checks the 100-byte header's magic string and nothing else, because
// nothing else in the main file can be judged without SQLite's locks.
// In WAL mode the main file is not the database: the WAL holds the
// newer pages, page 1 (the header) among them, and a checkpoint copies
// them into the file in page order, so page 1 with a larger page count
// lands before the pages that make the file that long
// (https://www.sqlite.org/walformat.html, wal.html). A checkpoint that
// readers hold back (it only copies frames no reader still needs), or
// one that a SIGKILL or a full disk interrupted, leaves the header's
// count larger than the file for as long as the WAL holds the rest,
// which is a healthy state that the next checkpoint completes. Comparing
// the two from outside therefore raced with every checkpoint and, after
// an interrupted one, refused a good file for good (issues 17 and 20).
// SQLite makes the same comparison itself under its read lock, with the
// size the WAL index says the database has (lockBtree: a header count
// over the file's pages is SQLITE_CORRUPT), and reading the schema and
// probe's pages below meets any damage SQLite can see; describe names
// it. The magic string is safe to read at any time: a checkpoint only
// ever rewrites page 1 with the same first 16 bytes, and a file SQLite
// created is never shorter than one page, so a non-empty file shorter
// than the header was cut or is something else.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() == 0 {
		return nil // a new file, or a store whose first checkpoint is to come
	}
	var h [100]byte
	if n, _ := f.ReadAt(h[:], 0); n < len(h) || string(h[:16]) != sqliteMagic {
		return fmt.Errorf("the file is not a SQLite database (%d bytes, no SQLite header)", fi.Size())
	}
	return nil
}

// probe reads the last page of each table of an existing store, so that a
// damaged file fails here rather than at the first write.
func probe(ctx context.Context, c *sql.Conn) error {
	var id sql.NullInt64
	if err := c.QueryRowContext(ctx, `SELECT max(id) FROM log`).Scan(&id); err != nil {
		return err
	}
	var key sql.NullString
	err := c.QueryRowContext(ctx, `SELECT key FROM kv ORDER BY key DESC LIMIT 1`).Scan(&key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

func (s *Store) prepareWrites(ctx context.Context) error {
	for _, st := range s.ws.all() {
		var err error
		b := s.backoff()
		for {
			*st.st, err = s.wconn.PrepareContext(ctx, st.sql)
			if !b.again(ctx, err) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("preparing %s: %w", st.sql, err)
		}
	}
	return nil
}

// Path returns the absolute path of the store's file.
func (s *Store) Path() string { return s.path }

// Close ends every watch and closes the file. Calls after Close fail;
// a second Close does nothing.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.nmu.Lock()
	close(s.stopAll)
	if s.pollStop != nil {
		close(s.pollStop)
	}
	done := s.pollDone
	s.nmu.Unlock()
	s.watchers.Wait()
	if done != nil {
		<-done
	}
	// Wait for a writer in flight to finish before closing its connection.
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	// Statements first: SQLite does not close, and so does not checkpoint
	// the WAL into the file, while a statement is still prepared.
	for _, st := range s.ws.all() {
		if *st.st != nil {
			errs = append(errs, (*st.st).Close())
		}
	}
	if s.rget != nil {
		errs = append(errs, s.rget.Close())
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite store %s: %w", s.path, err)
	}
	return nil
}

// errClosed is what every call on a closed store returns.
func (s *Store) errClosed() error {
	return apierrors.NewServiceUnavailable(fmt.Sprintf("sqlite store %s is closed", s.path))
}

// internal wraps a SQLite failure; StatusErrors and context errors pass
// through unchanged so callers can test them.
func (s *Store) internal(err error) error {
	if err == nil {
		return nil
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return apierrors.NewInternalError(fmt.Errorf("sqlite store %s: %w", s.path, describe(s.path, err)))
}
