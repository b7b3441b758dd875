package coreclient_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// crud is the loop's view of a client: both clients take the same
// arguments, but their option types differ, so each is wrapped.
type crud struct {
	create func(ctx context.Context, cm *corev1.ConfigMap) error
	get    func(ctx context.Context, key client.ObjectKey, cm *corev1.ConfigMap) error
	update func(ctx context.Context, cm *corev1.ConfigMap) error
	list   func(ctx context.Context, l *corev1.ConfigMapList) error
	delete func(ctx context.Context, cm *corev1.ConfigMap) error
	// listLabels lists the namespace's objects with these labels.
	listLabels func(ctx context.Context, l *corev1.ConfigMapList, labels map[string]string) error
}

func k1sClient(b *testing.B) crud {
	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New()})
	if err != nil {
		b.Fatal(err)
	}
	return crud{
		create: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Create(ctx, cm) },
		get: func(ctx context.Context, key client.ObjectKey, cm *corev1.ConfigMap) error {
			return c.Get(ctx, key, cm)
		},
		update: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Update(ctx, cm) },
		list: func(ctx context.Context, l *corev1.ConfigMapList) error {
			return c.List(ctx, l, client.InNamespace("default"))
		},
		delete: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Delete(ctx, cm) },
		listLabels: func(ctx context.Context, l *corev1.ConfigMapList, labels map[string]string) error {
			return c.List(ctx, l, client.InNamespace("default"), client.MatchingLabels(labels))
		},
	}
}

func fakeClient(b *testing.B) crud {
	s := k8sruntime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		b.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).Build()
	return crud{
		create: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Create(ctx, cm) },
		get: func(ctx context.Context, key client.ObjectKey, cm *corev1.ConfigMap) error {
			return c.Get(ctx, key, cm)
		},
		update: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Update(ctx, cm) },
		list: func(ctx context.Context, l *corev1.ConfigMapList) error {
			return c.List(ctx, l, crclient.InNamespace("default"))
		},
		delete: func(ctx context.Context, cm *corev1.ConfigMap) error { return c.Delete(ctx, cm) },
		listLabels: func(ctx context.Context, l *corev1.ConfigMapList, labels map[string]string) error {
			return c.List(ctx, l, crclient.InNamespace("default"), crclient.MatchingLabels(labels))
		},
	}
}

