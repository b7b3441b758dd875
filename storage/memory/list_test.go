package memory

import "testing"

// Any string may arrive as a continue token; decoding must never panic,
// and every token the store issues must decode to what it encoded.
func FuzzContinueToken(f *testing.F) {
	f.Add(int64(1), "/t/core/configmaps/default/a", "")
	f.Add(int64(1<<40), "/x/", "%%%")
	f.Add(int64(7), "", "Ag")
	f.Fuzz(func(t *testing.T, rev int64, key, raw string) {
		_, _, _ = decodeContinue(raw)
		if rev <= 0 || key == "" {
			return
		}
		gotRev, gotKey, err := decodeContinue(encodeContinue(rev, key))
		if err != nil || gotRev != rev || gotKey != key {
			t.Fatalf("round trip of (%d, %q) gave (%d, %q, %v)", rev, key, gotRev, gotKey, err)
		}
	})
}
