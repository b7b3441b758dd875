// Package memory is the in-process storage backend: it keeps every object in
// memory and loses them all when the process exits. It exists for tests,
// one-shot dry runs and as the reference implementation of storage.Interface.
//
// Layout: a map from key to the key's recent versions (MVCC history), a skip
// list of keys in byte order for prefix lists and pagination, and a bounded
// ring of recent events for watches. One global revision counts every
// write; a Txn takes one revision for all its operations.
//
// History is bounded: the store keeps the versions and events of the last
// Retention revisions (DefaultRetainRevisions unless set) and compacts
// older ones as it writes, as an explicit Compact does. A List at, a continue token
// from, or a Watch from a revision older than that is 410 Gone
// (apierrors.NewResourceExpired), which makes an informer relist.
//
// Watchers never block writers: each watcher has a buffered channel
// (WatchBuffer events, DefaultWatchBuffer unless set) that writers fill
// without waiting. A watcher whose buffer is full when a write happens has
// fallen too far behind: it stops receiving events, gets a 410 Gone Error
// event once it has drained its buffer, and its channel is then closed. Its
// owner must relist and watch again, exactly as after a compaction.
//
// Values are copied in and out: callers may reuse or modify the slices they
// pass and receive.
package memory
