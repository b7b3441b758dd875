package open

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/structural"
	"github.com/k1s-dev/k1s/structural/celrules"
)

func writeExe(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestCompanionPath(t *testing.T) {
	bin, onPath, empty := t.TempDir(), t.TempDir(), t.TempDir()
	exe := filepath.Join(bin, "k1s")
	writeExe(t, exe)
	link := filepath.Join(empty, "k1s-link")
	if err := os.Symlink(exe, link); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", onPath)

	// Neither beside nor on PATH: the error says where it looked.
	if _, err := companionPath("k1s-etcd", exe); err == nil || err.Error() != "not found beside "+exe+" nor on PATH" {
		t.Errorf("missing companion: %v", err)
	}
	if _, err := companionPath("k1s-etcd", ""); err == nil || err.Error() != "not found on PATH" {
		t.Errorf("missing companion, no executable: %v", err)
	}
	// On PATH only.
	writeExe(t, filepath.Join(onPath, "k1s-etcd"))
	if got, err := companionPath("k1s-etcd", exe); err != nil || got != filepath.Join(onPath, "k1s-etcd") {
		t.Errorf("on PATH: %q, %v", got, err)
	}
	// Beside the executable wins over PATH, also when k1s was run
	// through a symbolic link (the companion is beside the real file).
	writeExe(t, filepath.Join(bin, "k1s-etcd"))
	for _, e := range []string{exe, link} {
		if got, err := companionPath("k1s-etcd", e); err != nil || got != filepath.Join(bin, "k1s-etcd") {
			t.Errorf("beside %s: %q, %v", e, got, err)
		}
	}
	// A file beside that is not executable does not count.
	if err := os.WriteFile(filepath.Join(bin, "k1s-x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := companionPath("k1s-x", exe); err == nil {
		t.Error("a non-executable file was taken for the companion")
	}
	// Only in the working directory (PATH=.): refused.
	t.Chdir(onPath)
	t.Setenv("PATH", ".")
	if _, err := companionPath("k1s-etcd", ""); err == nil || !strings.Contains(err.Error(), "working directory only") {
		t.Errorf("in the working directory: %v", err)
	}
}

// companionOnPath installs an executable k1s-etcd as the only program on
// PATH, clears the hand-off mark, and returns the companion's path and
// execve for the test to replace (restored when the test ends).
func companionOnPath(t *testing.T) (string, *func(string, []string, []string) error) {
	t.Helper()
	bin := t.TempDir()
	companion := filepath.Join(bin, "k1s-etcd")
	writeExe(t, companion)
	t.Setenv("PATH", bin)
	t.Setenv(EnvHandedOff, "")
	t.Cleanup(func() { execve = syscall.Exec })
	return companion, &execve
}

func TestExecCompanion(t *testing.T) {
	companion, exec := companionOnPath(t)
	var gotPath string
	var gotArgv, gotEnv []string
	*exec = func(path string, argv, env []string) error {
		gotPath, gotArgv, gotEnv = path, argv, env
		return errors.New("exec refused")
	}

	// SQLite (no --storage): the command runs here.
	if err := ExecCompanion("k1s-etcd")(nil, &cliruntime.GlobalFlags{}); err != nil || gotPath != "" {
		t.Fatalf("sqlite: %v, exec'd %q", err, gotPath)
	}
	err := ExecCompanion("k1s-etcd")(nil, &cliruntime.GlobalFlags{Storage: "etcd://127.0.0.1:2379", Verbosity: 4})
	if err == nil || err.Error() != "running "+companion+": exec refused" {
		t.Errorf("etcd: %v", err)
	}
	if gotPath != companion || !reflect.DeepEqual(gotArgv, append([]string{companion}, os.Args[1:]...)) {
		t.Errorf("exec'd %q %q", gotPath, gotArgv)
	}
	if gotEnv[len(gotEnv)-1] != EnvHandedOff+"="+companion {
		t.Errorf("environment ends with %q, want the hand-off mark", gotEnv[len(gotEnv)-1])
	}
	// Missing: the error names the companion and how to install it.
	err = ExecCompanion("k1s-nothere")(nil, &cliruntime.GlobalFlags{Storage: "etcds://h:1"})
	if err == nil || !strings.Contains(err.Error(), "--storage etcds://h:1: this k1s opens etcd through its companion program k1s-nothere: not found beside") ||
		!strings.Contains(err.Error(), "go install github.com/k1s-dev/k1s/cmd/k1s-nothere") {
		t.Errorf("missing: %v", err)
	}
}

// TestExecCompanionWrites checks the other hand-off: a command that
// writes, in a program that links no rule engine, goes to the companion;
// reads, and writes where an engine is linked, run here.
func TestExecCompanionWrites(t *testing.T) {
	companion, exec := companionOnPath(t)
	var gotPath string
	*exec = func(path string, argv, env []string) error {
		gotPath = path
		return errors.New("exec refused")
	}
	root := &cobra.Command{Use: "k1s"}
	apply, get := &cobra.Command{Use: "apply"}, &cobra.Command{Use: "get"}
	create, cm := &cobra.Command{Use: "create"}, &cobra.Command{Use: "configmap"}
	create.AddCommand(cm)
	root.AddCommand(apply, get, create)

	structural.RegisterRuleEngine(nil)
	defer structural.RegisterRuleEngine(celrules.Engine{})
	for _, cmd := range []*cobra.Command{apply, cm} {
		gotPath = ""
		if err := ExecCompanion("k1s-etcd")(cmd, &cliruntime.GlobalFlags{}); err == nil || gotPath != companion {
			t.Errorf("%s without a rule engine: %v, exec'd %q", cmd.CommandPath(), err, gotPath)
		}
	}
	gotPath = ""
	if err := ExecCompanion("k1s-etcd")(get, &cliruntime.GlobalFlags{}); err != nil || gotPath != "" {
		t.Errorf("get: %v, exec'd %q", err, gotPath)
	}
	// Started by a hand-off already: the companion is not the full CLI.
	t.Setenv(EnvHandedOff, companion)
	if err := ExecCompanion("k1s-etcd")(apply, &cliruntime.GlobalFlags{}); err == nil || !strings.Contains(err.Error(), "which handed the command back") {
		t.Errorf("loop: %v", err)
	}
	t.Setenv(EnvHandedOff, "")
	structural.RegisterRuleEngine(celrules.Engine{})
	gotPath = ""
	if err := ExecCompanion("k1s-etcd")(apply, &cliruntime.GlobalFlags{}); err != nil || gotPath != "" {
		t.Errorf("apply with a rule engine: %v, exec'd %q", err, gotPath)
	}
}

// TestSpawn checks the hand-off without execve (Windows): the companion
// runs as a child and its exit status is the command's.
func TestSpawn(t *testing.T) {
	dir := t.TempDir()
	exit3 := filepath.Join(dir, "exit3")
	if err := os.WriteFile(exit3, []byte("#!/bin/sh\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var ee *cliruntime.ExitError
	if err := spawn(exit3, []string{exit3, "a"}, os.Environ()); !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("exit 3: %v", err)
	}
	ok := filepath.Join(dir, "ok")
	writeExe(t, ok)
	if err := spawn(ok, []string{ok}, os.Environ()); !errors.As(err, &ee) || ee.Code != 0 {
		t.Errorf("exit 0: %v", err)
	}
	if err := spawn(filepath.Join(dir, "missing"), []string{"missing"}, nil); err == nil || errors.As(err, &ee) {
		t.Errorf("missing: %v", err)
	}
}
