package etcd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// TestRetryOnInterveningWrite makes another client write the key between
// Update's (or Delete's) read and its guarded write: the write must fail
// its compare, and the callback run again on the value that won.
func TestRetryOnInterveningWrite(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	k := key("a")
	if _, err := s.Create(ctx, k, []byte("v1")); err != nil {
		t.Fatal(err)
	}
	put := func(v string) int64 {
		t.Helper()
		kv, err := s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) { return []byte(v), nil })
		if err != nil {
			t.Fatal(err)
		}
		return kv.Revision
	}

	var seen []string
	var theirs int64
	kv, err := s.Update(ctx, k, func(cur storage.KeyValue) ([]byte, error) {
		seen = append(seen, string(cur.Value))
		if len(seen) == 1 {
			theirs = put("theirs")
		}
		return append(cur.Value, "+mine"...), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"v1", "theirs"}, seen); d != "" {
		t.Errorf("values Update's callback saw (-want +got):\n%s", d)
	}
	if string(kv.Value) != "theirs+mine" || kv.Revision != theirs+1 {
		t.Errorf("Update returned %q at %d, want %q at %d", kv.Value, kv.Revision, "theirs+mine", theirs+1)
	}

	seen = nil
	deleted, err := s.Delete(ctx, k, func(cur storage.KeyValue) error {
		seen = append(seen, string(cur.Value))
		if len(seen) == 1 {
			theirs = put("again")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"theirs+mine", "again"}, seen); d != "" {
		t.Errorf("values Delete's precondition saw (-want +got):\n%s", d)
	}
	if string(deleted.Value) != "again" || deleted.Revision != theirs+1 {
		t.Errorf("Delete returned %q at %d, want %q at %d", deleted.Value, deleted.Revision, "again", theirs+1)
	}

	// A key deleted under a running Update or Delete is NotFound.
	for name, run := range map[string]func() error{
		"Update": func() error {
			_, err := s.Update(ctx, k, func(storage.KeyValue) ([]byte, error) {
				_, _ = s.Delete(ctx, k, nil)
				return []byte("x"), nil
			})
			return err
		},
		"Delete": func() error {
			_, err := s.Delete(ctx, k, func(storage.KeyValue) error {
				_, _ = s.Delete(ctx, k, nil)
				return nil
			})
			return err
		},
	} {
		if _, err := s.Create(ctx, k, []byte("v")); err != nil {
			t.Fatal(err)
		}
		if err := run(); !apierrors.IsNotFound(err) {
			t.Errorf("%s of a key deleted meanwhile: %v, want NotFound", name, err)
		}
	}
}
