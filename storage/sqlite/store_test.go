package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// rawExec runs statements on the file at path outside any Store.
func rawExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// storeFile returns a closed store's file holding a few objects.
func storeFile(t *testing.T, objects int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range objects {
		if _, err := s.Create(t.Context(), fmt.Sprintf("/t/g/r/ns/o%05d", i), make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRefuses(t *testing.T) {
	cases := []struct {
		name string
		// setup returns the path to open.
		setup func(t *testing.T) string
		want  []string // substrings of the error, besides the path
	}{{
		name: "not a SQLite file",
		setup: func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "notes.txt")
			if err := os.WriteFile(p, []byte(strings.Repeat("these are not the pages you are looking for\n", 200)), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		},
		want: []string{"not a SQLite database"},
	}, {
		name: "truncated to half",
		setup: func(t *testing.T) string {
			p := storeFile(t, 300)
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
			return p
		},
		want: []string{"damaged"},
	}, {
		name: "overwritten with garbage",
		setup: func(t *testing.T) string {
			p := storeFile(t, 300)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for i := 4096; i < len(b); i++ {
				b[i] = byte(i * 7)
			}
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		},
		want: []string{"damaged"},
	}, {
		name: "truncated inside the header",
		setup: func(t *testing.T) string {
			p := storeFile(t, 3)
			if err := os.Truncate(p, 50); err != nil {
				t.Fatal(err)
			}
			return p
		},
		want: []string{"not a SQLite database"},
	}, {
		name: "parent is a regular file",
		setup: func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(f, "sub", "k1s.db")
		},
		want: []string{"not a directory"},
	}, {
		name: "a directory",
		setup: func(t *testing.T) string {
			return t.TempDir()
		},
		want: []string{"is a directory"},
	}, {
		name: "another application's database",
		setup: func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "app.db")
			rawExec(t, p, "CREATE TABLE things (id INTEGER PRIMARY KEY)")
			return p
		},
		want: []string{"not a k1s store"},
	}, {
		name: "newer schema",
		setup: func(t *testing.T) string {
			p := storeFile(t, 1)
			rawExec(t, p, "UPDATE meta SET schema_version = 7")
			return p
		},
		want: []string{"schema version 7", fmt.Sprintf("versions up to %d", len(migrations)), "upgrade k1s"},
	}, {
		name: "negative schema version",
		setup: func(t *testing.T) string {
			p := storeFile(t, 1)
			rawExec(t, p, "UPDATE meta SET schema_version = -5")
			return p
		},
		want: []string{"schema version -5", "not written by k1s"},
	}, {
		name: "schema version 0 with tables",
		setup: func(t *testing.T) string {
			p := storeFile(t, 1)
			rawExec(t, p, "UPDATE meta SET schema_version = 0")
			return p
		},
		want: []string{"schema version 0", "not written by k1s"},
	}, {
		name: "schema version not a number",
		setup: func(t *testing.T) string {
			p := storeFile(t, 1)
			rawExec(t, p, "UPDATE meta SET schema_version = 'two'")
			return p
		},
		want: []string{`schema version "two"`, "not written by k1s"},
	}, {
		name: "meta table without its row",
		setup: func(t *testing.T) string {
			p := storeFile(t, 1)
			rawExec(t, p, "DELETE FROM meta")
			return p
		},
		want: []string{"no schema version", "not written by k1s"},
	}}
	if os.Geteuid() != 0 {
		// Root ignores permission bits, so this case only means
		// something for other users; "parent is a regular file" covers
		// an unwritable location for everyone.
		cases = append(cases, struct {
			name  string
			setup func(t *testing.T) string
			want  []string
		}{
			name: "directory without write permission",
			setup: func(t *testing.T) string {
				d := t.TempDir()
				if err := os.Chmod(d, 0o500); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = os.Chmod(d, 0o700) })
				return filepath.Join(d, "k1s.db")
			},
			want: []string{"permission denied"},
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.setup(t)
			before, _ := os.ReadFile(path) // nil for a path that is not a file
			walBefore, _ := os.ReadFile(path + "-wal")
			s, err := Open(path)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open %s succeeded", path)
			}
			for _, w := range append([]string{path}, tc.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Errorf("Open changed the file it refused")
			}
			if walAfter, _ := os.ReadFile(path + "-wal"); string(walBefore) != string(walAfter) {
				t.Errorf("Open changed the WAL of the file it refused")
			}
		})
	}
}

