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
// ParseURL (--storage etcd://host:2379 or K1S_STORAGE); Open does both.
//
// etcd's default request limit (--max-request-bytes, 1.5 MiB) is exactly
// storage.MaxValueSize, which leaves no room for the key and the request
// around a value of that size: run etcd with --max-request-bytes=2097152
// (as the test server does) so that every value k1s accepts fits. With the
// default, such a write fails as 413 RequestEntityTooLarge.
package etcd
