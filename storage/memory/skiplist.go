package memory

// skipList keeps the records of the store in key order. A skip list rather
// than a sorted slice because inserting into the middle of a sorted slice
// of a million keys moves megabytes per Create; a skip list inserts and
// seeks in O(log n) and iterates in order by following pointers.
type skipList struct {
	head  node
	level int
	// rnd is xorshift state: the levels need no cryptographic randomness,
	// only a cheap, lock-free (the store's lock is held) source.
	rnd uint64
}

const maxLevel = 16 // with p = 1/4, enough for 4^16 keys

type node struct {
	rec  *record
	next []*node
}

func newSkipList() *skipList {
	return &skipList{head: node{next: make([]*node, maxLevel)}, level: 1, rnd: 0x9e3779b97f4a7c15}
}

func (l *skipList) randomLevel() int {
	l.rnd ^= l.rnd << 13
	l.rnd ^= l.rnd >> 7
	l.rnd ^= l.rnd << 17
	lvl := 1
	for x := l.rnd; lvl < maxLevel && x&3 == 0; x >>= 2 {
		lvl++
	}
	return lvl
}

// path fills update with the last node before key on every level and
// returns the first node at or after key.
func (l *skipList) path(key string, update *[maxLevel]*node) *node {
	x := &l.head
	for i := l.level - 1; i >= 0; i-- {
		for x.next[i] != nil && x.next[i].rec.key < key {
			x = x.next[i]
		}
		if update != nil {
			update[i] = x
		}
	}
	return x.next[0]
}

// insert adds rec, whose key must not be in the list yet.
func (l *skipList) insert(rec *record) {
	var update [maxLevel]*node
	l.path(rec.key, &update)
	lvl := l.randomLevel()
	for i := l.level; i < lvl; i++ {
		update[i] = &l.head
	}
	l.level = max(l.level, lvl)
	n := &node{rec: rec, next: make([]*node, lvl)}
	for i := range lvl {
		n.next[i] = update[i].next[i]
		update[i].next[i] = n
	}
}

// remove drops the record with key, if present.
func (l *skipList) remove(key string) {
	var update [maxLevel]*node
	n := l.path(key, &update)
	if n == nil || n.rec.key != key {
		return
	}
	for i := range n.next {
		update[i].next[i] = n.next[i]
	}
	for l.level > 1 && l.head.next[l.level-1] == nil {
		l.level--
	}
}

// seek returns the first node whose key is at or after key.
func (l *skipList) seek(key string) *node {
	return l.path(key, nil)
}
