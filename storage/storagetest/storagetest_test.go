package storagetest_test

import (
	"context"
	"flag"
	"testing"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

func newMemory(t testing.TB) storage.Interface {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The suite passes on the reference backend.
func TestRunMemory(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface { return newMemory(t) })
}

// errorEventStore reports a failed Watch the other way the contract
// allows: a Watcher whose first event is the error. It runs the real
// memory store underneath, so the suite's handling of that form is checked
// against real behaviour.
type errorEventStore struct{ storage.Interface }

func (s errorEventStore) Watch(ctx context.Context, prefix string, from int64) (storage.Watcher, error) {
	w, err := s.Interface.Watch(ctx, prefix, from)
	if err == nil {
		return w, nil
	}
	ch := make(chan storage.Event, 1)
	ch <- storage.Event{Type: storage.Error, Err: err}
	close(ch)
	return closedWatcher(ch), nil
}

type closedWatcher chan storage.Event

func (w closedWatcher) ResultChan() <-chan storage.Event { return w }
func (w closedWatcher) Stop()                            {}

func TestRunErrorEvents(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface { return errorEventStore{newMemory(t)} })
}

// Benchmark runs every loop, including the store resets (every 200
// operations here), with a fixed iteration count so the test stays short.
func TestBenchmarkLoops(t *testing.T) {
	defer storagetest.SetBenchBatch(200)()
	bt := flag.Lookup("test.benchtime")
	old := bt.Value.String()
	if err := bt.Value.Set("500x"); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bt.Value.Set(old) }()
	res := testing.Benchmark(func(b *testing.B) { storagetest.Benchmark(b, newMemory) })
	if res.N == 0 {
		t.Fatal("Benchmark ran no iterations")
	}
}

func TestValue(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 9, 10, 999, 123456, 9999999} {
		v := storagetest.Value(i)
		if len(v) != storagetest.ValueSize {
			t.Errorf("Value(%d) is %d bytes, want %d", i, len(v), storagetest.ValueSize)
		}
		if string(v) != string(storagetest.Value(i)) {
			t.Errorf("Value(%d) differs between calls", i)
		}
		if seen[string(v)] {
			t.Errorf("Value(%d) repeats another value", i)
		}
		seen[string(v)] = true
		if k := storagetest.Key(i); len(k) <= len(storagetest.BenchPrefix) || k[:len(storagetest.BenchPrefix)] != storagetest.BenchPrefix {
			t.Errorf("Key(%d) = %s is not under %s", i, k, storagetest.BenchPrefix)
		}
	}
	if storagetest.Key(9) >= storagetest.Key(10) {
		t.Errorf("Key order is not numeric order: %s >= %s", storagetest.Key(9), storagetest.Key(10))
	}
}
