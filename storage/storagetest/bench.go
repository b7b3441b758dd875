package storagetest

import (
	"testing"

	"github.com/k1s-dev/k1s/storage"
)

// benchBatch is how many keys a create or delete benchmark writes before it
// stops the timer to reset the store, so that a long run neither grows the
// store without bound nor runs out of keys to delete. It is a multiple of
// txnBatch; the package's own test lowers it to stay short.
var benchBatch = 10000

// txnBatch stays under etcd's default limit of 128 operations per Txn.
const txnBatch = 100

// Benchmark runs the same loops over the same bytes (Key, Value) against
// any backend. newStore returns a fresh, empty store and registers its
// cleanup. Sub-benchmarks:
//
//   - create: Create of a new 1 KiB key;
//   - get: Get of one of 1,000 keys;
//   - update: Update of one of 1,000 keys with a new 1 KiB value;
//   - delete: Delete of an existing key;
//   - list-1000: List of a prefix holding 1,000 keys of 1 KiB;
//   - watch-delivery: one Create and the receipt of its event by a
//     watcher, so ns/op is the time from the start of a write to the
//     event's arrival.
func Benchmark(b *testing.B, newStore func(b testing.TB) storage.Interface) {
	values := make([][]byte, 1000)
	keys := make([]string, max(benchBatch, 1000))
	for i := range values {
		values[i] = Value(i)
	}
	for i := range keys {
		keys[i] = Key(i)
	}
	d := &benchData{newStore: newStore, keys: keys, value: func(i int) []byte { return values[i%len(values)] }}
	b.Run("create", d.benchCreate)
	b.Run("get", d.benchGet)
	b.Run("update", d.benchUpdate)
	b.Run("delete", d.benchDelete)
	b.Run("list-1000", d.benchList)
	b.Run("watch-delivery", d.benchWatchDelivery)
}

// benchData is what the sub-benchmarks of Benchmark share: the store
// constructor, the keys and the values.
type benchData struct {
	newStore func(b testing.TB) storage.Interface
	keys     []string
	value    func(int) []byte
}

func (d *benchData) benchCreate(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	b.SetBytes(ValueSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%benchBatch == 0 {
			b.StopTimer()
			deleteKeys(b, s, d.keys[:benchBatch])
			b.StartTimer()
		}
		if _, err := s.Create(ctx, d.keys[i%benchBatch], d.value(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func (d *benchData) benchGet(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	createKeys(b, s, d.keys[:1000], d.value)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := s.Get(ctx, d.keys[i%1000]); err != nil {
			b.Fatal(err)
		}
	}
}

func (d *benchData) benchUpdate(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	createKeys(b, s, d.keys[:1000], d.value)
	b.SetBytes(ValueSize)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		v := d.value(i + 1)
		if _, err := s.Update(ctx, d.keys[i%1000], func(storage.KeyValue) ([]byte, error) { return v, nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func (d *benchData) benchDelete(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	b.ReportAllocs()
	for i := range b.N {
		if i%benchBatch == 0 {
			b.StopTimer()
			createKeys(b, s, d.keys[:benchBatch], d.value)
			b.StartTimer()
		}
		if _, err := s.Delete(ctx, d.keys[i%benchBatch], nil); err != nil {
			b.Fatal(err)
		}
	}
}

func (d *benchData) benchList(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	createKeys(b, s, d.keys[:1000], d.value)
	b.SetBytes(1000 * ValueSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res, err := s.List(ctx, BenchPrefix, storage.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Items) != 1000 {
			b.Fatalf("List %s returned %d items, want 1000", BenchPrefix, len(res.Items))
		}
	}
}

func (d *benchData) benchWatchDelivery(b *testing.B) {
	s := d.newStore(b)
	ctx := b.Context()
	w, err := s.Watch(ctx, BenchPrefix, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i > 0 && i%benchBatch == 0 {
			b.StopTimer()
			// Delete a Txn at a time and read its events before the
			// next, so that no watcher buffer can overflow.
			for j := 0; j < benchBatch; j += txnBatch {
				deleteKeys(b, s, d.keys[j:j+txnBatch])
				for range txnBatch {
					if ev := <-w.ResultChan(); ev.Type != storage.Deleted {
						b.Fatalf("watch delivered %s %s while resetting, want DELETED", ev.Type, ev.Key)
					}
				}
			}
			b.StartTimer()
		}
		k := d.keys[i%benchBatch]
		if _, err := s.Create(ctx, k, d.value(i)); err != nil {
			b.Fatal(err)
		}
		ev, open := <-w.ResultChan()
		if !open || ev.Key != k {
			b.Fatalf("watch delivered %s %s (open %v), want ADDED %s", ev.Type, ev.Key, open, k)
		}
	}
}

// createKeys creates keys in Txns of txnBatch operations.
func createKeys(b *testing.B, s storage.Interface, keys []string, value func(int) []byte) {
	b.Helper()
	ops := make([]storage.Op, 0, txnBatch)
	for i, k := range keys {
		ops = append(ops, storage.Op{Type: storage.OpCreate, Key: k, Value: value(i)})
		if len(ops) == txnBatch || i == len(keys)-1 {
			if _, err := s.Txn(b.Context(), ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
}

// deleteKeys deletes keys in Txns of txnBatch operations.
func deleteKeys(b *testing.B, s storage.Interface, keys []string) {
	b.Helper()
	ops := make([]storage.Op, 0, txnBatch)
	for i, k := range keys {
		ops = append(ops, storage.Op{Type: storage.OpDelete, Key: k})
		if len(ops) == txnBatch || i == len(keys)-1 {
			if _, err := s.Txn(b.Context(), ops); err != nil {
				b.Fatal(err)
			}
			ops = ops[:0]
		}
	}
}
