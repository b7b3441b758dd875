package managed

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// BenchmarkStartup: NewManagedRuntime + Start + informers synced for 3
// kinds with 1,000 objects each (the store is opened and populated once,
// outside the timed loop).
func BenchmarkStartup(b *testing.B) {
	for _, backend := range []string{"memory", "sqlite"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			var store storage.Interface
			if backend == "memory" {
				store = memory.New()
			} else {
				s, err := sqlite.Open(filepath.Join(b.TempDir(), "startup.db"))
				if err != nil {
					b.Fatal(err)
				}
				store = s
			}
			defer func() { _ = store.Close() }()
			if err := Populate(ctx, store, 1000); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{
					CoreClientOptions: core.Options{Storage: store},
					EnableInformers:   true,
				})
				if err != nil {
					b.Fatal(err)
				}
				for _, obj := range Kinds() {
					if _, err := rt.GetInformerFor(obj); err != nil {
						b.Fatal(err)
					}
				}
				if err := rt.Start(ctx); err != nil {
					b.Fatal(err)
				}
				f, _ := rt.InformerFactory()
				for k, ok := range f.WaitForCacheSync(ctx) {
					if !ok {
						b.Fatalf("%v did not sync", k)
					}
				}
				b.StopTimer()
				if err := rt.Shutdown(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
