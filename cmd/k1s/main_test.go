package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// TestMain makes this test binary double as the k1s binary: scripts run
// "k1s" as a separate process (testscript copies the binary into PATH),
// so every script exercises the real command line, exit codes and
// streams, and coverage of main and cliruntime is still collected.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"k1s": main})
}

func repoRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// params returns the testscript parameters for the scripts in dir. Each
// script starts in a fresh project directory ($WORK with .k1s/plugins
// holding the inventory example's types), with HOME and the XDG
// directories inside $WORK so nothing of the user's leaks in. $EXAMPLE
// is examples/inventory; extra holds more variables.
func params(t *testing.T, dir string, extra map[string]string) testscript.Params {
	example := filepath.Join(repoRoot(t), "examples", "inventory")
	types, err := os.ReadFile(filepath.Join(example, "plugins", "types.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			for _, d := range []string{".k1s/plugins", "home", "cache", "config", "data"} {
				if err := os.MkdirAll(filepath.Join(env.WorkDir, d), 0o755); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, ".k1s", "plugins", "inventory.yaml"), types, 0o644); err != nil {
				return err
			}
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "data"))
			env.Setenv("EXAMPLE", example)
			for _, k := range []string{"K1S_DATA", "K1S_PLUGIN_PATH", "K1S_NAMESPACE", "K1S_TENANT", "K1S_STORAGE",
				"K1S_REQUEST_TIMEOUT", "K1S_VERBOSITY", "K1S_CACHE_DIR", "EDITOR", "KUBE_EDITOR"} {
				env.Setenv(k, "")
			}
			for k, v := range extra {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfor": cmdWaitFor,
		},
	}
}

// TestScripts runs testdata/*.txtar against the embedded SQLite store.
func TestScripts(t *testing.T) {
	testscript.Run(t, params(t, "testdata", nil))
}

// TestEtcdScripts runs testdata/etcd/*.txtar against a real etcd server
// started for the test; $ETCD is its etcd:// URL. Scripts share the
// server, so each uses its own --tenant.
func TestEtcdScripts(t *testing.T) {
	srv := etcdtest.Start(t)
	testscript.Run(t, params(t, filepath.Join("testdata", "etcd"), map[string]string{"ETCD": srv.URL()}))
}

// cmdWaitFor waits until a file's content matches a regular expression:
// waitfor FILE REGEXP. It is how a script waits for a background
// process (a watcher) to reach a point, with no sleeps; it gives up after
// a minute, a bound against hangs, not a performance expectation.
func cmdWaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor file regexp")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	deadline := time.Now().Add(time.Minute)
	for {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		if re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s does not match %q after a minute; it holds:\n%s", args[0], args[1], data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
