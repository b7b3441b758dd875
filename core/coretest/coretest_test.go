package coretest_test

import (
	"testing"

	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestRunMemory runs the suite on the memory backend, which is how its own
// helpers are checked; core's tests run it on SQLite too.
func TestRunMemory(t *testing.T) {
	coretest.Run(t, func(t *testing.T) storage.Interface {
		s := memory.New()
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
