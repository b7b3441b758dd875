package scenario

import (
	"os"
)

// helperMain runs the test binary as a helper process when the
// environment asks for one (see the tests that start helpers), and
// reports whether it did.
func helperMain() bool {
	name := os.Getenv("SCENARIO_HELPER")
	if name == "" {
		return false
	}
	fn, ok := helpers[name]
	if !ok {
		_, _ = os.Stderr.WriteString("unknown helper " + name + "\n")
		os.Exit(2)
	}
	if err := fn(); err != nil {
		_, _ = os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(0)
	return true
}

// helpers are the programs the test binary can run as a child process.
var helpers = map[string]func() error{}
