// Package storagetest is the conformance suite and benchmark loop shared by
// every storage backend (memory, SQLite, etcd).
//
// A backend's test calls Run with a constructor that returns a fresh, empty
// store and registers its cleanup (the suite may Close a store itself, so a
// second Close must not panic). Run checks every rule of storage.Interface;
// a backend that passes it can replace any other. Benchmark runs the same
// loops with the same bytes (Value, Key) against any backend, so figures are
// comparable across backends.
//
// Subtests run one after another, never in parallel: they assert that the
// store's revision moves by exactly one per write, so a backend shared
// between subtests (for example one etcd server) must not see foreign writes.
package storagetest
