// Package managed holds the ManagedRuntime benchmarks: start-up to synced
// informers (BenchmarkStartup, and the whole-process figure with peak RSS
// from cmd/startup), and CRUD with validation and one recorded event per
// write (BenchmarkCRUDWithEvents) on the memory and SQLite backends.
package managed
