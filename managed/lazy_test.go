package managed

import (
	"context"
	"testing"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestComponentsAreLazy checks selective initialization from the inside:
// enabled components exist only once asked for.
func TestComponentsAreLazy(t *testing.T) {
	store := memory.New()
	defer func() { _ = store.Close() }()
	rt, err := New(Options{CoreClientOptions: core.Options{Storage: store}, EnableInformers: true, EnableEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if rt.informers != nil || rt.events != nil {
		t.Fatal("components created before first use")
	}
	if _, err := rt.GetEventRecorderFor("x"); err != nil {
		t.Fatal(err)
	}
	if rt.informers != nil || rt.events == nil {
		t.Fatalf("after GetEventRecorderFor: informers %v, events %v; want only events", rt.informers, rt.events)
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
