package kinebench

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// block is how many operations one side runs before the other takes its
// turn: both see the same machine load, and neither's caches stay warm
// for long.
const block = 100

// tally is one side's accumulated wall and process CPU time.
type tally struct {
	name      string
	wall, cpu time.Duration
}

// interleave runs op for each side in turn, a block at a time, until each
// has run b.N operations, and reports per side wall and CPU time per
// operation and the ratios of the first side (k1s) to the others. before,
// when not nil, runs untimed before each block of a side. CPU is the
// process's (getrusage): it counts the stores' own goroutines (kine's
// poll loop, k1s's watch hub) and the GC, which thread CPU would not.
func interleave(b *testing.B, names []string, before func(side, i, n int), op func(side, i int)) {
	t := make([]tally, len(names))
	for s := range t {
		t[s].name = names[s]
	}
	b.ResetTimer()
	for i := 0; i < b.N; i += block {
		n := min(block, b.N-i)
		for s := range t {
			if before != nil {
				b.StopTimer()
				before(s, i, n)
				b.StartTimer()
			}
			w0, c0 := time.Now(), processCPU()
			for j := i; j < i+n; j++ {
				op(s, j)
			}
			t[s].wall += time.Since(w0)
			t[s].cpu += processCPU() - c0
		}
	}
	b.StopTimer()
	report(b, t)
}

func report(b *testing.B, t []tally) {
	for _, s := range t {
		b.ReportMetric(float64(s.wall.Nanoseconds())/float64(b.N), s.name+"-ns/op")
		b.ReportMetric(float64(s.cpu.Nanoseconds())/float64(b.N), s.name+"-cpu-ns/op")
	}
	for _, s := range t[1:] {
		b.ReportMetric(float64(t[0].wall)/float64(s.wall), t[0].name+"/"+s.name)
		b.ReportMetric(float64(t[0].cpu)/float64(s.cpu), "cpu-"+t[0].name+"/"+s.name)
	}
}

// BenchmarkVersusKine runs k1s's SQLite store and kine's SQLite backend
// side by side on the same operations, keys and 1 KiB values. Ratios are
// time k1s/kine: 0.33 means k1s takes a third of kine's time (3x ahead).
func BenchmarkVersusKine(b *testing.B) {
	b.Logf("kine on %s", kineBuild)
	ctx := context.Background()
	// fill creates keys [0, n) on every side and returns their revisions.
	fill := func(b *testing.B, sides []*side, n int) [][]int64 {
		revs := make([][]int64, len(sides))
		for s, sd := range sides {
			revs[s] = make([]int64, n)
			for i := range n {
				r, err := sd.create(ctx, key(i), value(i))
				if err != nil {
					b.Fatal(err)
				}
				revs[s][i] = r
			}
		}
		return revs
	}
	names := []string{"k1s", "kine"}
	b.Run("create", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		// Every create is of a key neither store has held: kine's
		// Create of a deleted key takes a second round (get, then
		// append after the tombstone).
		interleave(b, names, nil, func(s, i int) {
			if _, err := sides[s].create(ctx, key(i), value(i)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("get", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		fill(b, sides, 1000)
		interleave(b, names, nil, func(s, i int) {
			if _, _, err := sides[s].get(ctx, key(i%1000)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("update", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		revs := fill(b, sides, 1000)
		interleave(b, names, nil, func(s, i int) {
			r, err := sides[s].update(ctx, key(i%1000), value(i+1), revs[s][i%1000])
			if err != nil {
				b.Fatal(err)
			}
			revs[s][i%1000] = r
		})
	})
	// The same create and update with values whose metadata has no
	// labels (both sides): k1s keeps a label index in the write's
	// transaction (issue 13.2), four rows per create of storagetest's
	// values, and their replacement on an update that changes a label,
	// as storagetest's do; kine indexes no labels.
	b.Run("create-unlabelled", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		interleave(b, names, nil, func(s, i int) {
			if _, err := sides[s].create(ctx, key(i), unlabelled(i)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("update-unlabelled", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		revs := make([][]int64, len(sides))
		for s, sd := range sides {
			revs[s] = make([]int64, 1000)
			for i := range 1000 {
				r, err := sd.create(ctx, key(i), unlabelled(i))
				if err != nil {
					b.Fatal(err)
				}
				revs[s][i] = r
			}
		}
		interleave(b, names, nil, func(s, i int) {
			r, err := sides[s].update(ctx, key(i%1000), unlabelled(i+1), revs[s][i%1000])
			if err != nil {
				b.Fatal(err)
			}
			revs[s][i%1000] = r
		})
	})
	b.Run("delete", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		revs := [][]int64{make([]int64, b.N), make([]int64, b.N)}
		// Before each block, create the keys it deletes.
		before := func(s, i, n int) {
			for j := i; j < i+n; j++ {
				r, err := sides[s].create(ctx, key(j), value(j))
				if err != nil {
					b.Fatal(err)
				}
				revs[s][j] = r
			}
		}
		interleave(b, names, before, func(s, i int) {
			if err := sides[s].del(ctx, key(i), revs[s][i]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("list-1000", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		fill(b, sides, 1000)
		raw, err := openRaw(filepath.Join(b.TempDir(), "raw.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = raw.close() }()
		for i := range 1000 {
			if err := raw.put(key(i), value(i)); err != nil {
				b.Fatal(err)
			}
		}
		// The raw scan comes last: "k1s/raw" is the list target's ratio.
		interleave(b, []string{"k1s", "kine", "raw"}, nil, func(s, _ int) {
			var n int
			var err error
			if s == 2 {
				n, err = raw.list(prefix)
			} else {
				n, err = sides[s].list(ctx, prefix)
			}
			if err != nil || n != 1000 {
				b.Fatalf("list: %d items, %v", n, err)
			}
		})
	})
	b.Run("writers-8", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		// Each block is 8 goroutines creating block/8 new keys each; the
		// figures are per create.
		const writers = 8
		t := []tally{{name: "k1s"}, {name: "kine"}}
		b.ResetTimer()
		for i := 0; i < b.N; i += block {
			n := min(block, b.N-i)
			for s := range sides {
				w0, c0 := time.Now(), processCPU()
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						for j := i + w; j < i+n; j += writers {
							if _, err := sides[s].create(ctx, key(j), value(j)); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				t[s].wall += time.Since(w0)
				t[s].cpu += processCPU() - c0
			}
		}
		b.StopTimer()
		report(b, t)
	})
	b.Run("watch-delivery", func(b *testing.B) {
		k, q := openPair(b)
		sides := []*side{k, q}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		next := make([]func() (string, error), len(sides))
		for s, sd := range sides {
			var err error
			if next[s], err = sd.watch(wctx, prefix); err != nil {
				b.Fatal(err)
			}
		}
		// after is, per side, the time from a Create's return to its
		// event's receipt: what the watch adds on top of the write.
		after := [][]time.Duration{make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)}
		interleave(b, names, nil, func(s, i int) {
			k := key(i)
			if _, err := sides[s].create(ctx, k, value(i)); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			for {
				got, err := next[s]()
				if err != nil {
					b.Fatal(err)
				}
				if got == k {
					break
				}
			}
			after[s] = append(after[s], time.Since(t1))
		})
		for s, d := range after {
			slices.Sort(d)
			b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1000, names[s]+"-after-write-p50-us")
			b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds())/1000, names[s]+"-after-write-p99-us")
		}
	})
}
