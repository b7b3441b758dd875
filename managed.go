package k1s

import "github.com/k1s-dev/k1s/managed"

// ManagedRuntimeOptions configure NewManagedRuntime; see managed.Options.
// They embed CoreClientOptions.
type ManagedRuntimeOptions = managed.Options

// ManagedRuntime is tier 2: a CoreClient plus informers, events, work
// tracking and a controller manager, with Start and Shutdown.
type ManagedRuntime = managed.Runtime

// NewManagedRuntime returns the tier 2 runtime. Components are created
// only if enabled in opts and only when first used; nothing runs before
// Start. The controller manager comes from package controller
// (controller.NewManager(rt, ...)), which keeps controller-runtime out of
// programs that only need the CoreClient or this package.
func NewManagedRuntime(opts ManagedRuntimeOptions) (*ManagedRuntime, error) {
	return managed.New(opts)
}
