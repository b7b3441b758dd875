package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupBudgetDeps keeps what one-shot commands link lean: the CLI
// must not link informer caches, controller-runtime or the WASM runtime,
// whose package initialisation alone would exceed the start-up budget.
func TestStartupBudgetDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".", "../../cliruntime").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go/tools/cache", "sigs.k8s.io/controller-runtime", "github.com/tetratelabs/wazero", "k8s.io/client-go/kubernetes"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("the k1s CLI links %s", dep)
			}
		}
	}
}
