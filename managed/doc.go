// Package managed is tier 2 of k1s, the ManagedRuntime: a CoreClient plus
// the long-lived machinery a controller or a watching tool needs — shared
// informers, an event broadcaster, work tracking and (through the
// controller package) a controller-runtime manager — with a lifecycle:
// nothing runs before Start, and Shutdown stops everything after letting
// in-flight work finish.
//
// Selective initialization: a component that is not enabled in Options is
// never created (asking for it is an error that says how to enable it);
// an enabled one is created the first time it is asked for, so a runtime
// that only records events never builds an informer.
//
// The controller manager lives in package controller, the only k1s
// package that imports controller-runtime, so that neither this package
// nor the root package k1s links it: controller.NewManager(rt, ...)
// attaches a manager to the runtime (SetControllerManager), and Shutdown
// stops it first.
package managed
