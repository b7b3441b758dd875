package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/storage/storagetest"
)

// BenchmarkRawSQLite is the anchor for BenchmarkStore: plain autocommit
// upserts and point selects of the same keys and bytes, on one connection
// with prepared statements and the same pragmas as the store (WAL,
// synchronous=NORMAL, busy_timeout).
func BenchmarkRawSQLite(b *testing.B) {
	open := func(b *testing.B) (*sql.Conn, *sql.Stmt, *sql.Stmt) {
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
		upsert, err := c.PrepareContext(ctx, `INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
		if err != nil {
			b.Fatal(err)
		}
		sel, err := c.PrepareContext(ctx, `SELECT value FROM kv WHERE key = ?1`)
		if err != nil {
			b.Fatal(err)
		}
		return c, upsert, sel
	}
	const n = 10000
	keys := make([]string, n)
	values := make([][]byte, 1000)
	for i := range keys {
		keys[i] = storagetest.Key(i)
	}
	for i := range values {
		values[i] = storagetest.Value(i)
	}
	fill := func(b *testing.B, upsert *sql.Stmt) {
		for i := range 1000 {
			if _, err := upsert.Exec(keys[i], values[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("create", func(b *testing.B) {
		c, upsert, _ := open(b)
		b.SetBytes(storagetest.ValueSize)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i > 0 && i%n == 0 {
				b.StopTimer()
				if _, err := c.ExecContext(context.Background(), `DELETE FROM kv`); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			if _, err := upsert.Exec(keys[i%n], values[i%1000]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		_, upsert, sel := open(b)
		fill(b, upsert)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			var v []byte
			if err := sel.QueryRow(keys[i%1000]).Scan(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("update", func(b *testing.B) {
		_, upsert, _ := open(b)
		fill(b, upsert)
		b.SetBytes(storagetest.ValueSize)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := upsert.Exec(keys[i%1000], values[(i+1)%1000]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
