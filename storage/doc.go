// Package storage defines the revisioned key-value contract that every k1s
// backend implements (memory, SQLite, etcd), the key layout that isolates
// tenants, and the errors backends return.
//
// Keys are /{tenant}/{group}/{resource}/[{namespace}/]{name}; ValidateKey
// says which segments keep that layout injective (FuzzKeyLayout holds it):
// a caller validates what it did not produce itself — a tenant name, a
// type from a manifest, a name from a request — before building a key.
//
// The layer above owns codecs: a backend stores and returns opaque bytes
// and knows objects only by key.
//
// Backends are opened the same way: a constructor whose arguments say
// where the data is — memory.New(), sqlite.Open(path), etcd.New(ctx,
// Config) or etcd.Open(ctx, url) — then functional options for how the
// store behaves, each named for the setting it changes (no "With"
// prefix), whose default is the constant Default<Setting>:
// memory.Retention and sqlite.Retention (the history compaction keeps for
// watches, lists at a revision and continue tokens; DefaultRetainRevisions),
// memory.WatchBuffer, sqlite.Synchronous, BusyTimeout and PollInterval.
// etcd has no such options: its settings are those of the connection
// (endpoints, TLS, credentials, key prefix, dial and request timeouts),
// which a storage URL carries, so they are one Config that ParseURL
// fills; its history is the etcd server's own (--auto-compaction-*).
package storage
