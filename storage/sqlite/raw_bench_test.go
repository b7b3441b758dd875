package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// rawStore is the anchor the store is measured against: one table of keys
// and values on one connection with prepared statements and the store's
// pragmas (WAL, synchronous=NORMAL, busy_timeout).
type rawStore struct {
	conn        *sql.Conn
	upsert, sel *sql.Stmt
}

func openRaw(b *testing.B) *rawStore {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	if _, err := c.ExecContext(ctx, `CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB)`); err != nil {
		b.Fatal(err)
	}
	r := &rawStore{conn: c}
	if r.upsert, err = c.PrepareContext(ctx, `INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`); err != nil {
		b.Fatal(err)
	}
	if r.sel, err = c.PrepareContext(ctx, `SELECT value FROM kv WHERE key = ?1`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = r.upsert.Close(); _ = r.sel.Close() })
	return r
}

func (r *rawStore) put(b *testing.B, key string, value []byte) {
	if _, err := r.upsert.Exec(key, value); err != nil {
		b.Fatal(err)
	}
}

func (r *rawStore) get(b *testing.B, key string) {
	var v []byte
	if err := r.sel.QueryRow(key).Scan(&v); err != nil {
		b.Fatal(err)
	}
}

func (r *rawStore) clear(b *testing.B) {
	if _, err := r.conn.ExecContext(context.Background(), `DELETE FROM kv`); err != nil {
		b.Fatal(err)
	}
}

// benchData holds the keys and values storagetest.Benchmark uses.
type benchData struct {
	keys   []string
	values [][]byte
}

const benchKeys = 10000 // as storagetest's batch

func newBenchData() benchData {
	d := benchData{keys: make([]string, benchKeys), values: make([][]byte, 1000)}
	for i := range d.keys {
		d.keys[i] = storagetest.Key(i)
	}
	for i := range d.values {
		d.values[i] = storagetest.Value(i)
	}
	return d
}

// BenchmarkRawSQLite runs storagetest.Benchmark's create, get and update
// loops as plain autocommit upserts and point selects of the same keys and
// bytes.
func BenchmarkRawSQLite(b *testing.B) {
	d := newBenchData()
	b.Run("create", func(b *testing.B) {
		r := openRaw(b)
		b.SetBytes(storagetest.ValueSize)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i > 0 && i%benchKeys == 0 {
				b.StopTimer()
				r.clear(b)
				b.StartTimer()
			}
			r.put(b, d.keys[i%benchKeys], d.values[i%1000])
		}
	})
	b.Run("get", func(b *testing.B) {
		r := openRaw(b)
		for i := range 1000 {
			r.put(b, d.keys[i], d.values[i])
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			r.get(b, d.keys[i%1000])
		}
	})
	b.Run("update", func(b *testing.B) {
		r := openRaw(b)
		for i := range 1000 {
			r.put(b, d.keys[i], d.values[i])
		}
		b.SetBytes(storagetest.ValueSize)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			r.put(b, d.keys[i%1000], d.values[(i+1)%1000])
		}
	})
}

// threadCPU returns the CPU time the calling OS thread has used; the
// caller locks itself to its thread.
func threadCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rusageThread is RUSAGE_THREAD (Linux).
const rusageThread = 1

