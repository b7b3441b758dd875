package worktracking

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestCountsAndPeak(t *testing.T) {
	r := New(nil)
	d1, err := r.Begin(ClientCall, "get a")
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := r.Begin(ClientCall, "get b")
	d3, _ := r.Begin(EventWrite, "ev")
	d1()
	d1() // a second call is harmless
	got := r.Stats()
	want := Stats{
		ClientCall: {InFlight: 1, Total: 2, Peak: 2},
		Reconcile:  {},
		EventWrite: {InFlight: 1, Total: 1, Peak: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	d2()
	d3()
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown with nothing in flight: %v", err)
	}
	if !r.ShuttingDown() {
		t.Error("ShuttingDown() = false after Shutdown")
	}
}

func TestRefusedAfterShutdown(t *testing.T) {
	r := New(&Config{MaxReported: 3})
	r.StopAccepting()
	_, err := r.Begin(Reconcile, "item default/a")
	if !errors.Is(err, ErrShuttingDown) || !apierrors.IsServiceUnavailable(err) {
		t.Fatalf("Begin after StopAccepting = %v; want ErrShuttingDown and ServiceUnavailable", err)
	}
	if !strings.Contains(err.Error(), "reconcile item default/a refused") {
		t.Errorf("error %q does not name the refused work", err)
	}
	ran := false
	if err := r.Track(ClientCall, "x", func() error { ran = true; return nil }); err == nil || ran {
		t.Errorf("Track after shutdown ran=%v err=%v", ran, err)
	}
	if got := r.Stats()[Reconcile].Refused; got != 1 {
		t.Errorf("refused reconciles = %d, want 1", got)
	}
}

func TestShutdownWaitsForInFlight(t *testing.T) {
	r := New(nil)
	release := make(chan struct{})
	started := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = r.Track(ClientCall, "create item", func() error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	done := make(chan error, 1)
	go func() { done <- r.Shutdown(context.Background()) }()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown = %v, want nil once the call ended", err)
	}
	wg.Wait()
}

func TestShutdownCutOff(t *testing.T) {
	r := New(&Config{MaxReported: 2})
	for _, w := range []struct {
		k    Kind
		what string
	}{{ClientCall, "a"}, {ClientCall, "b"}, {Reconcile, "c"}, {Kind("custom"), "d"}} {
		if _, err := r.Begin(w.k, w.what); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := r.Shutdown(ctx)
	var cut *CutOffError
	if !errors.As(err, &cut) {
		t.Fatalf("Shutdown = %v, want *CutOffError", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error does not wrap the context's error")
	}
	if diff := cmp.Diff(map[Kind]int{ClientCall: 2, Reconcile: 1, "custom": 1}, cut.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	msg := err.Error()
	for _, want := range []string{"cut off 4 operation(s)", "2 client call, 1 reconcile, 1 custom", "client call a", "... and 2 more"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestCutOffRaceWithEnd(t *testing.T) {
	r := New(nil)
	if got := r.cutOff(context.Canceled); got != nil {
		t.Errorf("cutOff with nothing in flight = %v", got)
	}
}
