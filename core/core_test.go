package core_test

import (
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func TestConformanceMemory(t *testing.T) {
	coretest.Run(t, func(t *testing.T) storage.Interface {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestConformanceSQLite(t *testing.T) {
	coretest.Run(t, func(t *testing.T) storage.Interface {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "k1s.db"))
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