func TestFileModes(t *testing.T) {
	s := openTest(t)
	if _, err := s.Create(t.Context(), "/t/g/r/a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{s.Path(), s.Path() + "-wal", s.Path() + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", p, fi.Mode().Perm())
		}
	}
}

// TestMigration adds a version to the framework and opens a file of
// today's version with it, as a future k1s will.
func TestMigration(t *testing.T) {
	path := storeFile(t, 2)
	saved := migrations
	t.Cleanup(func() { migrations = saved })
	migrations = append(append([]func(context.Context, *sql.Conn) error{}, saved...),
		func(ctx context.Context, c *sql.Conn) error {
			if _, err := c.ExecContext(ctx, "ALTER TABLE kv ADD COLUMN labels TEXT"); err != nil {
				return err
			}
			// Backfilling a new column must not log a change.
			_, err := c.ExecContext(ctx, "UPDATE kv SET labels = 'x'")
			return err
		})
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var version int
	if err := s.wconn.QueryRowContext(t.Context(), "SELECT schema_version FROM meta").Scan(&version); err != nil || version != len(saved)+1 {
		t.Fatalf("schema version %d (%v), want %d", version, err, len(saved)+1)
	}
	var labelled int
	if err := s.wconn.QueryRowContext(t.Context(), "SELECT count(*) FROM kv WHERE labels = 'x'").Scan(&labelled); err != nil || labelled != 2 {
		t.Fatalf("migration did not run: %d rows, %v", labelled, err)
	}
	if rev, err := s.CurrentRevision(t.Context()); err != nil || rev != 2 {
		t.Fatalf("revision %d (%v) after migration, want 2", rev, err)
	}
	if n, err := s.Count(t.Context(), "/t/"); err != nil || n != 2 {
		t.Fatalf("Count after migration: %d, %v", n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening at the same version migrates nothing.
	if s, err = Open(path); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	// Today's k1s refuses the migrated file.
	migrations = saved
	if _, err := Open(path); !errors.Is(err, errNewerSchema) {
		t.Fatalf("Open of a version %d file: %v, want the newer-schema error", len(saved)+1, err)
	}

	// A migration that fails leaves the file at its version.
	path = storeFile(t, 1)
	migrations = append(append([]func(context.Context, *sql.Conn) error{}, saved...),
		func(context.Context, *sql.Conn) error { return errors.New("boom") })
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("migrating schema version %d to %d: boom", len(saved), len(saved)+1)) {
		t.Fatalf("failing migration: %v", err)
	}
	migrations = saved
	s, err = Open(path)
	if err != nil {
		t.Fatalf("file left unusable by a failed migration: %v", err)
	}
	_ = s.Close()
}

func TestSynchronous(t *testing.T) {
	for _, tc := range []struct {
		opt  Option
		want int
	}{{nil, 1}, {Synchronous(SyncFull), 2}, {Synchronous(SyncNormal), 1}} {
		var opts []Option
		if tc.opt != nil {
			opts = append(opts, tc.opt)
		}
		s := openTest(t, opts...)
		var got int
		if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("synchronous %d, want %d", got, tc.want)
		}
	}
}

