package managed

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/app"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// BenchmarkCRUDWithEvents: through a started ManagedRuntime (work-tracked
// client, schema validation of the inventory Item type), each iteration
// creates, reads, updates and deletes one Item and records one event per
// write (3 events, each a distinct Event object). ops/s counts the four
// client operations; the events are flushed inside the timed region.
func BenchmarkCRUDWithEvents(b *testing.B) {
	for _, backend := range []string{"memory", "sqlite"} {
		b.Run(backend, func(b *testing.B) {
			var store storage.Interface
			if backend == "memory" {
				store = memory.New()
			} else {
				s, err := sqlite.Open(filepath.Join(b.TempDir(), "crud.db"))
				if err != nil {
					b.Fatal(err)
				}
				store = s
			}
			defer func() { _ = store.Close() }()
			rt, err := managed.New(managed.Options{
				CoreClientOptions: core.Options{Storage: store, Scheme: app.Scheme(), Registry: app.Registry()},
				EnableEvents:      true,
			})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := rt.Start(ctx); err != nil {
				b.Fatal(err)
			}
			rec, _ := rt.GetEventRecorderFor("bench")
			bc, _ := rt.EventBroadcaster()
			c := rt.Client()
			i := 0
			for b.Loop() {
				it := &v1alpha1.Item{
					ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("item-%d", i)},
					Spec:       v1alpha1.ItemSpec{Category: "bench", Quantity: int64(i)},
				}
				i++
				if err := c.Create(ctx, it); err != nil {
					b.Fatal(err)
				}
				rec.Event(it, corev1.EventTypeNormal, "Created", "created")
				if err := c.Get(ctx, client.ObjectKeyFromObject(it), it); err != nil {
					b.Fatal(err)
				}
				it.Spec.Quantity++
				if err := c.Update(ctx, it); err != nil {
					b.Fatal(err)
				}
				rec.Event(it, corev1.EventTypeNormal, "Updated", "updated")
				if err := c.Delete(ctx, it); err != nil {
					b.Fatal(err)
				}
				rec.Event(it, corev1.EventTypeNormal, "Deleted", "deleted")
			}
			if err := bc.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(4*b.N)/b.Elapsed().Seconds(), "ops/s")
			if st := bc.Stats(); st.Failed != 0 {
				b.Fatalf("%d event writes failed", st.Failed)
			}
			if err := rt.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
		})
	}
}
