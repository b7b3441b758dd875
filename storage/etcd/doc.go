// Package etcd is the distributed k1s storage backend: storage.Interface on
// an etcd v3 cluster through go.etcd.io/etcd/client/v3.
//
// The store's revision is etcd's revision, so resourceVersions, watches and
// lists at a revision mean exactly what they mean to a Kubernetes API
// server. Writes are etcd transactions guarded by a compare on the key's
// create or mod revision, which makes Update and Delete optimistic and
// lets several processes on several machines share one store.
//
// Select it with New and a Config, or from the CLI with a URL parsed by
// ParseURL (--storage etcd://host:2379 or K1S_STORAGE).
package etcd
