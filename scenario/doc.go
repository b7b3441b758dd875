// Package scenario holds tests of k1s used the way its users combine the
// parts, with real processes on one store: a controller running
// continuously while one-shot `k1s` commands change, delete and re-create
// the objects it owns and watches; programs with different type sets
// sharing a file; informers reading while another process writes and
// compacts; and kill -9 of any of them at random points.
//
// Each test asserts the end state a real cluster would reach (every
// object converged, nothing stuck, nothing dangling, no retry loop), not
// the steps on the way, and never a duration: waits are bounded only to
// detect a hang. Randomised tests log their seed; set SCENARIO_SEED to
// replay one.
//
// The package has no non-test code; its tests build the k1s CLI and the
// inventory example's controller with the go command in TestMain.
package scenario
