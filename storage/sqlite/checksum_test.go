package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/k1s-dev/k1s/storage"
)

// flipValue is object i's value at version v: 1 KB, unlike any other.
func flipValue(i, v int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("obj-%03d-v%d-", i, v), 100)[:1000])
}

// readAll is everything a reader can get from a store: each key's Get,
// the current List, a List at an earlier revision and every event of a
// watch from the start; each as the values read or the error met.
type readAll struct {
	gets    map[string]string
	list    []storage.KeyValue
	listErr error
	past    []storage.KeyValue
	pastErr error
	events  []storage.Event
}

func readEverything(t *testing.T, s *Store, keys []string, pastRev int64, events int) readAll {
	t.Helper()
	ctx := t.Context()
	r := readAll{gets: map[string]string{}}
	for _, k := range keys {
		kv, err := s.Get(ctx, k)
		if err != nil {
			r.gets[k] = "error: " + err.Error()
		} else {
			r.gets[k] = fmt.Sprintf("%d %s", kv.Revision, kv.Value)
		}
	}
	res, err := s.List(ctx, "/f/", storage.ListOptions{})
	r.list, r.listErr = res.Items, err
	res, err = s.List(ctx, "/f/", storage.ListOptions{Revision: pastRev})
	r.past, r.pastErr = res.Items, err
	w, err := s.Watch(ctx, "/f/", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for len(r.events) < events {
		select {
		case ev := <-w.ResultChan():
			r.events = append(r.events, ev)
			if ev.Type == storage.Error {
				return r
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("watch: %d of %d events within 20 s", len(r.events), events)
		}
	}
	return r
}

// isChecksumErr reports whether err is the refusal of a damaged value,
// naming an object and the file.
func isChecksumErr(err error, path string) bool {
	return err != nil && strings.Contains(err.Error(), "fails its checksum") &&
		strings.Contains(err.Error(), "/f/") && strings.Contains(err.Error(), path)
}

// TestDamagedValues flips a byte inside a stored value, on a copy of a
// file, at 64 random places: every read (Get, List now and at a past
// revision, Watch) either returns exactly what the intact file gives or
// fails with an error naming the object and the file; it never returns
// other bytes with no error. The file is written with secure_delete, so
// that each value is in the file once and each flip damages a live one,
// which some read must then report.
func TestDamagedValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.wconn.ExecContext(t.Context(), "PRAGMA secure_delete = ON"); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var values [][]byte
	for i := range 30 {
		k := fmt.Sprintf("/f/g/r/ns/o%03d", i)
		keys = append(keys, k)
		values = append(values, flipValue(i, 0))
		if _, err := s.Create(t.Context(), k, flipValue(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	pastRev, _ := s.CurrentRevision(t.Context())
	for i := range 10 {
		values = append(values, flipValue(i, 1))
		if _, err := s.Update(t.Context(), keys[i], func(storage.KeyValue) ([]byte, error) { return flipValue(i, 1), nil }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	const events = 39 // every revision after the first
	intact := readEverything(t, openTestAt(t, copyOf(t, path, nil)), keys, pastRev, events)
	if intact.listErr != nil || intact.pastErr != nil || len(intact.events) != events {
		t.Fatalf("reading the intact file: %v, %v, %d events", intact.listErr, intact.pastErr, len(intact.events))
	}

	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 64 {
		v := values[rng.IntN(len(values))]
		if n := bytes.Count(file, v); n != 1 {
			t.Fatalf("a value is %d times in the file, want once", n)
		}
		pos := bytes.Index(file, v) + rng.IntN(len(v))
		damaged := copyOf(t, path, func(b []byte) { b[pos] ^= byte(1 + rng.IntN(255)) })
		d := openTestAt(t, damaged)
		got := readEverything(t, d, keys, pastRev, events)
		detected := false
		for _, k := range keys {
			if g := got.gets[k]; g != intact.gets[k] {
				if !strings.HasPrefix(g, "error: ") || !isChecksumErr(fmt.Errorf("%s", g), damaged) {
					t.Fatalf("trial %d (byte %d): Get %s = %q, want %q or a checksum error naming it and the file", trial, pos, k, g, intact.gets[k])
				}
				detected = true
			}
		}
		for _, l := range []struct {
			name      string
			got, want []storage.KeyValue
			err       error
		}{{"List", got.list, intact.list, got.listErr}, {"List at a past revision", got.past, intact.past, got.pastErr}} {
			if l.err != nil {
				if !isChecksumErr(l.err, damaged) {
					t.Fatalf("trial %d (byte %d): %s: %v, want a checksum error naming an object and the file", trial, pos, l.name, l.err)
				}
				detected = true
			} else if d := cmp.Diff(l.want, l.got); d != "" {
				t.Fatalf("trial %d (byte %d): %s read other data with no error (-intact +damaged):\n%s", trial, pos, l.name, d)
			}
		}
		for i, ev := range got.events {
			if ev.Type == storage.Error {
				if !isChecksumErr(ev.Err, damaged) {
					t.Fatalf("trial %d (byte %d): watch Error %v, want a checksum error naming an object and the file", trial, pos, ev.Err)
				}
				detected = true
				break
			}
			if d := cmp.Diff(intact.events[i], ev, cmp.Comparer(func(a, b error) bool { return (a == nil) == (b == nil) })); d != "" {
				t.Fatalf("trial %d (byte %d): watch event %d differs with no error (-intact +damaged):\n%s", trial, pos, i, d)
			}
		}
		if !detected {
			t.Fatalf("trial %d (byte %d): no read noticed the damaged value", trial, pos)
		}
		_ = d.Close()
		_ = os.Remove(damaged)
	}
}

// copyOf copies the file at path into a new directory, changed by edit
// when not nil, and returns the copy's path.
func copyOf(t *testing.T, path string, edit func([]byte)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(b)
	}
	p := filepath.Join(t.TempDir(), "k1s.db")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// v2File writes a schema version 2 file as version 2 of this package
// did: the version 1 and 2 DDL, then writes in version 2's form (log
// rows without a checksum).
func v2File(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v2.db")
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
	for _, m := range []func(context.Context, *sql.Conn) error{migrateV1, migrateV2} {
		if err := m(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	const ins = `INSERT INTO log (id, key, type, ts, prev_id, create_revision, value) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)`
	id := func(rev int64) int64 { return rev << opBits }
	for _, r := range [][]any{
		{id(1), "/v/a", logAdded, 0, 1, []byte("a1")},
		{id(2), "/v/b", logAdded, 0, 2, []byte("b1")},
		{id(3), "/v/a", logModified, id(1), 1, []byte("a2")},
		{id(4), "/v/b", logDeleted, id(2), 2, nil},
		{id(5), "/v/c", logAdded, 0, 5, []byte{}},
	} {
		if _, err := c.ExecContext(ctx, ins, r...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.ExecContext(ctx, `UPDATE meta SET schema_version = 2`); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMigrateFromV2 opens a version 2 file: every row gets its checksum,
// and its current state, history and new writes read back.
func TestMigrateFromV2(t *testing.T) {
	path := v2File(t)
	s := openTestAt(t, path)
	ctx := t.Context()
	var missing int
	if err := s.wconn.QueryRowContext(ctx, `SELECT count(*) FROM log WHERE sum IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d rows without a checksum after migration (%v)", missing, err)
	}
	if kv, err := s.Get(ctx, "/v/a"); err != nil || string(kv.Value) != "a2" || kv.Revision != 3 {
		t.Fatalf("Get /v/a: %+v, %v", kv, err)
	}
	if kv, err := s.Get(ctx, "/v/c"); err != nil || len(kv.Value) != 0 {
		t.Fatalf("Get /v/c (empty value): %+v, %v", kv, err)
	}
	res, err := s.List(ctx, "/v/", storage.ListOptions{Revision: 2})
	if err != nil || len(res.Items) != 2 || string(res.Items[0].Value) != "a1" || string(res.Items[1].Value) != "b1" {
		t.Fatalf("List at revision 2: %+v, %v", res.Items, err)
	}
	w, err := s.Watch(ctx, "/v/", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var got []string
	for range 4 {
		ev := <-w.ResultChan()
		got = append(got, fmt.Sprintf("%s %s %s %s", ev.Type, ev.Key, ev.Value, ev.PrevValue))
	}
	want := []string{"ADDED /v/b b1 ", "MODIFIED /v/a a2 a1", "DELETED /v/b b1 b1", "ADDED /v/c  "}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("watch from revision 1 (-want +got):\n%s", d)
	}
	if _, err := s.Update(ctx, "/v/a", func(storage.KeyValue) ([]byte, error) { return []byte("a3"), nil }); err != nil {
		t.Fatal(err)
	}
	if kv, err := s.Get(ctx, "/v/a"); err != nil || string(kv.Value) != "a3" {
		t.Fatalf("Get after an update: %+v, %v", kv, err)
	}
}

// TestDamagedRows breaks the links between kv and log by hand: a key
// whose log row is gone, and one pointing at another key's row, are
// damage that reads report, naming the key and the file.
func TestDamagedRows(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	for _, k := range []string{"/d/a", "/d/b", "/d/c"} {
		if _, err := s.Create(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`DELETE FROM log WHERE key = '/d/a'`,
		`UPDATE kv SET mod_id = (SELECT mod_id FROM kv WHERE key = '/d/c') WHERE key = '/d/b'`,
	} {
		if _, err := s.wconn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for key, want := range map[string]string{"/d/a": "is missing", "/d/b": "fails its checksum (or the row is another key's)"} {
		_, err := s.Get(ctx, key)
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), s.Path()) {
			t.Errorf("Get %s: %v, want an error naming it and the file and saying its log row %s", key, err, want)
		}
	}
	if _, err := s.List(ctx, "/d/", storage.ListOptions{}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("List: %v, want the damage reported", err)
	}
	if _, err := s.Update(ctx, "/d/b", func(storage.KeyValue) ([]byte, error) { return []byte("x"), nil }); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("Update from a damaged row: %v, want the damage reported", err)
	}
}

// TestWritesRefuseDamagedFile overwrites one whole page in the middle of
// a store's file, as a bad sector or a bad copy does: reads of the
// objects on it fail, and so must every write, naming the file, although
// the page a write touches is intact; reads elsewhere still work.
func TestWritesRefuseDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := s.Create(t.Context(), fmt.Sprintf("/f/g/r/ns/o%03d", i), flipValue(i, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	damaged := copyOf(t, path, func(b []byte) {
		page := bytes.Index(b, flipValue(150, 0)) / 4096 * 4096
		copy(b[page:page+4096], bytes.Repeat([]byte{0x5a}, 4096))
	})
	// The copy records the check its first store passed before the
	// damage; check it again.
	d, err := Open(damaged, IntegrityCheckEvery(0))
	if err != nil {
		t.Fatalf("Open: %v (the damage is where Open does not look)", err)
	}
	defer func() { _ = d.Close() }()
	ctx := t.Context()
	if _, err := d.Get(ctx, "/f/g/r/ns/o150"); err == nil {
		t.Fatal("Get of an object on the damaged page succeeded")
	}
	if kv, err := d.Get(ctx, "/f/g/r/ns/o299"); err != nil || !bytes.Equal(kv.Value, flipValue(299, 0)) {
		t.Fatalf("Get of an object elsewhere: %v", err)
	}
	rev, err := d.CurrentRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	writes := map[string]func() error{
		"Create": func() error { _, err := d.Create(ctx, "/f/g/r/ns/new", []byte("x")); return err },
		"Update": func() error {
			_, err := d.Update(ctx, "/f/g/r/ns/o299", func(storage.KeyValue) ([]byte, error) { return []byte("x"), nil })
			return err
		},
		"Delete": func() error { _, err := d.Delete(ctx, "/f/g/r/ns/o299", nil); return err },
		"Txn": func() error {
			_, err := d.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: "/f/g/r/ns/txn", Value: []byte("x")}})
			return err
		},
	}
	for name, write := range writes {
		if err := write(); err == nil || !strings.Contains(err.Error(), "damaged") || !strings.Contains(err.Error(), damaged) {
			t.Errorf("%s on a damaged file: %v, want a refusal saying the file %s is damaged", name, err, damaged)
		}
	}
	if now, err := d.CurrentRevision(ctx); err != nil || now != rev {
		t.Errorf("revision %d (%v) after refused writes, want %d", now, err, rev)
	}
}

// TestWritesRefuseFileQuickCheckFaults makes the header's free-page count
// wrong, which no read meets and PRAGMA quick_check reports as a list of
// problems: writes refuse, quoting them and naming the file.
func TestWritesRefuseFileQuickCheckFaults(t *testing.T) {
	damaged := copyOf(t, storeFile(t, 20), func(b []byte) { binary.BigEndian.PutUint32(b[36:40], 7) })
	d := openTestAt(t, damaged, IntegrityCheckEvery(0))
	if _, err := d.Get(t.Context(), "/t/g/r/ns/o00003"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	_, err := d.Create(t.Context(), "/t/g/r/ns/new", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "quick_check reports") || !strings.Contains(err.Error(), damaged) {
		t.Fatalf("Create: %v, want a refusal quoting quick_check and naming the file", err)
	}
	if _, again := d.Create(t.Context(), "/t/g/r/ns/new", []byte("x")); again == nil || again.Error() != err.Error() {
		t.Fatalf("second Create: %v, want the same refusal", again)
	}
}

// TestIntegrityCheckInterval holds the trade-off IntegrityCheckEvery
// makes: a file damaged after a recorded check passes the writes of the
// next interval, and is refused by the first write after it.
func TestIntegrityCheckInterval(t *testing.T) {
	damage := func(b []byte) { binary.BigEndian.PutUint32(b[36:40], 7) }
	recent := copyOf(t, storeFile(t, 20), damage)
	if _, err := openTestAt(t, recent).Create(t.Context(), "/t/g/r/ns/new", []byte("x")); err != nil {
		t.Fatalf("a write within the interval of the last check: %v, want it to skip the check", err)
	}
	old := copyOf(t, storeFile(t, 20), damage)
	rawExec(t, old, fmt.Sprintf("UPDATE meta SET checked = %d", time.Now().Add(-2*time.Hour).UnixMilli()))
	if _, err := openTestAt(t, old).Create(t.Context(), "/t/g/r/ns/new", []byte("x")); err == nil || !strings.Contains(err.Error(), "quick_check reports") {
		t.Fatalf("a write after the interval: %v, want the check to refuse the damaged file", err)
	}
	fresh := storeFile(t, 5)
	rawExec(t, fresh, "UPDATE meta SET checked = 0")
	s := openTestAt(t, fresh)
	if _, err := s.Create(t.Context(), "/t/g/r/ns/new", []byte("x")); err != nil {
		t.Fatal(err)
	}
	var last int64
	if err := s.wconn.QueryRowContext(t.Context(), `SELECT checked FROM meta`).Scan(&last); err != nil || time.Since(time.UnixMilli(last)) > time.Hour {
		t.Fatalf("meta.checked after a passed check: %d %v, want now", last, err)
	}
}

// BenchmarkValueSum is the checksum's own cost per row: a 1 KiB value
// (storagetest's size) with a key of typical length.
func BenchmarkValueSum(b *testing.B) {
	v := make([]byte, 1024)
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for range b.N {
		valueSum("/default/core/configmaps/default/cm-0000001", v)
	}
}
