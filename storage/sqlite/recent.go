package sqlite

import (
	"bytes"
	"sync"
)

// recentMax caps the number of keys recent remembers.
const recentMax = 4096

// recent remembers the state this process last wrote or read for a key,
// so that Update and Delete can skip reading it again, as the apiserver's
// GuaranteedUpdate does with its cached object. It is only ever a guess:
// every write it feeds is conditional on the key's mod_id, so a stale
// entry costs a retry, never a lost update.
type recent struct {
	mu sync.Mutex
	m  map[string]current
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
	if r.m == nil || len(r.m) >= recentMax {
		// Starting over is cheaper than tracking use, and a miss only
		// costs one read.
		r.m = make(map[string]current, 64)
	}
	r.m[c.Key] = c
	r.mu.Unlock()
}

func (r *recent) drop(key string) {
	r.mu.Lock()
	delete(r.m, key)
	r.mu.Unlock()
}
