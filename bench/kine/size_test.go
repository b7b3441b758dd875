package kinebench

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// sizes is what a file holds: bytes on disk (the database and its WAL)
// and bytes in use ((page_count - freelist_count) * page_size, as of the
// latest commit, WAL included).
func sizes(b *testing.B, path string) (disk, inUse int64) {
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			disk += fi.Size()
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.QueryRow(`SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()`).Scan(&inUse); err != nil {
		b.Fatal(err)
	}
	return disk, inUse
}

// vacuumed is the file's size once rewritten by VACUUM, after the store
// closed.
func vacuumed(b *testing.B, path string) int64 {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{`PRAGMA wal_checkpoint(TRUNCATE)`, `VACUUM`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	disk, _ := sizes(b, path)
	return disk
}

// BenchmarkFileSize writes 10,000 creates and then 10,000 updates (one per
// key, 1 KiB values) to each side, reports the file's size, compacts all
// history up to the current revision and reports it again. Run it with
// -benchtime 1x: one iteration is the whole sequence. kine compacts with
// a minimum retention of 0 here (its default keeps the last 1,000
// revisions) so that both drop the same history.
func BenchmarkFileSize(b *testing.B) {
	b.Logf("kine on %s", kineBuild)
	ctx := context.Background()
	const n = 10000
	for _, name := range []string{"k1s", "kine"} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				path := filepath.Join(b.TempDir(), name+".db")
				var s *side
				var err error
				if name == "kine" {
					s, err = openKine(path, 0)
				} else {
					s, err = openK1s(path)
				}
				if err != nil {
					b.Fatal(err)
				}
				revs := make([]int64, n)
				for i := range n {
					if revs[i], err = s.create(ctx, key(i), value(i)); err != nil {
						b.Fatal(err)
					}
				}
				for i := range n {
					if _, err := s.update(ctx, key(i), value(i+1), revs[i]); err != nil {
						b.Fatal(err)
					}
				}
				disk, inUse := sizes(b, path)
				if err := s.compact(ctx); err != nil {
					b.Fatal(err)
				}
				cdisk, cinUse := sizes(b, path)
				if err := s.close(); err != nil {
					b.Fatal(err)
				}
				mb := func(v int64) float64 { return float64(v) / 1e6 }
				b.ReportMetric(mb(disk), "written-disk-MB")
				b.ReportMetric(mb(inUse), "written-inuse-MB")
				b.ReportMetric(mb(cdisk), "compacted-disk-MB")
				b.ReportMetric(mb(cinUse), "compacted-inuse-MB")
				b.ReportMetric(mb(vacuumed(b, path)), "vacuumed-MB")
			}
		})
	}
}
