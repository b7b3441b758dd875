package cliruntime_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/clitest"
	"github.com/k1s-dev/k1s/cliruntime/open"
	// The scripts write types with x-kubernetes-validations rules: this
	// in-process k1s links the rule engine, as the full CLI does.
	_ "github.com/k1s-dev/k1s/structural/celrules"
)

// TestMain makes the test binary double as a k1s built from cliruntime,
// so that the command-line scripts of cmd/k1s also measure this
// package's coverage (testscript runs the binary as a separate process).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"k1s": func() {
		os.Exit(cliruntime.New("k1s", "v0.0.0-test", open.Session).Execute(os.Args[1:]))
	}, "todo": func() { os.Exit(todoMain()) }})
}

// TestScripts runs cmd/k1s's scripts (SQLite store) with this package's
// commands.
func TestScripts(t *testing.T) {
	testscript.Run(t, clitest.Params(t, filepath.Join(clitest.RepoRoot(t), clitest.ScriptsDir), nil))
}
