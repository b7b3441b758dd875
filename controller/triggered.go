package controller

import (
	"context"
	"errors"
	"time"

	"github.com/k1s-dev/k1s/worktracking"
)

const reconcileKind = worktracking.Reconcile

// TriggeredOptions tune RunTriggered.
type TriggeredOptions struct {
	// RequeueBound: a requeue due later than this from now does not keep
	// the run going. 0 means 1 s.
	RequeueBound time.Duration
	// Settle is how long every controller must stay idle, with no queue
	// activity at all, before the run ends: it covers the time between a
	// reconcile's write and the informer event it causes. 0 means 50 ms.
	Settle time.Duration
}

// TriggeredResult says how a triggered run went.
type TriggeredResult struct {
	// Reconciles is the number of reconciles run.
	Reconciles int64
}

// RunTriggered runs the manager until it converges: every controller has
// started (its sources synced), its queue is empty, no reconcile runs, no
// requeue is due within RequeueBound, and that has held for Settle. Then
// it stops the manager and returns. It ends early with ctx's error when
// ctx is done, or with the manager's error if the manager fails. Like
// Start, it can be called once per manager.
func (m *Manager) RunTriggered(ctx context.Context, opts TriggeredOptions) (TriggeredResult, error) {
	if opts.RequeueBound <= 0 {
		opts.RequeueBound = time.Second
	}
	if opts.Settle <= 0 {
		opts.Settle = 50 * time.Millisecond
	}
	tick := opts.Settle / 10
	if tick < time.Millisecond {
		tick = time.Millisecond
	}
	if err := ctx.Err(); err != nil {
		return TriggeredResult{}, err
	}
	before := m.rt.WorkTracker().Stats()[reconcileKind].Total
	if m.gc != nil {
		// As a cluster's garbage collector would have by now: dependents
		// whose owners are gone go before the controllers look at them.
		if err := m.gc.sweep(ctx); err != nil {
			return TriggeredResult{}, err
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errCh := make(chan error, 1)
	go func() { errCh <- m.Start(runCtx) }()

	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	var (
		quietSince   time.Time
		lastActivity uint64
	)
	for {
		select {
		case err := <-errCh:
			// The manager stopped by itself (a failure, or the runtime
			// shut down).
			return m.result(before), err
		case <-ctx.Done():
			cancel()
			return m.result(before), errors.Join(ctx.Err(), <-errCh)
		case now := <-ticker.C:
			idle, activity := m.idle(now, opts.RequeueBound, opts.Settle)
			if !idle || activity != lastActivity || quietSince.IsZero() {
				lastActivity = activity
				if idle {
					quietSince = now
				} else {
					quietSince = time.Time{}
				}
				continue
			}
			if now.Sub(quietSince) >= opts.Settle {
				cancel()
				err := <-errCh
				return m.result(before), err
			}
		}
	}
}

func (m *Manager) result(before int64) TriggeredResult {
	return TriggeredResult{Reconciles: m.rt.WorkTracker().Stats()[reconcileKind].Total - before}
}

// idle reports whether every instrumented controller is idle, with the
// sum of their activity counters.
func (m *Manager) idle(now time.Time, bound, grace time.Duration) (bool, uint64) {
	all := true
	var sum uint64
	for _, w := range m.watchedControllers() {
		idle, act := w.state(now, bound, grace)
		all = all && idle
		sum += act
	}
	return all, sum
}
