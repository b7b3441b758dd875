package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupBudgetDeps keeps what one-shot commands link lean: the CLI
// must not link informer caches, controller-runtime or the WASM runtime,
// whose package initialisation alone would exceed the start-up budget,
// nor etcd's client and gRPC (6 ms of init, 6-7 MB of RSS), which
// cmd/k1s-etcd links instead.
func TestStartupBudgetDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".", "../../cliruntime").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/client-go/tools/cache", "sigs.k8s.io/controller-runtime", "github.com/tetratelabs/wazero", "k8s.io/client-go/kubernetes",
			// etcd's client and gRPC live in the companion k1s-etcd.
			"go.etcd.io/etcd/client/v3", "google.golang.org/grpc"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("the k1s CLI links %s", dep)
			}
		}
	}
}
