package sqlite

import (
	"bytes"
	"sync"
)

// Caps on what recent remembers: a number of keys and a number of value
// bytes (values may be up to storage.MaxValueSize each).
const (
	recentMax      = 4096
	recentMaxBytes = 16 << 20
)

// recent remembers the state this process last wrote or read for a key,
// so that Update and Delete can skip reading it again, as the apiserver's
// GuaranteedUpdate does with its cached object.
//
// It is not coherent with other processes' writes, and does not need to
// be, because of how Update and Delete use it (the rule GuaranteedUpdate
// applies to its cached object): every write they make from a remembered
// state is conditional on the key's mod_id, so a stale state can never be
// written over; and when the callback or precondition refuses a
// remembered state, or the write finds the key moved, they read the state
// again from the file and start over from that. A stale entry thus costs
// one extra call of the callback, and no error or outcome is ever decided
// on it alone (TestLongLivedProcessSeesOtherWrites,
// TestReconcilerBesideOtherProcesses).
//
// Why keep it: measured with the update benchmarks, five interleaved
// pairs of builds with and without it at a load average of ~20,
// BenchmarkVersusRaw/update's CPU ratio to raw SQLite is 0.307 with it
// and 0.257 without (medians), 53 against 74 allocations per update;
// through core (bench/coreclient BenchmarkSQLiteCRUD/update) the
// difference is within the noise (151 against 145 µs CPU per update), as
// the read it saves is small next to decoding and validating. A store
// used by one process, the common case, always hits; a key another
// process wrote costs one more callback, once.
type recent struct {
	mu    sync.Mutex
	m     map[string]current
	bytes int
}

func (r *recent) get(key string) (current, bool) {
	r.mu.Lock()
	c, ok := r.m[key]
	r.mu.Unlock()
	if ok {
		// The caller's callback may modify what it is given.
		c.Value = bytes.Clone(c.Value)
	}
	return c, ok
}

// put remembers c; it copies the value, which the caller owns.
func (r *recent) put(c current) {
	c.Value = bytes.Clone(c.Value)
	r.mu.Lock()
	if r.m == nil || len(r.m) >= recentMax || r.bytes+len(c.Value) > recentMaxBytes {
		// Starting over is cheaper than tracking use, and a miss only
		// costs one read.
		r.m, r.bytes = make(map[string]current, 64), 0
	}
	if old, ok := r.m[c.Key]; ok {
		r.bytes -= len(old.Value)
	}
	r.m[c.Key] = c
	r.bytes += len(c.Value)
	r.mu.Unlock()
}

func (r *recent) drop(key string) {
	r.mu.Lock()
	if old, ok := r.m[key]; ok {
		r.bytes -= len(old.Value)
		delete(r.m, key)
	}
	r.mu.Unlock()
}
