package clitest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// RepoRoot returns the module's root directory.
func RepoRoot(testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// ScriptsDir is where the scripts live, relative to the module root.
const ScriptsDir = "cmd/k1s/testdata"

// Params returns the testscript parameters for the scripts in dir. Each
// script starts in a fresh project directory ($WORK with .k1s/plugins
// holding the inventory example's types), with HOME and the XDG
// directories inside $WORK and every K1S_ variable cleared, so nothing of
// the user's leaks in. $EXAMPLE is examples/inventory; extra holds more
// variables.
func Params(t testing.TB, dir string, extra map[string]string) testscript.Params {
	example := filepath.Join(RepoRoot(t), "examples", "inventory")
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
				"K1S_REQUEST_TIMEOUT", "K1S_VERBOSITY", "K1S_CACHE_DIR", "K1S_CONFIG", "K1S_CONTEXT", "EDITOR", "KUBE_EDITOR", "KUBECTL_EXTERNAL_DIFF", "K1S_EXTERNAL_DIFF"} {
				env.Setenv(k, "")
			}
			for k, v := range extra {
				env.Setenv(k, v)
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfor": WaitFor,
		},
	}
}

// WaitFor is the script command `waitfor FILE REGEXP`: it waits until the
// file's content matches the (multi-line) regular expression. It is how a
// script waits for a background process (a watcher) to reach a point,
// with no sleeps; it gives up after a minute, a bound against hangs, not
// a performance expectation.
func WaitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor file regexp")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	var data []byte
	matched := poll(time.Now().Add(time.Minute), 20*time.Millisecond, func() bool {
		data, _ = os.ReadFile(ts.MkAbs(args[0]))
		return re.Match(data)
	})
	if !matched {
		ts.Fatalf("%s does not match %q after a minute; it holds:\n%s", args[0], args[1], data)
	}
}

// poll calls check every interval until it reports true (poll then
// returns true) or deadline has passed (false).
func poll(deadline time.Time, interval time.Duration, check func() bool) bool {
	for {
		if check() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}
