package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

func labelled(name, shelf string) []byte {
	return fmt.Appendf(nil, `{"metadata":{"name":%q,"labels":{"shelf":%q}}}`, name, shelf)
}

func selectedKeys(t *testing.T, s *Store, reqs ...storage.LabelRequirement) []string {
	t.Helper()
	res, err := s.List(t.Context(), "/i/", storage.ListOptions{Labels: reqs})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range res.Items {
		keys = append(keys, kv.Key)
	}
	return keys
}

// TestMigrateV4BuildsTheLabelIndex: a file as a version 4 k1s left it
// (no labels table, no trigger) gets its index built from the current
// values when a version 5 k1s opens it, and a writer that knows nothing
// of the index (v4 code, which writes by inserting into log) keeps it
// right through the trigger the file now holds.
func TestMigrateV4BuildsTheLabelIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for i := range 6 {
		if _, err := s.Create(ctx, fmt.Sprintf("/i/o%d", i), labelled(fmt.Sprint(i), fmt.Sprint("s", i%3))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Update(ctx, "/i/o0", func(storage.KeyValue) ([]byte, error) { return labelled("0", "s2"), nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, "/i/o1", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rawExec(t, path, `DROP TRIGGER log_labels`, `DROP TABLE labels`, `UPDATE meta SET schema_version = 4`)

	s = openTestAt(t, path)
	var version int
	if err := s.wconn.QueryRowContext(ctx, `SELECT schema_version FROM meta`).Scan(&version); err != nil || version != 5 {
		t.Fatalf("schema version %d (%v) after opening a v4 file, want 5", version, err)
	}
	if got, want := selectedKeys(t, s, storage.LabelRequirement{Key: "shelf", Values: []string{"s2"}}), []string{"/i/o0", "/i/o2", "/i/o5"}; !slices.Equal(got, want) {
		t.Errorf("shelf=s2 after migration: %v, want %v", got, want)
	}
	var rows int
	if err := s.wconn.QueryRowContext(ctx, `SELECT count(*) FROM labels`).Scan(&rows); err != nil || rows != 5 {
		t.Errorf("%d index rows (%v), want 5 (one per live key)", rows, err)
	}

	// A v4 writer: an insert into log as write.go's does, with no idea of
	// the index.
	rev, err := s.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	modID := func(r int64) int64 { return r << opBits }
	var prev int64
	if err := s.wconn.QueryRowContext(ctx, `SELECT mod_id FROM kv WHERE key = '/i/o2'`).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		id, prev, create int64
		key, shelf       string
		typ              int
	}{
		{modID(rev + 1), prev, 3, "/i/o2", "s9", logModified},
		{modID(rev + 2), 0, rev + 2, "/i/o9", "s2", logAdded},
	} {
		v := labelled(strings.TrimPrefix(w.key, "/i/o"), w.shelf)
		if _, err := s.wconn.ExecContext(ctx, `INSERT INTO log (id, key, type, ts, prev_id, create_revision, value, sum) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)`,
			w.id, w.key, w.typ, w.prev, w.create, v, valueSum(w.key, v)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := selectedKeys(t, s, storage.LabelRequirement{Key: "shelf", Values: []string{"s2", "s9"}}), []string{"/i/o0", "/i/o2", "/i/o5", "/i/o9"}; !slices.Equal(got, want) {
		t.Errorf("shelf in (s2,s9) after v4-style writes: %v, want %v", got, want)
	}
	if got, want := selectedKeys(t, s, storage.LabelRequirement{Key: "shelf", Values: []string{"s2"}}), []string{"/i/o0", "/i/o5", "/i/o9"}; !slices.Equal(got, want) {
		t.Errorf("shelf=s2 after v4-style writes: %v, want %v", got, want)
	}
}

// TestLabelListUsesTheIndex checks the query plan: a selected list reads
// the labels primary key, not every row of kv.
func TestLabelListUsesTheIndex(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	where, args := keyRange("k.key", "/i/", "/i/", 1)
	plan := explain(t, s, `SELECT k.key FROM kv k WHERE `+where+` AND k.key IN (SELECT key FROM labels WHERE name = ?3 AND value IN (?4, ?5) AND key >= ?1 AND key < ?2) ORDER BY k.key`,
		append(args, "shelf", "s1", "s2")...)
	if !strings.Contains(plan, "labels") || strings.Contains(plan, "SCAN labels") {
		t.Errorf("plan does not search the labels index:\n%s", plan)
	}
	_ = ctx
}

func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.rdb.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}
