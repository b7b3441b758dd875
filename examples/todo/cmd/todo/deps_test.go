package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLean keeps todo a one-shot program: it must not link
// controller-runtime, informer caches or the event broadcaster, which
// todo-controller links for reconcile (BENCHMARKS.md, "examples/todo:
// size and memory", has what they cost).
func TestLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"sigs.k8s.io/controller-runtime", "k8s.io/client-go/tools/cache", "github.com/k1s-dev/k1s/managed", "github.com/k1s-dev/k1s/events"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("todo links %s", dep)
			}
		}
	}
}
