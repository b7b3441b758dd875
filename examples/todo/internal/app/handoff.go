package app

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime"
)

// Controller is the program that runs todo's reconciler: the todo CLI
// with the controller linked. todo itself does not link it, so that its
// one-shot commands start without controller-runtime, informers and the
// event broadcaster (BENCHMARKS.md, examples/todo).
const Controller = "todo-controller"

// envHandedOff marks a process started by the hand-off, so that a
// program installed as todo-controller that hands back does not loop.
const envHandedOff = "TODO_HANDED_OFF"

// HandoffCommands are the commands of the lean todo: reconcile, which
// replaces the process with todo-controller (found beside the running
// executable, else on PATH) given the same arguments, environment and
// streams. The user types `todo reconcile`; only that command pays for
// the controller.
func HandoffCommands(*cliruntime.CLI) []*cobra.Command {
	return []*cobra.Command{{
		Use:                "reconcile",
		Short:              "Reconcile every task until nothing is left to do (runs " + Controller + ")",
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			path, err := controllerPath()
			if err != nil {
				return err
			}
			env := append(os.Environ(), envHandedOff+"="+path)
			return fmt.Errorf("running %s: %w", path, syscall.Exec(path, append([]string{path}, os.Args[1:]...), env))
		},
	}}
}

// controllerPath finds todo-controller: installed with todo, it is
// beside it; else on PATH.
func controllerPath() (string, error) {
	if os.Getenv(envHandedOff) != "" {
		return "", fmt.Errorf("%s (%s) handed reconcile back: it is not the todo controller", Controller, os.Getenv(envHandedOff))
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), Controller)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(Controller)
	if err != nil && !errors.Is(err, exec.ErrDot) {
		return "", fmt.Errorf("reconcile is run by %s, which is not installed beside %s nor on PATH (install both: go install ./cmd/todo ./cmd/%s)", Controller, Name, Controller)
	}
	if err != nil {
		return "", fmt.Errorf("%s is in the working directory only, which is not searched", Controller)
	}
	return p, nil
}
