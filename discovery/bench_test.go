package discovery

import (
	"fmt"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The discovery benchmarks run over the 20 test manifests (9 single CRDs,
// one JSON CRD, one List of 2 CRDs, 8 PluginTypeManifests incl. one in a
// plugin subdirectory, a broken and a conflicting one; 170 KB in all):
//
//	go test -run '^$' -bench 'Discovery' -benchmem ./discovery
//
// Each iteration is what a k1s process does once at start: New, then the
// registry's call to Types, then reading 0, 1 or all schemas. retained-heap-B is the heap a finished Discovery keeps alive
// (HeapAlloc after GC with it, minus without), the RSS it adds to a
// process.

func BenchmarkDiscoveryCold(b *testing.B) {
	dir := copyTestdata(b)
	cacheRoot := b.TempDir()
	i := 0
	load := func() *Discovery {
		i++
		// A fresh cache directory each time: no cache, parse everything,
		// write the cache, as on a first start.
		d := New(Options{Paths: []string{dir}, CacheDir: filepath.Join(cacheRoot, fmt.Sprint(i))})
		if types, _ := d.Types(); len(types) != len(wantKinds) {
			b.Fatalf("%d types", len(types))
		}
		return d
	}
	benchLoad(b, load)
}

func BenchmarkDiscoveryColdNoCacheWrite(b *testing.B) {
	dir := copyTestdata(b)
	benchLoad(b, func() *Discovery {
		d := New(Options{Paths: []string{dir}, CacheDir: "-"})
		if types, _ := d.Types(); len(types) != len(wantKinds) {
			b.Fatalf("%d types", len(types))
		}
		return d
	})
}

// BenchmarkDiscoveryWarm is what `k1s get` of a plugin type pays: the
// registry's Types call, no schema decoded.
func BenchmarkDiscoveryWarm(b *testing.B) {
	benchWarm(b, 0)
}

// BenchmarkDiscoveryWarmOneSchema adds reading one type's schema, as
// create or apply of one kind does.
func BenchmarkDiscoveryWarmOneSchema(b *testing.B) {
	benchWarm(b, 1)
}

// BenchmarkDiscoveryWarmAllSchemas reads every schema: the cost the lazy
// LoadSchema hook saves.
func BenchmarkDiscoveryWarmAllSchemas(b *testing.B) {
	benchWarm(b, len(wantKinds))
}

func benchWarm(b *testing.B, schemas int) {
	dir := copyTestdata(b)
	cache := b.TempDir()
	mustDiscover(b, New(Options{Paths: []string{dir}, CacheDir: cache}))
	benchLoad(b, func() *Discovery {
		d := New(Options{Paths: []string{dir}, CacheDir: cache})
		types, _ := d.Types()
		if len(types) != len(wantKinds) || d.Stats().Parsed != 0 {
			b.Fatalf("%d types, %d parsed", len(types), d.Stats().Parsed)
		}
		read := 0
		for i := range types {
			if read == schemas {
				break
			}
			if types[i].LoadSchema == nil {
				continue
			}
			if s, err := types[i].OpenAPISchema(); s == nil || err != nil {
				b.Fatalf("%s: %v", types[i].Kind, err)
			}
			read++
		}
		return d
	})
}

func benchLoad(b *testing.B, load func() *Discovery) {
	b.Helper()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		load()
	}
	// CPU time per load is steadier than wall time on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/op")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d := load()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(d)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)), "retained-heap-B")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
