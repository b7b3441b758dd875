package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/storagetest"
)

// openTest opens a fresh store in a new file and closes it at cleanup.
func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "k1s.db"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Interface { return openTest(t) })
}

func BenchmarkStore(b *testing.B) {
	storagetest.Benchmark(b, func(b testing.TB) storage.Interface { return openTest(b) })
}
