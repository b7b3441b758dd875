package sqlite

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// FuzzContinueToken feeds arbitrary tokens to the decoder: it must refuse
// them with a BadRequest or return a position under the prefix, and what
// encodeContinue makes must decode to itself.
func FuzzContinueToken(f *testing.F) {
	f.Add("", "/t/g/r/", int64(1), "/t/g/r/a")
	f.Add("e30", "/t/", int64(7), "/t/x")
	f.Add("%%%", "/", int64(-1), "")
	f.Add(encodeContinue(3, "/u/a"), "/t/", int64(3), "/t/a\x00b")
	f.Fuzz(func(t *testing.T, token, prefix string, rev int64, after string) {
		got, err := decodeContinue(token, prefix)
		if err != nil {
			if !apierrors.IsBadRequest(err) {
				t.Fatalf("decode %q: %v, want a BadRequest", token, err)
			}
		} else if got.Revision <= 0 || !strings.HasPrefix(got.After, prefix) {
			t.Fatalf("decode %q accepted %+v for prefix %q", token, got, prefix)
		}
		if rev <= 0 || !strings.HasPrefix(after, prefix) {
			return
		}
		back, err := decodeContinue(encodeContinue(rev, after), prefix)
		if err != nil || back.Revision != rev || back.After != after {
			t.Fatalf("round trip of (%d, %q): %+v, %v", rev, after, back, err)
		}
	})
}