// BenchmarkSQLiteCRUD runs create, get, update and delete through the
// CoreClient over a SQLite file, to set beside the raw SQLite upserts of
// the SQLite section of BENCHMARKS.md.
func BenchmarkSQLiteCRUD(b *testing.B) {
	open := func(b *testing.B) *core.Client {
		s, err := sqlite.Open(filepath.Join(b.TempDir(), "k1s.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		c, err := core.New(core.Options{Storage: s})
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	run := func(b *testing.B, setup int, op func(c *core.Client, i int, objs []*corev1.ConfigMap) error) {
		c := open(b)
		objs := make([]*corev1.ConfigMap, max(setup, b.N))
		for i := range objs {
			objs[i] = configMap(i)
			if i < setup {
				if err := c.Create(b.Context(), objs[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
		runtime.GC()
		b.ResetTimer()
		start := cpuNow()
		for i := range b.N {
			if err := op(c, i, objs); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start)
	}
	b.Run("create", func(b *testing.B) {
		run(b, 0, func(c *core.Client, i int, objs []*corev1.ConfigMap) error { return c.Create(b.Context(), objs[i]) })
	})
	b.Run("get", func(b *testing.B) {
		run(b, listSize, func(c *core.Client, i int, _ []*corev1.ConfigMap) error {
			var cm corev1.ConfigMap
			return c.Get(b.Context(), client.ObjectKey{Namespace: "default", Name: fmt.Sprintf("cm-%07d", i%listSize)}, &cm)
		})
	})
	b.Run("update", func(b *testing.B) {
		run(b, listSize, func(c *core.Client, i int, objs []*corev1.ConfigMap) error {
			cm := objs[i%listSize]
			cm.Data["c"] = strconv.Itoa(i)
			return c.Update(b.Context(), cm)
		})
	})
	b.Run("delete", func(b *testing.B) {
		c := open(b)
		objs := make([]*corev1.ConfigMap, b.N)
		for i := range objs {
			objs[i] = configMap(i)
			if err := c.Create(b.Context(), objs[i]); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		b.ResetTimer()
		start := cpuNow()
		for i := range b.N {
			if err := c.Delete(b.Context(), objs[i]); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start)
	})
}

// BenchmarkListLabelSelector lists the 100 of 10,000 ConfigMaps that
// carry one label value (index=7 of 100 values): the shape of
// `k1s get items -l shelf=s7`.
func BenchmarkListLabelSelector(b *testing.B) {
	for _, cl := range []struct {
		name string
		new  func(*testing.B) crud
	}{{"k1s", k1sClient}, {"fake", fakeClient}} {
		b.Run(cl.name, func(b *testing.B) {
			c := cl.new(b)
			for i := range 10000 {
				cm := configMap(i)
				cm.Labels["index"] = strconv.Itoa(i % 100)
				if err := c.create(b.Context(), cm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for range b.N {
				var l corev1.ConfigMapList
				if err := c.listLabels(b.Context(), &l, map[string]string{"index": "7"}); err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != 100 {
					b.Fatalf("listed %d items, want 100", len(l.Items))
				}
			}
			report(b, start)
		})
	}
}

// configMap is the i-th object of the loop: a few labels and four data
// entries, about 600 bytes of JSON.
func configMap(i int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("cm-%07d", i),
			Namespace: "default",
			Labels:    map[string]string{"app": "bench", "tier": "backend", "index": strconv.Itoa(i % 10)},
		},
		Data: map[string]string{
			"config.yaml": strings.Repeat("key: value\n", 10),
			"a":           "alpha", "b": "bravo", "c": strconv.Itoa(i),
		},
	}
}

func fill(b *testing.B, c crud, n int) []*corev1.ConfigMap {
	objs := make([]*corev1.ConfigMap, n)
	for i := range objs {
		objs[i] = configMap(i)
		if err := c.create(b.Context(), objs[i]); err != nil {
			b.Fatal(err)
		}
	}
	return objs
}

const listSize = 1000

// BenchmarkCRUD runs the same loop through both clients. Run with
// -bench CRUD -count 5 and compare ops/s per operation.
func BenchmarkCRUD(b *testing.B) {
	clients := []struct {
		name string
		new  func(*testing.B) crud
	}{{"k1s", k1sClient}, {"fake", fakeClient}}
	for _, cl := range clients {
		b.Run(cl.name+"/create", func(b *testing.B) {
			c := cl.new(b)
			objs := make([]*corev1.ConfigMap, b.N)
			for i := range objs {
				objs[i] = configMap(i)
			}
			b.ReportAllocs()
			// Collect the set-up's garbage so that its cost does not land
			// in the timed loop.
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for i := range b.N {
				if err := c.create(b.Context(), objs[i]); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start)
		})
		b.Run(cl.name+"/get", func(b *testing.B) {
			c := cl.new(b)
			fill(b, c, listSize)
			var cm corev1.ConfigMap
			b.ReportAllocs()
			// Collect the set-up's garbage so that its cost does not land
			// in the timed loop.
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for i := range b.N {
				key := client.ObjectKey{Namespace: "default", Name: fmt.Sprintf("cm-%07d", i%listSize)}
				if err := c.get(b.Context(), key, &cm); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start)
		})
		b.Run(cl.name+"/update", func(b *testing.B) {
			c := cl.new(b)
			objs := fill(b, c, listSize)
			b.ReportAllocs()
			// Collect the set-up's garbage so that its cost does not land
			// in the timed loop.
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for i := range b.N {
				cm := objs[i%listSize]
				cm.Data["c"] = strconv.Itoa(i)
				if err := c.update(b.Context(), cm); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start)
		})
		b.Run(cl.name+"/list1000", func(b *testing.B) {
			c := cl.new(b)
			fill(b, c, listSize)
			b.ReportAllocs()
			// Collect the set-up's garbage so that its cost does not land
			// in the timed loop.
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for range b.N {
				var l corev1.ConfigMapList
				if err := c.list(b.Context(), &l); err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != listSize {
					b.Fatalf("listed %d items, want %d", len(l.Items), listSize)
				}
			}
			report(b, start)
		})
		b.Run(cl.name+"/delete", func(b *testing.B) {
			c := cl.new(b)
			objs := fill(b, c, b.N)
			b.ReportAllocs()
			// Collect the set-up's garbage so that its cost does not land
			// in the timed loop.
			runtime.GC()
			b.ResetTimer()
			start := cpuNow()
			for i := range b.N {
				if err := c.delete(b.Context(), objs[i]); err != nil {
					b.Fatal(err)
				}
			}
			report(b, start)
		})
	}
}

// report adds ops/s by wall clock and, because the build machine is shared
// and wall-clock times swing with its load, the process CPU time per
// operation (user+system from getrusage, GC included), which contention
// barely moves. start is cpuNow() taken when the timed loop began.
func report(b *testing.B, start time.Duration) {
	cpu := cpuNow() - start
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "ops/cpu-s")
}

// cpuNow returns the process's user+system CPU time so far.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pluginDir holds the 20 manifests of the discovery tests (both formats,
// one broken, one conflicting).
var pluginDir = filepath.Join("..", "..", "discovery", "testdata", "plugins")

func itemKey() (client.ObjectKey, *unstructured.Unstructured) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("inventory.example.com/v1alpha1")
	u.SetKind("Item")
	return client.ObjectKey{Namespace: "default", Name: "missing"}, u
}

// newAndLookup is what a `k1s get items x` does before reading: create
// the client and resolve a plugin kind, which scans the manifests (cold)
// or reads the discovery cache (warm).
func newAndLookup(ctx context.Context, cacheDir string) error {
	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New(), PluginPaths: []string{pluginDir}, DiscoveryCacheDir: cacheDir})
	if err != nil {
		return err
	}
	key, u := itemKey()
	if err := c.Get(ctx, key, u); client.IgnoreNotFound(err) != nil {
		return err
	}
	return nil
}

// BenchmarkNewCoreClient measures NewCoreClient plus the first lookup of
// a plugin kind with 20 manifests: cold (empty discovery cache) and warm.
func BenchmarkNewCoreClient(b *testing.B) {
	b.Run("cold", func(b *testing.B) {
		dirs := make([]string, b.N)
		for i := range dirs {
			dirs[i] = filepath.Join(b.TempDir(), "cache")
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := cpuNow()
		for i := range b.N {
			if err := newAndLookup(b.Context(), dirs[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("warm", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "cache")
		if err := newAndLookup(b.Context(), dir); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := cpuNow()
		for range b.N {
			if err := newAndLookup(b.Context(), dir); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("builtin-only", func(b *testing.B) {
		b.ReportAllocs()
		start := cpuNow()
		for range b.N {
			c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New(), PluginPaths: []string{pluginDir}, DiscoveryCacheDir: "-"})
			if err != nil {
				b.Fatal(err)
			}
			var cm corev1.ConfigMap
			if err := c.Get(b.Context(), client.ObjectKey{Namespace: "default", Name: "x"}, &cm); client.IgnoreNotFound(err) != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuNow()-start).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}

// BenchmarkNewCoreClientRSS reports how much a process's resident set
// grows over NewCoreClient and a first plugin lookup (cold and warm),
// measured in a fresh child process each time so that nothing is shared.
func BenchmarkNewCoreClientRSS(b *testing.B) {
	cache := filepath.Join(b.TempDir(), "cache")
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			var total float64
			for i := range b.N {
				cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$")
				// Cold: a cache directory no run has used yet.
				coldRuns++
				cmd.Env = append(os.Environ(), fmt.Sprintf("K1S_RSS_CHILD=%s-cold-%d-%d", cache, i, coldRuns))
				if mode == "warm" {
					cmd.Env = append(os.Environ(), "K1S_RSS_CHILD="+cache)
					if err := newAndLookup(b.Context(), cache); err != nil {
						b.Fatal(err)
					}
				}
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				var kb float64
				if _, err := fmt.Sscanf(lastLine(string(out), "rss-growth-kb "), "rss-growth-kb %g", &kb); err != nil {
					b.Fatalf("child output %q: %v", out, err)
				}
				total += kb
			}
			b.ReportMetric(total/float64(b.N), "KB-rss-growth")
		})
	}
}

// coldRuns makes every cold run's cache directory new, across the
// benchmark's calibration rounds too.
var coldRuns int

func lastLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return out
}

// TestRSSChild is the child of BenchmarkNewCoreClientRSS; it does nothing
// unless started by it.
func TestRSSChild(t *testing.T) {
	cache := os.Getenv("K1S_RSS_CHILD")
	if cache == "" {
		t.Skip("run by BenchmarkNewCoreClientRSS")
	}
	runtime.GC()
	before := rssKB(t)
	if err := newAndLookup(context.Background(), cache); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("rss-growth-kb %d\n", rssKB(t)-before)
}

func rssKB(t *testing.T) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			n, err := strconv.Atoi(strings.Fields(l)[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
