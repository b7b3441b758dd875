package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupBudgetDeps keeps what one-shot commands link lean: the CLI
// must not link informer caches, controller-runtime or the typed
// clientset, whose package initialisation alone would exceed the
// start-up budget, nor etcd's client and gRPC (6 ms of init, 6-7 MB of
// RSS), nor CEL's libraries, which cmd/k1s-etcd links instead. The WASM runtime is linked by the binary for its
// plugin commands (package plugins/plugincli) but never by cliruntime:
// its initialisation is one directory read, and a command that writes no
// hooked kind never touches it (BENCHMARKS.md: k1s get with 10 plugins).
func TestStartupBudgetDeps(t *testing.T) {
	for _, tc := range []struct {
		pkg    string
		banned []string
	}{
		{".", []string{"k8s.io/client-go/tools/cache", "sigs.k8s.io/controller-runtime", "k8s.io/client-go/kubernetes", "go.etcd.io/etcd/client/v3", "google.golang.org/grpc"}},
		{"../../cliruntime", []string{"k8s.io/client-go/tools/cache", "sigs.k8s.io/controller-runtime", "github.com/tetratelabs/wazero", "k8s.io/client-go/kubernetes", "go.etcd.io/etcd/client/v3", "google.golang.org/grpc"}},
		// CEL's libraries (~15 ms of init, ~7 MB): linked by k1s-etcd,
		// to which the lean k1s hands the commands that write.
		{".", []string{"github.com/google/cel-go", "k8s.io/apiserver/pkg/cel", "k8s.io/kube-openapi/pkg/validation/strfmt", "github.com/prometheus/client_golang", "k8s.io/component-base"}},
	} {
		out, err := exec.Command("go", "list", "-deps", tc.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, banned := range tc.banned {
				if dep == banned || strings.HasPrefix(dep, banned+"/") {
					t.Errorf("%s links %s", tc.pkg, dep)
				}
			}
		}
	}
}
