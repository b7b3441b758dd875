package open

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/k1s-dev/k1s/cliruntime"
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

func TestExecCompanion(t *testing.T) {
	bin := t.TempDir()
	companion := filepath.Join(bin, "k1s-etcd")
	writeExe(t, companion)
	t.Setenv("PATH", bin)
	t.Setenv(EnvHandedOff, "")
	var gotPath string
	var gotArgv, gotEnv []string
	execve = func(path string, argv, env []string) error {
		gotPath, gotArgv, gotEnv = path, argv, env
		return errors.New("exec refused")
	}
	defer func() { execve = syscall.Exec }()

	// SQLite (no --storage): the command runs here.
	if err := ExecCompanion("k1s-etcd")(&cliruntime.GlobalFlags{}); err != nil || gotPath != "" {
		t.Fatalf("sqlite: %v, exec'd %q", err, gotPath)
	}
	err := ExecCompanion("k1s-etcd")(&cliruntime.GlobalFlags{Storage: "etcd://127.0.0.1:2379", Verbosity: 4})
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
	err = ExecCompanion("k1s-nothere")(&cliruntime.GlobalFlags{Storage: "etcds://h:1"})
	if err == nil || !strings.Contains(err.Error(), "--storage etcds://h:1: this k1s opens etcd through its companion program k1s-nothere: not found beside") ||
		!strings.Contains(err.Error(), "go install github.com/k1s-dev/k1s/cmd/k1s-nothere") {
		t.Errorf("missing: %v", err)
	}
}
