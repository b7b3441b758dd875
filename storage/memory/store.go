package memory

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// DefaultRetainRevisions is how many revisions of history a Store keeps
// unless Retention says otherwise.
const DefaultRetainRevisions = 10000

// DefaultWatchBuffer is how many undelivered events a watcher may hold
// unless WatchBuffer says otherwise.
const DefaultWatchBuffer = 1024

// Option configures a Store. Options are named for the setting they
// change, as every backend's are (see package storage).
type Option func(*Store)

// Retention keeps the versions and events of the last revisions
// revisions (at least 1); older ones are compacted automatically. It is
// sqlite.Retention without the time window: a memory store lives no
// longer than its process.
func Retention(revisions int64) Option {
	return func(s *Store) { s.history = max(revisions, 1) }
}

// WatchBuffer lets each watcher hold up to events undelivered events (at
// least 1) before it is ended with 410 Gone.
func WatchBuffer(events int) Option {
	return func(s *Store) { s.watchBuffer = max(events, 1) }
}

// version is one value a key held from rev on. A deleted version is the
// tombstone that ends a key's life.
type version struct {
	rev       int64
	createRev int64
	value     []byte
	deleted   bool
}

// record is a key and the versions it had since the compacted revision,
// oldest first; the last one is the current one.
type record struct {
	key      string
	versions []version
}

// current returns the live version, or nil when the key is deleted. It
// accepts a nil record (a key never written) so that callers can write
// s.records[k].current().
func (r *record) current() *version {
	if r == nil || len(r.versions) == 0 {
		return nil
	}
	v := &r.versions[len(r.versions)-1]
	if v.deleted {
		return nil
	}
	return v
}

// at returns the version live at rev, or nil if the key did not exist then.
func (r *record) at(rev int64) *version {
	for i := len(r.versions) - 1; i >= 0; i-- {
		if v := &r.versions[i]; v.rev <= rev {
			if v.deleted {
				return nil
			}
			return v
		}
	}
	return nil
}

// Store is an in-memory storage.Interface. It is safe for concurrent use.
type Store struct {
	history     int64
	watchBuffer int

	mu        sync.RWMutex
	rev       int64
	compacted int64
	records   map[string]*record
	index     *skipList
	// events holds every event with a revision after compacted, in
	// revision order, from events[head] on.
	events []storage.Event
	head   int
	// batch collects the events of the write in progress.
	batch    []storage.Event
	watchers map[*watcher]struct{}
	closed   bool
	done     chan struct{}
}

var _ storage.Interface = (*Store)(nil)

// New returns an empty Store at revision 0.
func New(opts ...Option) *Store {
	s := &Store{
		history:     DefaultRetainRevisions,
		watchBuffer: DefaultWatchBuffer,
		records:     map[string]*record{},
		index:       newSkipList(),
		watchers:    map[*watcher]struct{}{},
		done:        make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

func errClosed() error {
	return apierrors.NewServiceUnavailable("the memory storage is closed")
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

func kvOf(key string, v *version) storage.KeyValue {
	return storage.KeyValue{Key: key, Value: clone(v.value), Revision: v.rev, CreateRevision: v.createRev}
}

// ready reports why an operation cannot start, if it cannot. It needs the
// lock held.
func (s *Store) ready(ctx context.Context) error {
	if s.closed {
		return errClosed()
	}
	return ctx.Err()
}

// Create implements storage.Interface.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if err := storage.CheckSize(key, value); err != nil {
		return 0, err
	}
	value = clone(value)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	rec := s.records[key]
	if rec != nil && rec.current() != nil {
		return 0, storage.NewAlreadyExists(key)
	}
	s.rev++
	s.put(rec, key, value, s.rev)
	s.committed()
	return s.rev, nil
}

// Get implements storage.Interface.
func (s *Store) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return storage.KeyValue{}, err
	}
	if rec := s.records[key]; rec != nil {
		if v := rec.current(); v != nil {
			return kvOf(key, v), nil
		}
	}
	return storage.KeyValue{}, storage.NewNotFound(key)
}