// TestBusy holds the write lock from another connection: a writer with a
// short busy timeout fails with an error naming the file, and one whose
// context ends gives up with the context's error.
func TestBusy(t *testing.T) {
	s := openTest(t, BusyTimeout(30*time.Millisecond))
	db, err := sql.Open("sqlite", s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	c, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if _, err := c.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), "/t/g/r/a", []byte("x")); err == nil || !strings.Contains(err.Error(), s.Path()) {
		t.Errorf("Create while another connection writes: %v, want an error naming the file", err)
	}
	if _, err := s.Txn(t.Context(), []storage.Op{{Type: storage.OpCreate, Key: "/t/g/r/a"}}); err == nil {
		t.Errorf("Txn while another connection writes succeeded")
	}
	if err := s.Compact(t.Context(), 0); err != nil {
		t.Errorf("Compact to 0 has nothing to do but failed: %v", err)
	}
	slow := openTestAt(t, s.Path(), BusyTimeout(time.Minute))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := slow.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: "/t/g/r/a"}}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Txn with an ending context: %v, want DeadlineExceeded", err)
	}
	if _, err := slow.Create(ctx, "/t/g/r/a", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Create with an ended context: %v, want DeadlineExceeded", err)
	}
	if _, err := c.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(t.Context(), "/t/g/r/a", []byte("x")); err != nil {
		t.Errorf("Create once the lock is released: %v", err)
	}
}

