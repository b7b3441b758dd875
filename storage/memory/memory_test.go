package memory_test

import (
	"testing"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

func newStore(t *testing.T) storage.Interface {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, newStore)
}

func BenchmarkMemory(b *testing.B) {
	storagetest.Benchmark(b, func(b testing.TB) storage.Interface {
		s := memory.New()
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}