// Update implements storage.Interface. fn runs without the lock held, so
// it may be slow or call the store; a write that lands meanwhile makes
// Update call fn again on the new value.
func (s *Store) Update(ctx context.Context, key string, fn storage.UpdateFunc) (storage.KeyValue, error) {
	for {
		cur, err := s.Get(ctx, key)
		if err != nil {
			return storage.KeyValue{}, err
		}
		value, err := fn(cur)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if err := storage.CheckSize(key, value); err != nil {
			return storage.KeyValue{}, err
		}
		value = clone(value)
		s.mu.Lock()
		if err := s.ready(ctx); err != nil {
			s.mu.Unlock()
			return storage.KeyValue{}, err
		}
		rec := s.records[key]
		if v := rec.current(); v == nil || v.rev != cur.Revision {
			s.mu.Unlock()
			continue
		}
		s.rev++
		s.put(rec, key, value, s.rev)
		kv := kvOf(key, rec.current())
		s.committed()
		s.mu.Unlock()
		return kv, nil
	}
}

// Delete implements storage.Interface. check runs without the lock held,
// as Update's fn does.
func (s *Store) Delete(ctx context.Context, key string, check storage.Precondition) (storage.KeyValue, error) {
	for {
		cur, err := s.Get(ctx, key)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if check != nil {
			if err := check(cur); err != nil {
				return storage.KeyValue{}, err
			}
		}
		s.mu.Lock()
		if err := s.ready(ctx); err != nil {
			s.mu.Unlock()
			return storage.KeyValue{}, err
		}
		rec := s.records[key]
		if v := rec.current(); v == nil || v.rev != cur.Revision {
			s.mu.Unlock()
			continue
		}
		s.rev++
		cur.Revision = s.rev
		s.remove(rec, s.rev)
		s.committed()
		s.mu.Unlock()
		return cur, nil
	}
}

// Txn implements storage.Interface. A Txn without operations writes nothing
// and returns the current revision. A key may appear only once in a Txn.
func (s *Store) Txn(ctx context.Context, ops []storage.Op) (int64, error) {
	values := make([][]byte, len(ops))
	seen := make(map[string]bool, len(ops))
	for i, op := range ops {
		if seen[op.Key] {
			return 0, apierrors.NewBadRequest(fmt.Sprintf("key %s appears more than once in one transaction", op.Key))
		}
		seen[op.Key] = true
		switch op.Type {
		case storage.OpCreate, storage.OpPut:
			if err := storage.CheckSize(op.Key, op.Value); err != nil {
				return 0, err
			}
			values[i] = clone(op.Value)
		case storage.OpDelete:
		default:
			return 0, apierrors.NewBadRequest(fmt.Sprintf("transaction operation %d on key %s has unknown type %d", i, op.Key, op.Type))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	if len(ops) == 0 {
		return s.rev, nil
	}
	// Check every operation before applying any, so that a Txn writes all
	// or nothing.
	for _, op := range ops {
		cur := s.records[op.Key].current()
		switch {
		case op.Type == storage.OpCreate && cur != nil:
			return 0, storage.NewAlreadyExists(op.Key)
		case op.Type != storage.OpCreate && cur == nil:
			return 0, storage.NewNotFound(op.Key)
		case op.Type != storage.OpCreate && op.ExpectedRevision != 0 && cur.rev != op.ExpectedRevision:
			return 0, storage.NewConflict(op.Key, op.ExpectedRevision, cur.rev)
		}
	}
	s.rev++
	for i, op := range ops {
		if op.Type == storage.OpDelete {
			s.remove(s.records[op.Key], s.rev)
		} else {
			s.put(s.records[op.Key], op.Key, values[i], s.rev)
		}
	}
	s.committed()
	return s.rev, nil
}
