package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The skip list must iterate exactly the sorted set of keys it holds,
// through any mix of inserts and removes.
func TestSkipListMatchesSortedSet(t *testing.T) {
	l := newSkipList()
	set := map[string]bool{}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		k := fmt.Sprintf("/t/g/r/ns/%d", rnd.IntN(3000))
		if set[k] {
			l.remove(k)
			delete(set, k)
		} else {
			l.insert(&record{key: k})
			set[k] = true
		}
		if i%997 == 0 {
			l.remove("/absent")
		}
	}
	var want, got []string
	for k := range set {
		want = append(want, k)
	}
	slices.Sort(want)
	for n := l.seek(""); n != nil; n = n.next[0] {
		got = append(got, n.rec.key)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("skip list order (-want +got):\n%s", d)
	}
	for k := range set {
		l.remove(k)
	}
	if l.seek("") != nil || l.level != 1 {
		t.Fatalf("emptied skip list still has nodes or level %d", l.level)
	}
}
