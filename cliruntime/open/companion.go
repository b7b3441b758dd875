package open

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/k1s-dev/k1s/cliruntime"
)

// EtcdCompanion is the program cmd/k1s hands etcd:// commands to:
// cmd/k1s-etcd, the same CLI with the etcd client linked.
const EtcdCompanion = "k1s-etcd"

// EnvHandedOff is set in the companion's environment by the hand-off. A
// k1s that finds it set when it is about to hand off was itself started
// by a hand-off: the program installed under the companion's name is not
// the companion, and handing off again would loop.
const EnvHandedOff = "K1S_HANDED_OFF"

// ExecCompanion returns a cliruntime.CLI Handoff for a program without an
// etcd client: when the command's storage is an etcd:// URL, it replaces
// the process (execve: same arguments, environment, streams and process
// id) with the companion program name, looked up beside the running
// executable first and then on PATH. So the default k1s binary starts
// without etcd's client and gRPC (their package initialisation alone is
// 6 ms, their pages 6-7 MB of RSS: BENCHMARKS.md, CLI), while the user's
// command stays the same. The hand-off happens once the flags are
// parsed and before the command reads anything (stdin included), so the
// companion sees the command as it was given. A missing companion is an
// error naming it and where it was looked for.
func ExecCompanion(name string) func(flags *cliruntime.GlobalFlags) error {
	return func(flags *cliruntime.GlobalFlags) error {
		if !IsEtcdURL(flags.Storage) {
			return nil
		}
		if os.Getenv(EnvHandedOff) != "" {
			return fmt.Errorf("--storage %s: %s (%s) handed the command back instead of opening etcd: it is not the etcd companion; reinstall %s with k1s",
				cliruntime.RedactURL(flags.Storage), name, os.Getenv(EnvHandedOff), name)
		}
		exe, _ := os.Executable()
		path, err := companionPath(name, exe)
		if err != nil {
			return fmt.Errorf("--storage %s: this k1s opens etcd through its companion program %s: %w; install it with k1s (go install github.com/k1s-dev/k1s/cmd/%s)",
				cliruntime.RedactURL(flags.Storage), name, err, name)
		}
		if flags.Verbosity >= 4 {
			logf(os.Stderr, "handing the command to the etcd companion %s", path)
		}
		env := append(os.Environ(), EnvHandedOff+"="+path)
		return fmt.Errorf("running %s: %w", path, execve(path, append([]string{path}, os.Args[1:]...), env))
	}
}

// execve is syscall.Exec; it returns only on failure.
var execve = syscall.Exec

func logf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, "I%s %s\n", time.Now().Format("0102 15:04:05.000000"), fmt.Sprintf(format, args...))
}

// companionPath finds the companion beside exe, else on PATH.
func companionPath(name, exe string) (string, error) {
	var beside string
	if exe != "" {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		beside = filepath.Join(filepath.Dir(exe), name)
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return beside, nil
		}
	}
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if errors.Is(err, exec.ErrDot) {
		// A companion in the working directory is not one installed with k1s.
		return "", fmt.Errorf("%s is in the working directory only, which is not searched", name)
	}
	if beside == "" {
		return "", fmt.Errorf("not found on PATH")
	}
	return "", fmt.Errorf("not found beside %s nor on PATH", exe)
}
