// Package app wires the inventory example to k1s: the scheme and resource
// types of Item and Category, a ManagedRuntime over a store, and a
// controller-runtime manager running the reconciler package's controllers.
package app
