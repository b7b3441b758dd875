package kinebench

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// TestSidesAgree runs every operation the benchmarks compare once on each
// side and checks that both stores answer the same: a benchmark of a side
// that silently did less would measure nothing.
func TestSidesAgree(t *testing.T) {
	ctx := context.Background()
	k, q := openPair(t)
	for _, s := range []*side{k, q} {
		next, err := s.watch(ctx, prefix)
		if err != nil {
			t.Fatal(err)
		}
		revs := make([]int64, 3)
		for i := range revs {
			if revs[i], err = s.create(ctx, key(i), value(i)); err != nil {
				t.Fatalf("%s: create: %v", s.name, err)
			}
			if got, err := next(); err != nil || got != key(i) {
				t.Fatalf("%s: watch delivered %q, %v; want %s", s.name, got, err, key(i))
			}
		}
		if _, err := s.create(ctx, key(0), value(0)); err == nil {
			t.Errorf("%s: a second create of %s succeeded", s.name, key(0))
		}
		r, err := s.update(ctx, key(1), value(7), revs[1])
		if err != nil {
			t.Fatalf("%s: update: %v", s.name, err)
		}
		if _, err := s.update(ctx, key(1), value(8), revs[1]); !errors.Is(err, errConflict) {
			t.Errorf("%s: update at a stale revision: %v, want a conflict", s.name, err)
		}
		v, got, err := s.get(ctx, key(1))
		if err != nil || got != r || !bytes.Equal(v, value(7)) {
			t.Errorf("%s: get after update: revision %d (want %d), value updated %v, %v", s.name, got, r, bytes.Equal(v, value(7)), err)
		}
		if err := s.del(ctx, key(2), revs[2]+1); !errors.Is(err, errConflict) {
			t.Errorf("%s: delete at a wrong revision: %v, want a conflict", s.name, err)
		}
		if err := s.del(ctx, key(2), revs[2]); err != nil {
			t.Errorf("%s: delete: %v", s.name, err)
		}
		if n, err := s.list(ctx, prefix); err != nil || n != 2 {
			t.Errorf("%s: list: %d items, %v; want 2", s.name, n, err)
		}
		if err := s.compact(ctx); err != nil {
			t.Errorf("%s: compact: %v", s.name, err)
		}
	}
}
