package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/examples/todo/internal/app"
	"github.com/k1s-dev/k1s/examples/todo/internal/controller"
)

// TestMain makes the test binary double as both programs, so that the
// scripts run todo and todo-controller as real processes (testscript
// puts them on PATH, where `todo reconcile` finds todo-controller) and
// the binary is built once for every script.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"todo":            main,
		"todo-controller": func() { os.Exit(app.NewCLI(version, controller.Commands).Execute(os.Args[1:])) },
	})
}

// TestScripts runs testdata/*.txtar, each in a fresh directory with its
// own HOME and none of the variables the CLI reads.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", filepath.Join(env.WorkDir, ".home"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".home", "config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, ".home", "data"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, ".home", "cache"))
			for _, kv := range os.Environ() {
				if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "K1S_") || strings.HasPrefix(k, "TODO_") {
					env.Setenv(k, "")
				}
			}
			return nil
		},
	})
}
