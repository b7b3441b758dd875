// Package worktracking counts the work a k1s runtime has in flight — client
// calls, reconciles and event writes — so that a shutdown can stop taking new
// work, wait for what is running, and say exactly what it had to cut off.
//
// It is deliberately small (apimachinery errors and the k1s client interface,
// no client-go) so that a one-shot CLI can route SIGINT/SIGTERM through it
// without paying for the managed runtime.
package worktracking
