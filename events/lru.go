package events

import "container/list"

// seenEvent is what the broadcaster remembers of a stored event so that a
// repeat becomes a patch of it.
type seenEvent struct {
	name  string
	count int32
}

// lru is a small least-recently-used map; only the writer goroutine uses
// it, so it has no lock.
type lru struct {
	max   int
	order *list.List // front = most recent; values are *lruEntry
	items map[aggKey]*list.Element
}

type lruEntry struct {
	key aggKey
	val seenEvent
}

func newLRU(max int) *lru {
	return &lru{max: max, order: list.New(), items: map[aggKey]*list.Element{}}
}

func (l *lru) get(k aggKey) (seenEvent, bool) {
	e, ok := l.items[k]
	if !ok {
		return seenEvent{}, false
	}
	l.order.MoveToFront(e)
	return e.Value.(*lruEntry).val, true
}

func (l *lru) add(k aggKey, v seenEvent) {
	if e, ok := l.items[k]; ok {
		e.Value.(*lruEntry).val = v
		l.order.MoveToFront(e)
		return
	}
	l.items[k] = l.order.PushFront(&lruEntry{key: k, val: v})
	if l.order.Len() > l.max {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.items, oldest.Value.(*lruEntry).key)
	}
}