func openTestAt(t *testing.T, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestBadRequests(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, "/t/g/r/a", []byte("x")); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, storage.MaxValueSize+1)
	cases := []struct {
		name string
		do   func() error
		is   func(error) bool
	}{
		{"empty Txn", func() error { _, err := s.Txn(ctx, nil); return err }, apierrors.IsBadRequest},
		{"Txn with a key twice", func() error {
			_, err := s.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: "/t/g/r/b"}, {Type: storage.OpDelete, Key: "/t/g/r/b"}})
			return err
		}, apierrors.IsBadRequest},
		{"Txn with an unknown op", func() error { _, err := s.Txn(ctx, []storage.Op{{Type: 42, Key: "/t/g/r/b"}}); return err }, apierrors.IsBadRequest},
		{"Txn over the op limit", func() error { _, err := s.Txn(ctx, make([]storage.Op, maxOpsPerTxn+1)); return err }, apierrors.IsBadRequest},
		{"Txn with a large value", func() error {
			_, err := s.Txn(ctx, []storage.Op{{Type: storage.OpPut, Key: "/t/g/r/a", Value: big}})
			return err
		}, apierrors.IsRequestEntityTooLargeError},
		{"Update to a large value", func() error {
			_, err := s.Update(ctx, "/t/g/r/a", func(storage.KeyValue) ([]byte, error) { return big, nil })
			return err
		}, apierrors.IsRequestEntityTooLargeError},
		{"Compact to the future", func() error { return s.Compact(ctx, 99) }, apierrors.IsBadRequest},
		{"List with a negative limit", func() error { _, err := s.List(ctx, "/t/", storage.ListOptions{Limit: -1}); return err }, apierrors.IsBadRequest},
		{"List with a garbled continue token", func() error {
			_, err := s.List(ctx, "/t/", storage.ListOptions{Continue: "%%%"})
			return err
		}, apierrors.IsBadRequest},
		{"List with another prefix's token", func() error {
			_, err := s.List(ctx, "/t/", storage.ListOptions{Continue: encodeContinue(1, "/u/g/r/a")})
			return err
		}, apierrors.IsBadRequest},
		{"List at a future revision", func() error {
			_, err := s.List(ctx, "/t/", storage.ListOptions{Revision: 99})
			return err
		}, apierrors.IsTimeout},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !tc.is(err) {
				t.Errorf("got %v", err)
			}
			if rev, err := s.CurrentRevision(ctx); err != nil || rev != 1 {
				t.Errorf("revision %d (%v) after a refused call, want 1", rev, err)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	w, err := s.Watch(ctx, "/", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, open := <-w.ResultChan(); open {
		t.Errorf("watch still open after Close")
	}
	calls := map[string]func() error{
		"Create":          func() error { _, err := s.Create(ctx, "/a", nil); return err },
		"Get":             func() error { _, err := s.Get(ctx, "/a"); return err },
		"List":            func() error { _, err := s.List(ctx, "/", storage.ListOptions{}); return err },
		"Update":          func() error { _, err := s.Update(ctx, "/a", nil); return err },
		"Delete":          func() error { _, err := s.Delete(ctx, "/a", nil); return err },
		"Txn":             func() error { _, err := s.Txn(ctx, []storage.Op{{Type: storage.OpDelete, Key: "/a"}}); return err },
		"Watch":           func() error { _, err := s.Watch(ctx, "/", 0); return err },
		"Count":           func() error { _, err := s.Count(ctx, "/"); return err },
		"CurrentRevision": func() error { _, err := s.CurrentRevision(ctx); return err },
		"Compact":         func() error { return s.Compact(ctx, 1) },
	}
	for name, call := range calls {
		if err := call(); !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), s.Path()) {
			t.Errorf("%s after Close: %v, want ServiceUnavailable naming the file", name, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestHistoryModel applies random writes, compacting now and then, and
// checks every List at every revision still held, paged and unpaged,
// against a model of the store's state at each revision.
func TestHistoryModel(t *testing.T) {
	s := openTest(t, Retention(1, 0))
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	states := []map[string]storage.KeyValue{{}} // state at each revision
	keys := []string{"/m/a", "/m/b", "/m/c", "/m/d", "/m/e", "/m/f", "/n/a"}
	var compacted int64
	for step := range 400 {
		state := states[len(states)-1]
		next := make(map[string]storage.KeyValue, len(state))
		for k, v := range state {
			next[k] = v
		}
		rev := int64(len(states))
		k := keys[rng.IntN(len(keys))]
		val := []byte(fmt.Sprintf("v%d", step))
		var err error
		switch cur, exists := state[k]; {
		case !exists && rng.IntN(4) == 0:
			k2 := keys[rng.IntN(len(keys))]
			if _, exists2 := state[k2]; k2 == k || exists2 {
				_, err = s.Create(ctx, k, val)
				next[k] = storage.KeyValue{Key: k, Value: val, Revision: rev, CreateRevision: rev}
				break
			}
			_, err = s.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: k, Value: val}, {Type: storage.OpCreate, Key: k2, Value: val}})
			next[k] = storage.KeyValue{Key: k, Value: val, Revision: rev, CreateRevision: rev}
			next[k2] = storage.KeyValue{Key: k2, Value: val, Revision: rev, CreateRevision: rev}
		case !exists:
			_, err = s.Create(ctx, k, val)
			next[k] = storage.KeyValue{Key: k, Value: val, Revision: rev, CreateRevision: rev}
		case rng.IntN(3) == 0:
			_, err = s.Delete(ctx, k, nil)
			delete(next, k)
		case rng.IntN(2) == 0:
			_, err = s.Txn(ctx, []storage.Op{{Type: storage.OpPut, Key: k, Value: val, ExpectedRevision: cur.Revision}})
			next[k] = storage.KeyValue{Key: k, Value: val, Revision: rev, CreateRevision: cur.CreateRevision}
		default:
			_, err = s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) { return val, nil })
			next[k] = storage.KeyValue{Key: k, Value: val, Revision: rev, CreateRevision: cur.CreateRevision}
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		states = append(states, next)
		if step%97 == 96 {
			compacted = rev - int64(rng.IntN(30))
			if err := s.Compact(ctx, compacted); err != nil {
				t.Fatal(err)
			}
		}
	}
	for rev := int64(1); rev < int64(len(states)); rev++ {
		_, err := s.List(ctx, "/m/", storage.ListOptions{Revision: rev})
		if rev < compacted {
			if !apierrors.IsResourceExpired(err) {
				t.Fatalf("List at compacted revision %d: %v, want 410", rev, err)
			}
			continue
		}
		var want []storage.KeyValue
		for _, kv := range states[rev] {
			if strings.HasPrefix(kv.Key, "/m/") {
				want = append(want, kv)
			}
		}
		for _, limit := range []int64{0, 1, 2, 5} {
			var got []storage.KeyValue
			opts := storage.ListOptions{Revision: rev, Limit: limit}
			for {
				res, err := s.List(ctx, "/m/", opts)
				if err != nil {
					t.Fatalf("List at %d limit %d: %v", rev, limit, err)
				}
				got = append(got, res.Items...)
				if res.RemainingItemCount == nil || *res.RemainingItemCount != int64(len(want)-len(got)) {
					t.Fatalf("List at %d limit %d: remaining %v, want %d", rev, limit, res.RemainingItemCount, len(want)-len(got))
				}
				if res.Continue == "" {
					break
				}
				opts = storage.ListOptions{Limit: limit, Continue: res.Continue}
			}
			if d := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b storage.KeyValue) bool { return a.Key < b.Key }), cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("List at %d limit %d (-want +got):\n%s", rev, limit, d)
			}
		}
	}
}

