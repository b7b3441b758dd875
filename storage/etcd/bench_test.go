package etcd_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// BenchmarkStorage is the loop every backend runs, on the shared etcd.
func BenchmarkStorage(b *testing.B) {
	storagetest.Benchmark(b, func(b testing.TB) storage.Interface { return newStore(b) })
}

// benchRequestTimeout is the store's request timeout in the side-by-side
// benchmarks (K1S_BENCH_REQUEST_TIMEOUT, a Go duration; the default when
// unset), to measure what the per-request deadline costs.
var benchRequestTimeout = func() time.Duration {
	d, _ := time.ParseDuration(os.Getenv("K1S_BENCH_REQUEST_TIMEOUT"))
	return d
}()

// benchValues are the benchmark's 1 KiB values, built once.
var benchValues = func() [][]byte {
	v := make([][]byte, 1000)
	for i := range v {
		v[i] = storagetest.Value(i)
	}
	return v
}()

// side is one column of a side-by-side benchmark: the k1s store or raw
// clientv3 doing the same request with the same bytes.
type side struct {
	name   string
	create func(ctx context.Context, i int) error
	get    func(ctx context.Context, i int) error
}

// sides opens a store and a raw client on the shared etcd, both writing
// under a prefix of their own.
func sides(b *testing.B) []side {
	s := newStoreOn(b, srv, etcd.Config{RequestTimeout: benchRequestTimeout})
	// The raw side shares the store's connection, so that the comparison
	// is of the requests alone.
	raw := etcd.ClientOf(s)
	rawPrefix := fmt.Sprintf("/raw-%d", storeSeq.Add(1))
	return []side{
		{
			name: "store",
			create: func(ctx context.Context, i int) error {
				_, err := s.Create(ctx, storagetest.Key(i), benchValues[i%len(benchValues)])
				return err
			},
			get: func(ctx context.Context, i int) error {
				_, err := s.Get(ctx, storagetest.Key(i%len(benchValues)))
				return err
			},
		},
		{
			// raw-txn is the request Store.Create sends, written with
			// clientv3 directly: it separates etcd's cost of a guarded
			// Txn (against a plain Put) from the store's own overhead.
			name: "raw-txn",
			create: func(ctx context.Context, i int) error {
				k := rawPrefix + "-txn" + storagetest.Key(i)
				resp, err := raw.Txn(ctx).
					If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
					Then(clientv3.OpPut(k, string(benchValues[i%len(benchValues)]))).
					Commit()
				if err == nil && !resp.Succeeded {
					err = fmt.Errorf("raw Txn create of %s failed its compare", k)
				}
				return err
			},
		},
		{
			name: "raw",
			create: func(ctx context.Context, i int) error {
				_, err := raw.Put(ctx, rawPrefix+storagetest.Key(i), string(benchValues[i%len(benchValues)]))
				return err
			},
			get: func(ctx context.Context, i int) error {
				resp, err := raw.Get(ctx, rawPrefix+storagetest.Key(i%len(benchValues)))
				if err == nil && len(resp.Kvs) != 1 {
					err = fmt.Errorf("raw Get %d found %d keys", i, len(resp.Kvs))
				}
				return err
			},
		},
	}
}

// BenchmarkCreate compares Store.Create (a Txn guarded by CreateRevision
// == 0) with a raw clientv3 Put of the same key and value, and with the
// same guarded Txn sent by raw clientv3, one at a time and 16 at a time.
func BenchmarkCreate(b *testing.B) {
	for _, par := range []int{1, 16} {
		for _, sd := range []string{"store", "raw-txn", "raw"} {
			b.Run(fmt.Sprintf("%s/par=%d", sd, par), func(b *testing.B) {
				side := pick(sides(b), sd)
				b.SetBytes(storagetest.ValueSize)
				b.ReportAllocs()
				run(b, par, side.create)
			})
		}
	}
}

// BenchmarkGet compares Store.Get with a raw clientv3 Get of one of the
// same 1,000 keys, one at a time and 16 at a time.
func BenchmarkGet(b *testing.B) {
	for _, par := range []int{1, 16} {
		for _, sd := range []string{"store", "raw"} {
			b.Run(fmt.Sprintf("%s/par=%d", sd, par), func(b *testing.B) {
				side := pick(sides(b), sd)
				for i := range benchValues {
					if err := side.create(b.Context(), i); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(storagetest.ValueSize)
				b.ReportAllocs()
				b.ResetTimer()
				run(b, par, side.get)
			})
		}
	}
}

func pick(all []side, name string) side {
	for _, s := range all {
		if s.name == name {
			return s
		}
	}
	panic("no side " + name)
}

// run calls op b.N times in total from par goroutines.
func run(b *testing.B, par int, op func(context.Context, int) error) {
	ctx := context.Background()
	if par == 1 {
		for i := range b.N {
			if err := op(ctx, i); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	var n atomic.Int64
	b.SetParallelism((par + 1) / 2) // GOMAXPROCS is 2 on the build machine
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx, int(n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkSideBySide runs the store and raw clientv3 alternately, one
// request each in turn, and reports each side's median latency and the
// store's speed as a fraction of raw's (raw's median over the store's). Alternating request by
// request exposes both sides to the same load, which on a shared machine
// drifts far more between separate benchmarks than the difference being
// measured. par goroutines alternate independently (16: the concurrent
// case).
func BenchmarkSideBySide(b *testing.B) {
	for _, op := range []string{"create", "get"} {
		for _, par := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/par=%d", op, par), func(b *testing.B) {
				all := sides(b)
				names := []string{"store", "raw"}
				if op == "create" {
					names = append(names, "raw-txn")
				}
				var fns []func(context.Context, int) error
				for _, n := range names {
					sd := pick(all, n)
					if op == "create" {
						fns = append(fns, sd.create)
						continue
					}
					for i := range benchValues {
						if err := sd.create(b.Context(), i); err != nil {
							b.Fatal(err)
						}
					}
					fns = append(fns, sd.get)
				}
				// Each request's latency goes in its own slot (i is unique),
				// so goroutines record without locking.
				lat := make([][]time.Duration, len(fns))
				for j := range lat {
					lat[j] = make([]time.Duration, b.N+1)
				}
				b.ResetTimer()
				run(b, par, func(ctx context.Context, i int) error {
					// The order rotates so that no side always runs first
					// (right after the previous write's work in etcd).
					for k := range fns {
						j := (i + k) % len(fns)
						start := time.Now()
						if err := fns[j](ctx, i); err != nil {
							return err
						}
						lat[j][i] = time.Since(start)
					}
					return nil
				})
				b.StopTimer()
				// Medians, not means: a request that waited for a CPU
				// taken by another job says nothing about either side.
				med := make([]float64, len(fns))
				for j, n := range names {
					med[j] = median(lat[j])
					b.ReportMetric(med[j], n+"-p50-ns")
				}
				b.ReportMetric(med[1]/med[0], "store/raw")
			})
		}
	}
}

// median returns the median of the recorded (non-zero) durations in ns.
func median(d []time.Duration) float64 {
	v := make([]time.Duration, 0, len(d))
	for _, x := range d {
		if x > 0 {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return float64(v[len(v)/2])
}
