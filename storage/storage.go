package storage

import "context"

// MaxValueSize is the largest encoded object a backend accepts: 1.5 MiB,
// the size of etcd's default request limit, so that data written to the
// embedded store can move to etcd. That limit also has to hold the key and
// the request's framing, so an etcd serving k1s needs a little headroom
// (--max-request-bytes=2097152; see storage/etcd).
const MaxValueSize = 3 * 1024 * 1024 / 2

// KeyValue is one stored object.
type KeyValue struct {
	// Key is the full storage key, tenant prefix included.
	Key string
	// Value is the encoded object exactly as it was written.
	Value []byte
	// Revision is the store revision that last wrote this key (its
	// resourceVersion).
	Revision int64
	// CreateRevision is the store revision that created this key.
	CreateRevision int64
}

// EventType says what happened to a key.
type EventType string

// The event types a Watcher delivers. They mirror apimachinery's
// watch.EventType values so that the layer above can pass them through.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	// Error ends a watch; Event.Err says why (for example a 410 Gone when
	// the watcher fell behind compaction).
	Error EventType = "ERROR"
)

// Event is one change delivered by a Watcher.
type Event struct {
	Type EventType
	Key  string
	// Value is the new value for Added and Modified, and the last value the
	// key held for Deleted, so a watcher can tell what went away.
	Value []byte
	// PrevValue is the value before a Modified or Deleted change, when the
	// backend has it.
	PrevValue []byte
	// Revision is the store revision of the change.
	Revision int64
	// Err is set only on Error events.
	Err error
}

// Watcher delivers events in revision order.
type Watcher interface {
	// ResultChan is closed when the watch ends: by Stop, by its context, or
	// after an Error event.
	ResultChan() <-chan Event
	// Stop ends the watch and releases its resources; it is safe to call
	// more than once.
	Stop()
}

// ListOptions narrows a List.
type ListOptions struct {
	// Limit caps the number of items returned; 0 means no limit.
	Limit int64
	// Continue resumes a previous limited List; it carries the revision of
	// the first page, so every page is read at the same revision.
	Continue string
	// Revision reads the list as of this store revision; 0 means the
	// current one. A compacted revision is 410 Gone.
	Revision int64
	// Labels keeps only the values whose metadata.labels satisfy every
	// requirement (see LabelRequirement): the store answers exactly, and
	// Limit counts the values kept. It is how a label-selected List skips
	// the objects it does not want without reading them: a store with a
	// label index (SQLite) reads only the keys the index names, the others
	// scan (ListByScan). The result has no RemainingItemCount, as the API
	// server sets none for a selected list.
	Labels []LabelRequirement
}

// ListResult is one page of a List.
type ListResult struct {
	Items []KeyValue
	// Revision is the store revision the list was read at.
	Revision int64
	// Continue is set when more items remain; pass it back in
	// ListOptions.Continue to read the next page.
	Continue string
	// RemainingItemCount is the number of items after this page, when
	// known, as in metav1.ListMeta.
	RemainingItemCount *int64
}

// UpdateFunc computes a key's new value from its current one. Returning an
// error aborts the update and that error is returned unchanged (a Conflict
// for a stale resourceVersion, an Invalid for a bad object...).
type UpdateFunc func(current KeyValue) (newValue []byte, err error)

// Precondition inspects a key's current value before a Delete; a non-nil
// error aborts the delete and is returned unchanged.
type Precondition func(current KeyValue) error

// OpType is the kind of one operation in a Txn.
type OpType int

// Operations a Txn can carry.
const (
	// OpCreate writes a key that must not exist (AlreadyExists otherwise).
	OpCreate OpType = iota + 1
	// OpPut writes a key that must exist; with ExpectedRevision set, it
	// must also still be at that revision (Conflict otherwise).
	OpPut
	// OpDelete removes a key that must exist; with ExpectedRevision set, it
	// must also still be at that revision (Conflict otherwise).
	OpDelete
)

// Op is one operation in a Txn.
type Op struct {
	Type             OpType
	Key              string
	Value            []byte
	ExpectedRevision int64
}

// Interface is the storage contract every backend implements and every
// backend's conformance run (storagetest) checks. It is deliberately small
// and revision-based, in the image of etcd: one global revision per store,
// bumped once by every successful write (a Txn bumps it once for all its
// operations).
//
// Errors are apimachinery StatusErrors (apierrors.IsNotFound,
// IsAlreadyExists, IsConflict, IsResourceExpired/IsGone, IsRequestEntityTooLarge...)
// naming the group, resource and name parsed from the key (see ParseKey).
//
// Rules the conformance suite (storagetest) holds every backend to, beyond
// the method comments:
//   - Callers own the byte slices they pass in and get back: a backend
//     copies what it keeps and what it returns.
//   - ListResult.RemainingItemCount is set whenever Continue is.
//   - Close is idempotent.
//   - After Compact(C), lists and watches at revisions below C are 410
//     Gone; at C itself they still work.
//   - A key named twice in one Txn is a BadRequest; an empty Txn writes
//     nothing and returns the current revision.
//   - A List at a revision the store has not reached is a Timeout ("too
//     large resource version"), as the API server answers; Compact beyond
//     the current revision is a BadRequest; Compact below an earlier
//     compaction does nothing.
type Interface interface {
	// Create writes a new key and returns its revision.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// Get reads a key's current value.
	Get(ctx context.Context, key string) (KeyValue, error)
	// List reads the keys under prefix in key order.
	List(ctx context.Context, prefix string, opts ListOptions) (ListResult, error)
	// Update reads the key, calls fn and writes what it returns if the key
	// has not changed meanwhile; if it has, it reads again and calls fn
	// again (GuaranteedUpdate). A missing key is NotFound and fn is not
	// called.
	Update(ctx context.Context, key string, fn UpdateFunc) (KeyValue, error)
	// Delete removes a key after check (which may be nil) accepted its
	// current value, retrying like Update, and returns the value deleted
	// with the deletion's revision.
	Delete(ctx context.Context, key string, check Precondition) (KeyValue, error)
	// Txn applies every op atomically at one new revision, or none of them.
	Txn(ctx context.Context, ops []Op) (int64, error)
	// Watch delivers every change under prefix with a revision greater
	// than fromRevision (0 means "from now"). A fromRevision older than
	// the compacted history is 410 Gone (apierrors.NewResourceExpired),
	// returned at once or as an Error event.
	Watch(ctx context.Context, prefix string, fromRevision int64) (Watcher, error)
	// Count returns the number of keys under prefix.
	Count(ctx context.Context, prefix string) (int64, error)
	// CurrentRevision returns the store's latest revision.
	CurrentRevision(ctx context.Context) (int64, error)
	// Compact drops history at and below revision; watches and lists at
	// compacted revisions then get 410 Gone.
	Compact(ctx context.Context, revision int64) error
	// Close releases the store; calls after Close fail.
	Close() error
}