// TestRetention checks the automatic compaction policy: the revision count
// alone, and a time window that keeps everything recent.
func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		name          string
		window        time.Duration
		wantCompacted bool
	}{{"revisions only", 0, true}, {"within the window", time.Hour, false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, Retention(10, tc.window))
			ctx := t.Context()
			for i := range 3 * compactCheckEvery {
				k := fmt.Sprintf("/r/k%d", i%7)
				if i < 7 {
					if _, err := s.Create(ctx, k, []byte("0")); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if _, err := s.Update(ctx, k, func(kv storage.KeyValue) ([]byte, error) { return []byte(fmt.Sprint(i)), nil }); err != nil {
					t.Fatal(err)
				}
			}
			_, compacted, err := s.revisions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := compacted > 0; got != tc.wantCompacted {
				t.Fatalf("compacted to %d; want compaction %v", compacted, tc.wantCompacted)
			}
			if !tc.wantCompacted {
				return
			}
			if cur := int64(3 * compactCheckEvery); compacted != cur-10 {
				t.Errorf("compacted to %d, want %d (current minus the 10 kept)", compacted, cur-10)
			}
			if _, err := s.Watch(ctx, "/r/", 1); !apierrors.IsResourceExpired(err) {
				t.Errorf("Watch from a compacted revision: %v, want 410", err)
			}
			var rows int
			if err := s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM log").Scan(&rows); err != nil {
				t.Fatal(err)
			}
			// Each of the 7 keys keeps its latest compacted row, plus the 10
			// revisions retained.
			if rows > 7+10 {
				t.Errorf("log holds %d rows after compaction, want at most 17", rows)
			}
			res, err := s.List(ctx, "/r/", storage.ListOptions{Revision: compacted})
			if err != nil || len(res.Items) != 7 {
				t.Errorf("List at the compacted revision: %d items, %v", len(res.Items), err)
			}
		})
	}
}

