package open

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/structural"
)

// EtcdCompanion is the program cmd/k1s hands commands to: cmd/k1s-etcd,
// the same CLI with the etcd client and the CEL rule engine
// (structural/celrules) linked.
const EtcdCompanion = "k1s-etcd"

// EnvHandedOff is set in the companion's environment by the hand-off. A
// k1s that finds it set when it is about to hand off was itself started
// by a hand-off: the program installed under the companion's name is not
// the companion, and handing off again would loop.
const EnvHandedOff = "K1S_HANDED_OFF"

// ExecCompanion returns a cliruntime.CLI Handoff for a lean program, one
// without an etcd client or a rule engine: when the command's storage is
// an etcd:// URL, or the command writes objects (cliruntime.WritesObjects)
// and no rule engine is linked (structural.HasRuleEngine), it replaces
// the process (execve: same arguments, environment, streams and process
// id) with the companion program name, looked up beside the running
// executable first and then on PATH. So the default k1s binary starts
// without etcd's client and gRPC (6 ms of package initialisation, 6-7
// MB of RSS) and without CEL's libraries (~15 ms, ~7 MB: BENCHMARKS.md),
// which reads never use, while the user's command stays the same. The
// hand-off happens once the flags are parsed and before the command
// reads anything (stdin included), so the companion sees the command as
// it was given. A missing companion is an error naming it and where it
// was looked for.
func ExecCompanion(name string) func(cmd *cobra.Command, flags *cliruntime.GlobalFlags) error {
	return func(cmd *cobra.Command, flags *cliruntime.GlobalFlags) error {
		var why string
		switch {
		case IsEtcdURL(flags.Storage):
			why = "--storage " + cliruntime.RedactURL(flags.Storage) + ": this k1s opens etcd"
		case cliruntime.WritesObjects(cmd) && !structural.HasRuleEngine():
			why = "this k1s writes objects (and checks their x-kubernetes-validations rules)"
		default:
			return nil
		}
		if os.Getenv(EnvHandedOff) != "" {
			return fmt.Errorf("%s through %s (%s), which handed the command back: it is not the companion; reinstall %s with k1s",
				why, name, os.Getenv(EnvHandedOff), name)
		}
		exe, _ := os.Executable()
		path, err := companionPath(name, exe)
		if err != nil {
			return fmt.Errorf("%s through its companion program %s: %w; install it with k1s (go install github.com/k1s-dev/k1s/cmd/%s)",
				why, name, err, name)
		}
		if flags.Verbosity >= 4 {
			logf(os.Stderr, "handing the command to the companion %s", path)
		}
		env := append(os.Environ(), EnvHandedOff+"="+path)
		argv := append([]string{path}, os.Args[1:]...)
		if runtime.GOOS == "windows" {
			return spawn(path, argv, env)
		}
		return fmt.Errorf("running %s: %w", path, execve(path, argv, env))
	}
}

// spawn is the hand-off where a process cannot be replaced (Windows has
// no execve): the companion runs as a child with this process's streams
// and environment, and its exit status becomes this process's (an
// ExitError, which the CLI exits with and prints nothing for).
func spawn(path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdin, os.Stdout, os.Stderr, env
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &cliruntime.ExitError{Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("running %s: %w", path, err)
	}
	return &cliruntime.ExitError{Code: 0}
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
