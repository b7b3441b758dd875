package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// watcherCounts are the numbers of watchers of one store that the
// fan-out benchmarks measure (issue 13.3).
var watcherCounts = []int{1, 10, 100}

// idleWatcherCounts adds 0, the floor: what the benchmark itself costs.
var idleWatcherCounts = append([]int{0}, watcherCounts...)

// processCPU returns the CPU time this process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWatchIdle measures what open watches cost a process while
// nothing is written: each op is 100 ms of idling with n watchers open,
// and cpu-ms/s is the process's CPU time per second of it.
func BenchmarkWatchIdle(b *testing.B) {
	for _, n := range idleWatcherCounts {
		b.Run(fmt.Sprintf("watchers=%d", n), func(b *testing.B) {
			s := openTest(b)
			for i := range n {
				w, err := s.Watch(context.Background(), fmt.Sprintf("/t/g/r%d/", i), 0)
				if err != nil {
					b.Fatal(err)
				}
				defer w.Stop()
			}
			time.Sleep(200 * time.Millisecond) // let start-up settle
			b.ResetTimer()
			cpu0, t0 := processCPU(b), time.Now()
			for range b.N {
				time.Sleep(100 * time.Millisecond)
			}
			cpu, wall := processCPU(b)-cpu0, time.Since(t0)
			b.ReportMetric(float64(cpu.Microseconds())/1000/wall.Seconds(), "cpu-ms/s")
		})
	}
}

// BenchmarkWatchFanOut measures cross-process delivery to n watchers of
// one store: a child process creates b.N objects 2 ms apart stamped with
// the write time, and every watcher records arrival minus stamp. p50 and
// p99 are over every delivery; cpu-ms/write is this process's CPU per
// write it was told about.
func BenchmarkWatchFanOut(b *testing.B) {
	for _, n := range watcherCounts {
		b.Run(fmt.Sprintf("watchers=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "k1s.db")
			s, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			prefix := storage.Prefix("lat", storagetest.BenchResource, "")
			var wg sync.WaitGroup
			lats := make([][]time.Duration, n)
			errs := make(chan error, n)
			for i := range n {
				w, err := s.Watch(context.Background(), prefix, 0)
				if err != nil {
					b.Fatal(err)
				}
				defer w.Stop()
				wg.Add(1)
				go func() {
					defer wg.Done()
					lat := make([]time.Duration, 0, b.N)
					for len(lat) < b.N {
						select {
						case ev := <-w.ResultChan():
							at, err := strconv.ParseInt(string(ev.Value), 10, 64)
							if err != nil {
								errs <- err
								return
							}
							lat = append(lat, time.Since(time.Unix(0, at)))
						case <-time.After(time.Minute):
							errs <- fmt.Errorf("watcher %d: no event within a minute", i)
							return
						}
					}
					lats[i] = lat
				}()
			}
			c := child(b, "stamp", path, b.N)
			b.ResetTimer()
			cpu0 := processCPU(b)
			if err := c.Start(); err != nil {
				b.Fatal(err)
			}
			wg.Wait()
			cpu := processCPU(b) - cpu0
			b.StopTimer()
			if err := c.Wait(); err != nil {
				b.Fatal(err)
			}
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			all := slices.Concat(lats...)
			slices.Sort(all)
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/write")
		})
	}
}