// TestWatchFallsBehind compacts past a watcher that is not reading: it
// gets a 410 Error event and its channel closes.
func TestWatchFallsBehind(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	w, err := s.Watch(ctx, "/w/", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var rev int64
	for i := range 300 {
		if rev, err = s.Create(ctx, fmt.Sprintf("/w/k%03d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	var last storage.Event
	for ev := range w.ResultChan() {
		last = ev
	}
	if last.Type != storage.Error || !apierrors.IsResourceExpired(last.Err) {
		t.Fatalf("last event %v, want a 410 Error", last)
	}
	// Compacting to the current revision keeps the revision: the next
	// write is the one after.
	if next, err := s.Create(ctx, "/w/after", nil); err != nil || next != rev+1 {
		t.Fatalf("Create after compacting everything: revision %d (%v), want %d", next, err, rev+1)
	}
	if n, err := s.Count(ctx, ""); err != nil || n != 301 {
		t.Fatalf("Count of everything: %d, %v", n, err)
	}
}

// TestRetentionWindow ages part of the history past the window: automatic
// compaction removes exactly that part, in several chunks.
func TestRetentionWindow(t *testing.T) {
	s := openTest(t, Retention(10, 30*time.Minute))
	ctx := t.Context()
	const writes, aged = compactChunk + 200, compactChunk + 100
	if _, err := s.Create(ctx, "/r/k", []byte("0")); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < writes; i++ {
		if _, err := s.Update(ctx, "/r/k", func(storage.KeyValue) ([]byte, error) { return []byte(fmt.Sprint(i)), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if _, compacted, err := s.revisions(ctx); err != nil || compacted != 0 {
		t.Fatalf("compacted to %d (%v) while all history is inside the window", compacted, err)
	}
	if _, err := s.wconn.ExecContext(ctx, "UPDATE log SET ts = ts - 3600000 WHERE id <= ?", int64(aged)<<opBits|opMask); err != nil {
		t.Fatal(err)
	}
	if err := s.autoCompact(ctx); err != nil {
		t.Fatal(err)
	}
	if _, compacted, err := s.revisions(ctx); err != nil || compacted != aged {
		t.Fatalf("compacted to %d (%v), want %d: the revisions older than the window", compacted, err, aged)
	}
	w, err := s.Watch(ctx, "/r/", aged)
	if err != nil {
		t.Fatalf("Watch from the oldest kept revision: %v", err)
	}
	defer w.Stop()
	ev := <-w.ResultChan()
	if ev.Revision != aged+1 || string(ev.PrevValue) != fmt.Sprint(aged-1) {
		t.Fatalf("first event %d %q (prev %q), want revision %d with the previous value %d", ev.Revision, ev.Value, ev.PrevValue, aged+1, aged-1)
	}
}

// TestStaleRecent writes through a second store behind the first one's
// back: the first store's remembered state is stale, which must cost a
// retry and never lose the other write.
func TestStaleRecent(t *testing.T) {
	a := openTest(t)
	b := openTestAt(t, a.Path())
	ctx := t.Context()
	if _, err := a.Create(ctx, "/s/k", []byte("a1")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, "/s/k", func(kv storage.KeyValue) ([]byte, error) { return append(kv.Value, "+b"...), nil }); err != nil {
		t.Fatal(err)
	}
	var seen []string
	kv, err := a.Update(ctx, "/s/k", func(kv storage.KeyValue) ([]byte, error) {
		seen = append(seen, string(kv.Value))
		return append(kv.Value, "+a"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(kv.Value) != "a1+b+a" || len(seen) != 2 {
		t.Fatalf("Update from a stale state wrote %q after calls with %q", kv.Value, seen)
	}
	if _, err := b.Update(ctx, "/s/k", func(kv storage.KeyValue) ([]byte, error) { return []byte("b2"), nil }); err != nil {
		t.Fatal(err)
	}
	var checked []string
	del, err := a.Delete(ctx, "/s/k", func(kv storage.KeyValue) error {
		checked = append(checked, string(kv.Value))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(del.Value) != "b2" || len(checked) != 2 {
		t.Fatalf("Delete from a stale state returned %q after checks of %q", del.Value, checked)
	}
}

// TestReadersDoNotWaitForWriters reads while this process's writer
// connection is taken.
func TestReadersDoNotWaitForWriters(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	if _, err := s.Create(ctx, "/g/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	kv, err := s.Get(ctx, "/g/k")
	if err != nil || string(kv.Value) != "v" || kv.Revision != 1 {
		t.Fatalf("Get while writing: %+v, %v", kv, err)
	}
	if _, err := s.Get(ctx, "/g/none"); !apierrors.IsNotFound(err) {
		t.Fatalf("Get of a missing key while writing: %v", err)
	}
	if n, err := s.Count(ctx, "/g/"); err != nil || n != 1 {
		t.Fatalf("Count while writing: %d, %v", n, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Get(cctx, "/g/k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a cancelled context: %v", err)
	}
}

// TestWatchBacklog replays more history than one read returns, and ends
// watchers that are blocked delivering it, by Stop and by their context.
func TestWatchBacklog(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	const n = 3 * watchBatch
	for i := range n {
		if _, err := s.Create(ctx, fmt.Sprintf("/b/k%04d", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	w, err := s.Watch(ctx, "/b/", 1)
	if err != nil {
		t.Fatal(err)
	}
	for want := int64(2); want <= n; want++ {
		if ev := <-w.ResultChan(); ev.Revision != want {
			t.Fatalf("event revision %d, want %d", ev.Revision, want)
		}
	}
	w.Stop()
	w.Stop() // twice is fine

	stopped, err := s.Watch(ctx, "/b/", 1)
	if err != nil {
		t.Fatal(err)
	}
	<-stopped.ResultChan()
	stopped.Stop()
	cctx, cancel := context.WithCancel(ctx)
	cancelled, err := s.Watch(cctx, "/b/", 1)
	if err != nil {
		t.Fatal(err)
	}
	<-cancelled.ResultChan()
	cancel()
	for _, w := range []storage.Watcher{stopped, cancelled} {
		got := 0
		for range w.ResultChan() {
			got++
		}
		if got >= n {
			t.Errorf("a stopped watcher delivered its whole backlog")
		}
	}
}

// TestLargePages opens a file whose pages are 64 KiB, which the header
// spells as 1.
func TestLargePages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	rawExec(t, path, "PRAGMA page_size = 65536", "CREATE TABLE x (y)", "DROP TABLE x")
	s := openTestAt(t, path)
	if _, err := s.Create(t.Context(), "/p/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestAt(t, path)
	var size int
	if err := s.wconn.QueryRowContext(t.Context(), "PRAGMA page_size").Scan(&size); err != nil || size != 65536 {
		t.Fatalf("page size %d, %v", size, err)
	}
	if kv, err := s.Get(t.Context(), "/p/k"); err != nil || string(kv.Value) != "v" {
		t.Fatalf("Get after reopen: %q, %v", kv.Value, err)
	}
}

// TestCancelledContext calls everything with a context that has ended:
// each call returns the context's error and writes nothing.
func TestCancelledContext(t *testing.T) {
	s := openTest(t)
	if _, err := s.Create(t.Context(), "/c/k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"Create": func() error { _, err := s.Create(ctx, "/c/new", nil); return err },
		"Get":    func() error { _, err := s.Get(ctx, "/c/k"); return err },
		"List":   func() error { _, err := s.List(ctx, "/c/", storage.ListOptions{}); return err },
		"Update": func() error {
			_, err := s.Update(ctx, "/c/k", func(storage.KeyValue) ([]byte, error) {
				t.Error("Update called its function under a cancelled context")
				return nil, nil
			})
			return err
		},
		"Delete": func() error {
			_, err := s.Delete(ctx, "/c/k", func(storage.KeyValue) error {
				t.Error("Delete checked its precondition under a cancelled context")
				return nil
			})
			return err
		},
		"Txn":             func() error { _, err := s.Txn(ctx, []storage.Op{{Type: storage.OpDelete, Key: "/c/k"}}); return err },
		"Watch":           func() error { _, err := s.Watch(ctx, "/c/", 0); return err },
		"Count":           func() error { _, err := s.Count(ctx, "/c/"); return err },
		"CurrentRevision": func() error { _, err := s.CurrentRevision(ctx); return err },
		"Compact":         func() error { return s.Compact(ctx, 1) },
	}
	// Update first, while this process still remembers the key's state.
	if err := calls["Update"](); !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context: %v", err)
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v", name, err)
		}
	}
	if rev, err := s.CurrentRevision(t.Context()); err != nil || rev != 1 {
		t.Errorf("revision %d (%v), want 1: a cancelled call wrote", rev, err)
	}
}

// TestWALCheckpointed checks that single-key writes, which are autocommit
// statements with RETURNING, run SQLite's automatic checkpoint: without
// it the WAL of a store that only creates and updates grows without
// bound and the database file stays empty.
func TestWALCheckpointed(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	value := make([]byte, 1000)
	const n = 1200 // about 3,000 WAL frames, three automatic checkpoints' worth
	for i := range n {
		if _, err := s.Create(ctx, fmt.Sprintf("/w/k%05d", i), value); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if _, err := s.Update(ctx, fmt.Sprintf("/w/k%05d", i), func(storage.KeyValue) ([]byte, error) { return value, nil }); err != nil {
			t.Fatal(err)
		}
	}
	wal, err := os.Stat(s.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	// The default autocheckpoint starts over after 1,000 frames of 4 KiB.
	if wal.Size() > 8<<20 || db.Size() < 2*n*1000 {
		t.Fatalf("after %d creates and %d updates of 1 KB: WAL %d bytes, database file %d bytes; want the WAL checkpointed into the file", n, n, wal.Size(), db.Size())
	}
}
