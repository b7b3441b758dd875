package controller

import (
	"context"
	"time"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
)

// A cluster runs a garbage collector beside its controllers; a k1s manager
// runs a sweep of the CoreClient's garbage collection (core.CollectGarbage)
// beside them: once before a triggered run starts, and every
// GarbageCollectionInterval while a continuous run lasts, whenever the
// store changed since the last sweep. It collects what the CoreClient's
// own checks at write and delete time cannot see: references left dangling
// by a process that died between its write and its check, or by a k1s that
// predates them.

// DefaultGarbageCollectionInterval is how often a continuous manager
// sweeps for dangling owner references.
const DefaultGarbageCollectionInterval = 30 * time.Second

// collector is what the garbage collection needs of the runtime's client:
// a CoreClient (a client of another kind is not swept).
type collector interface {
	CollectGarbage(ctx context.Context) (core.GarbageCollection, error)
	Storage() storage.Interface
}

// gcRunnable is the manager's periodic sweep.
type gcRunnable struct {
	c     collector
	every time.Duration
	last  int64 // store revision at the last sweep
}

// sweep collects garbage if the store changed since the last sweep.
func (g *gcRunnable) sweep(ctx context.Context) error {
	rev, err := g.c.Storage().CurrentRevision(ctx)
	if err != nil {
		return err
	}
	if rev == g.last {
		return nil
	}
	if _, err := g.c.CollectGarbage(ctx); err != nil {
		return err
	}
	g.last = rev
	return nil
}

// Start sweeps until ctx ends. A failed sweep is retried at the next tick:
// the store may be busy, and nothing depends on one sweep.
func (g *gcRunnable) Start(ctx context.Context) error {
	t := time.NewTicker(g.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			_ = g.sweep(ctx)
		}
	}
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: a k1s
// manager elects no leader.
func (g *gcRunnable) NeedLeaderElection() bool { return false }
