package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// v1File writes a schema version 1 file the way version 1 of this
// package did: the version 1 DDL, creations and modifications logged by
// its triggers on kv, deletions logged by hand, history compacted to
// revision 3. Then it edits the file as a person might have: the log row
// of /v/c's current value holds other bytes, and that of /v/a is gone.
func v1File(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := migrateV1(ctx, c); err != nil {
		t.Fatal(err)
	}
	id := func(rev int64) int64 { return rev << opBits }
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE meta SET schema_version = 1`, nil},
		{`INSERT INTO kv (key, value, mod_id, create_revision) VALUES (?1, ?2, ?3, ?3 >> 16)`, []any{"/v/a", []byte("a1"), id(1)}},
		{`INSERT INTO kv (key, value, mod_id, create_revision) VALUES (?1, ?2, ?3, ?3 >> 16)`, []any{"/v/b", []byte("b1"), id(2)}},
		{`UPDATE kv SET value = ?2, mod_id = ?3 WHERE key = ?1`, []any{"/v/a", []byte("a2"), id(3)}},
		{`INSERT INTO kv (key, value, mod_id, create_revision) VALUES (?1, ?2, ?3, ?3 >> 16)`, []any{"/v/c", []byte("c1"), id(4)}},
		{`DELETE FROM kv WHERE key = '/v/b'`, nil},
		{`INSERT INTO log (id, key, type, ts, prev_id, create_revision) VALUES (?1, '/v/b', 3, 0, ?2, 2)`, []any{id(5), id(2)}},
		{`UPDATE kv SET value = ?2, mod_id = ?3 WHERE key = ?1`, []any{"/v/c", []byte("c2"), id(6)}},
		// Version 1's compaction to revision 3.
		{`DELETE FROM log WHERE id IN (SELECT prev_id FROM log WHERE id <= ?1 AND prev_id != 0)`, []any{id(3) | opMask}},
		{`UPDATE meta SET compacted = 3`, nil},
		// Hand edits.
		{`UPDATE log SET value = 'edited' WHERE id = ?1`, []any{id(6)}},
		{`DELETE FROM log WHERE id = ?1`, []any{id(3)}},
	} {
		if _, err := c.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return path
}

// TestMigrateFromV1 opens a version 1 file and checks that its current
// state, its history and new writes all survive the upgrade.
func TestMigrateFromV1(t *testing.T) {
	path := v1File(t)
	s := openTestAt(t, path)
	ctx := t.Context()
	var version, valueCols int
	if err := s.wconn.QueryRowContext(ctx, `SELECT schema_version, (SELECT count(*) FROM pragma_table_info('kv') WHERE name = 'value') FROM meta`).Scan(&version, &valueCols); err != nil {
		t.Fatal(err)
	}
	if version != len(migrations) || valueCols != 0 {
		t.Fatalf("schema version %d with %d value columns in kv, want %d and 0", version, valueCols, len(migrations))
	}
	if rev, err := s.CurrentRevision(ctx); err != nil || rev != 6 {
		t.Fatalf("revision %d (%v), want 6", rev, err)
	}
	want := []storage.KeyValue{
		{Key: "/v/a", Value: []byte("a2"), Revision: 3, CreateRevision: 1},
		{Key: "/v/c", Value: []byte("c2"), Revision: 6, CreateRevision: 4},
	}
	for _, kv := range want {
		got, err := s.Get(ctx, kv.Key)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(kv, got); d != "" {
			t.Errorf("Get %s after migration (-want +got):\n%s", kv.Key, d)
		}
	}
	if _, err := s.Get(ctx, "/v/b"); !apierrors.IsNotFound(err) {
		t.Errorf("Get of the deleted key: %v, want NotFound", err)
	}
	res, err := s.List(ctx, "/v/", storage.ListOptions{Revision: 4})
	if err != nil {
		t.Fatal(err)
	}
	past := []storage.KeyValue{
		{Key: "/v/a", Value: []byte("a2"), Revision: 3, CreateRevision: 1},
		{Key: "/v/b", Value: []byte("b1"), Revision: 2, CreateRevision: 2},
		{Key: "/v/c", Value: []byte("c1"), Revision: 4, CreateRevision: 4},
	}
	if d := cmp.Diff(past, res.Items); d != "" {
		t.Errorf("List at revision 4 (-want +got):\n%s", d)
	}
	if _, err := s.List(ctx, "/v/", storage.ListOptions{Revision: 2}); !apierrors.IsResourceExpired(err) {
		t.Errorf("List at compacted revision 2: %v, want 410", err)
	}
	w, err := s.Watch(ctx, "/v/", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	wantEvents := []storage.Event{
		{Type: storage.Added, Key: "/v/c", Value: []byte("c1"), Revision: 4},
		{Type: storage.Deleted, Key: "/v/b", Value: []byte("b1"), PrevValue: []byte("b1"), Revision: 5},
		{Type: storage.Modified, Key: "/v/c", Value: []byte("c2"), PrevValue: []byte("c1"), Revision: 6},
	}
	var events []storage.Event
	for range wantEvents {
		select {
		case ev := <-w.ResultChan():
			events = append(events, ev)
		case <-time.After(time.Minute):
			t.Fatalf("watch from revision 3: %d events within a minute", len(events))
		}
	}
	if d := cmp.Diff(wantEvents, events); d != "" {
		t.Errorf("watch from revision 3 (-want +got):\n%s", d)
	}

	// The migrated file takes writes, and reopens without migrating.
	if _, err := s.Update(ctx, "/v/a", func(storage.KeyValue) ([]byte, error) { return []byte("a3"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "/v/b", []byte("b2")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, "/v/c", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestAt(t, path)
	if err := s.Compact(ctx, 9); err != nil {
		t.Fatal(err)
	}
	res, err = s.List(ctx, "/v/", storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := []storage.KeyValue{
		{Key: "/v/a", Value: []byte("a3"), Revision: 7, CreateRevision: 1},
		{Key: "/v/b", Value: []byte("b2"), Revision: 8, CreateRevision: 8},
	}
	if d := cmp.Diff(now, res.Items); d != "" {
		t.Errorf("List after new writes and compaction (-want +got):\n%s", d)
	}
}
