// Package storage defines the revisioned key-value contract that every k1s
// backend implements (memory, SQLite, etcd), the key layout that isolates
// tenants, and the errors backends return.
//
// The layer above owns codecs: a backend stores and returns opaque bytes
// and knows objects only by key.
package storage