// BenchmarkVersusRaw runs the store and the raw anchor side by side, in
// alternating blocks of 100 operations, so that both see the same machine
// load. It reports each one's wall time and thread CPU time per
// operation, the throughput ratio store/raw (1 means as fast as raw
// SQLite), and the same ratio in CPU time of the benchmark's thread,
// which other jobs on a shared machine disturb less (it leaves out time
// spent waiting, for fsync among others).
func BenchmarkVersusRaw(b *testing.B) {
	d := newBenchData()
	ctx := context.Background()
	const block = 100
	// between, when set, runs untimed before each block.
	var between func(b *testing.B, s *Store, r *rawStore, i int)
	run := func(b *testing.B, setup func(s *Store, r *rawStore), store func(s *Store, i int), raw func(r *rawStore, i int)) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		s := openTest(b)
		r := openRaw(b)
		setup(s, r)
		var ts, tr, cs, cr time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i += block {
			n := min(block, b.N-i)
			if between != nil {
				between(b, s, r, i)
			}
			t0, c0 := time.Now(), threadCPU(b)
			for j := i; j < i+n; j++ {
				store(s, j)
			}
			t1, c1 := time.Now(), threadCPU(b)
			for j := i; j < i+n; j++ {
				raw(r, j)
			}
			ts, tr = ts+t1.Sub(t0), tr+time.Since(t1)
			cs, cr = cs+c1-c0, cr+threadCPU(b)-c1
		}
		b.ReportMetric(float64(ts.Nanoseconds())/float64(b.N), "k1s-ns/op")
		b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "raw-ns/op")
		b.ReportMetric(float64(tr)/float64(ts), "k1s/raw")
		b.ReportMetric(float64(cr)/float64(cs), "cpu-k1s/raw")
		b.ReportMetric(float64(cs.Nanoseconds())/float64(b.N), "k1s-cpu-ns/op")
		b.ReportMetric(float64(cr.Nanoseconds())/float64(b.N), "raw-cpu-ns/op")
	}
	fill := func(s *Store, r *rawStore) {
		for i := range 1000 {
			if _, err := s.Create(ctx, d.keys[i], d.values[i]); err != nil {
				b.Fatal(err)
			}
			r.put(b, d.keys[i], d.values[i])
		}
	}
	b.Run("create", func(b *testing.B) {
		// Every benchKeys creates, empty both stores (benchKeys is a
		// multiple of block).
		between = func(b *testing.B, s *Store, r *rawStore, i int) {
			if i == 0 || i%benchKeys != 0 {
				return
			}
			r.clear(b)
			ops := make([]storage.Op, 0, 100)
			for _, k := range d.keys {
				if ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k}); len(ops) == cap(ops) {
					if _, err := s.Txn(ctx, ops); err != nil {
						b.Fatal(err)
					}
					ops = ops[:0]
				}
			}
		}
		defer func() { between = nil }()
		run(b, func(*Store, *rawStore) {},
			func(s *Store, i int) {
				if _, err := s.Create(ctx, d.keys[i%benchKeys], d.values[i%1000]); err != nil {
					b.Fatal(err)
				}
			},
			func(r *rawStore, i int) { r.put(b, d.keys[i%benchKeys], d.values[i%1000]) })
	})
	b.Run("get", func(b *testing.B) {
		run(b, fill,
			func(s *Store, i int) {
				if _, err := s.Get(ctx, d.keys[i%1000]); err != nil {
					b.Fatal(err)
				}
			},
			func(r *rawStore, i int) { r.get(b, d.keys[i%1000]) })
	})
	b.Run("update", func(b *testing.B) {
		run(b, fill,
			func(s *Store, i int) {
				v := d.values[(i+1)%1000]
				if _, err := s.Update(ctx, d.keys[i%1000], func(storage.KeyValue) ([]byte, error) { return v, nil }); err != nil {
					b.Fatal(err)
				}
			},
			func(r *rawStore, i int) { r.put(b, d.keys[i%1000], d.values[(i+1)%1000]) })
	})
}

// BenchmarkChangeLogFloor measures the least any store with a change log
// in the same file can cost per update: a plain UPDATE whose trigger
// appends the 1 KiB value to a log table (no revision, no precondition,
// no watch), against the raw upsert, side by side as in
// BenchmarkVersusRaw. Its cpu-log/raw is the ceiling of the store's update
// ratio.
func BenchmarkChangeLogFloor(b *testing.B) {
	d := newBenchData()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r, l := openRaw(b), openRaw(b)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE log (id INTEGER PRIMARY KEY, key TEXT, value BLOB)`,
		`CREATE TRIGGER kv_update AFTER UPDATE ON kv BEGIN INSERT INTO log (key, value) VALUES (NEW.key, NEW.value); END`,
	} {
		if _, err := l.conn.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	update, err := l.conn.PrepareContext(ctx, `UPDATE kv SET value = ?2 WHERE key = ?1`)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = update.Close() }()
	for i := range 1000 {
		r.put(b, d.keys[i], d.values[i])
		l.put(b, d.keys[i], d.values[i])
	}
	var cl, cr time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i += 100 {
		n := min(100, b.N-i)
		c0 := threadCPU(b)
		for j := i; j < i+n; j++ {
			if _, err := update.Exec(d.keys[j%1000], d.values[(j+1)%1000]); err != nil {
				b.Fatal(err)
			}
		}
		c1 := threadCPU(b)
		for j := i; j < i+n; j++ {
			r.put(b, d.keys[j%1000], d.values[(j+1)%1000])
		}
		cl, cr = cl+c1-c0, cr+threadCPU(b)-c1
	}
	b.ReportMetric(float64(cr)/float64(cl), "cpu-log/raw")
}
