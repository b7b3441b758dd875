package sqlite

import (
	"os/exec"
	"testing"
)

// RegisterChild adds a child mode for the external test package: main runs
// in a child process started by Child, with the store path and argument
// Child was given. Call it from an init function.
func RegisterChild(mode string, main func(path string, arg int) error) {
	childMains[mode] = main
}

// Child returns the command running mode in a child process.
func Child(t testing.TB, mode, path string, arg int) *exec.Cmd {
	return child(t, mode, path, arg)
}

// ChildOptions returns the options children open the store with (a
// small wal_autocheckpoint when the parent asks for one).
func ChildOptions() []Option { return childOptions() }

// EnvCheckpoint is the environment variable that sets children's
// wal_autocheckpoint.
const EnvCheckpoint = envCheckpoint
