package printers_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/clitest"
	"github.com/k1s-dev/k1s/cliruntime/open"
)

// TestMain makes the test binary double as a k1s, so that cmd/k1s's
// scripts, which print every format (tables of every built-in kind,
// watch, -o name, jsonpath, custom columns, --sort-by), measure this
// package's coverage as they measure cliruntime's.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"k1s": func() {
		os.Exit(cliruntime.New("k1s", "v0.0.0-test", open.Session).Execute(os.Args[1:]))
	}})
}

// TestScripts runs cmd/k1s's scripts (SQLite store).
func TestScripts(t *testing.T) {
	testscript.Run(t, clitest.Params(t, filepath.Join(clitest.RepoRoot(t), clitest.ScriptsDir), nil))
}
