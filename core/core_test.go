package core_test

import (
	"fmt"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/k1s-dev/k1s/core"
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

// TestDefaultNamespaceConcurrentOpen opens one SQLite file from several
// stores at once, as several processes starting together would, each
// making its first write: each stores the default namespace if it is
// missing, and all succeed.
func TestDefaultNamespaceConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	const openers = 4
	errs := make(chan error, openers)
	for i := range openers {
		go func() {
			s, err := sqlite.Open(path)
			if err != nil {
				errs <- err
				return
			}
			defer func() { _ = s.Close() }()
			c, err := core.New(core.Options{Storage: s, SkipPlugins: true})
			if err == nil {
				cm := &corev1.ConfigMap{}
				cm.Namespace, cm.Name = "default", fmt.Sprintf("cm%d", i)
				err = c.Create(t.Context(), cm)
			}
			errs <- err
		}()
	}
	for range openers {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	count := func(resource string) int64 {
		n, err := s.Count(t.Context(), storage.Prefix(storage.DefaultTenant, corev1.SchemeGroupVersion.WithResource(resource).GroupResource(), ""))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if ns, cms := count("namespaces"), count("configmaps"); ns != 1 || cms != openers {
		t.Fatalf("%d namespaces and %d configmaps after concurrent first writes, want the default namespace once and %d configmaps", ns, cms, openers)
	}
}
