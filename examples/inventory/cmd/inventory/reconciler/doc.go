// Package reconciler is the inventory example's controller logic, written
// only against controller-runtime's API (no k1s import): the same code runs
// against k1s and against a real cluster.
//
// The Category reconciler keeps a summary ConfigMap "<category>-summary"
// owned by the Category (item count, total quantity, one entry per item)
// and the Category's status. The Item reconciler keeps the Item's Ready
// and InStock conditions, records events, and holds a finalizer so that a
// deleted Item leaves the summary only after the summary stopped counting
// it.
package reconciler
