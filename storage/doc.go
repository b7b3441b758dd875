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
package storage
