// Package open is the standard way a k1s command line opens its store:
// the SQLite file of --data (the default) or the etcd cluster of an
// etcd:// --storage URL, with a CoreClient over it whose plugin types come
// from the flags' plugin directories. cmd/k1s uses it as its
// cliruntime.SessionFactory; so can any CLI that wants the same flags.
//
// It builds the client with core.New, the constructor behind the front
// door's k1s.NewCoreClient, not through the root package: that one also
// holds tier 2 (NewManagedRuntime), and importing it would link
// informers, client-go's rest and cache packages — 58 packages, 1 MB of
// RSS — into every one-shot command (cmd/k1s's TestStartupBudgetDeps
// forbids it).
package open
