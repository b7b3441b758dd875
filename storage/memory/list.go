package memory

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// The continue token is opaque to callers: base64 of the list's revision
// (varint) followed by the last key returned.
func encodeContinue(rev int64, lastKey string) string {
	return base64.RawURLEncoding.EncodeToString(append(binary.AppendVarint(nil, rev), lastKey...))
}

func decodeContinue(token string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", err
	}
	rev, n := binary.Varint(b)
	if n <= 0 || rev <= 0 || n == len(b) {
		return 0, "", errors.New("no revision and key in it")
	}
	return rev, string(b[n:]), nil
}

// List implements storage.Interface. RemainingItemCount is set whenever
// Continue is.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if len(opts.Labels) > 0 {
		// No label index: scan and keep the matching values.
		return storage.ListByScan(ctx, s.List, prefix, opts)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return storage.ListResult{}, err
	}
	rev, start := opts.Revision, prefix
	if opts.Continue != "" {
		crev, last, err := decodeContinue(opts.Continue)
		if err != nil {
			return storage.ListResult{}, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token for %s: %v", prefix, err))
		}
		if !hasPrefix(last, prefix) {
			return storage.ListResult{}, apierrors.NewBadRequest(fmt.Sprintf("continue token for key %s does not belong to a list of %s", last, prefix))
		}
		// The smallest key after last.
		rev, start = crev, last+"\x00"
	}
	if rev == 0 {
		rev = s.rev
	}
	if rev < s.compacted {
		return storage.ListResult{}, storage.NewGone(rev, s.compacted)
	}
	if rev > s.rev {
		return storage.ListResult{}, apierrors.NewTimeoutError(fmt.Sprintf("too large resource version: %d, current: %d", rev, s.rev), 1)
	}
	res := storage.ListResult{Revision: rev}
	var remaining int64
	size := 0
	for n := s.index.seek(start); n != nil && hasPrefix(n.rec.key, prefix); n = n.next[0] {
		v := n.rec.at(rev)
		if v == nil {
			continue
		}
		if opts.Limit > 0 && int64(len(res.Items)) >= opts.Limit {
			remaining++
			continue
		}
		size += len(v.value)
		res.Items = append(res.Items, storage.KeyValue{Key: n.rec.key, Value: v.value, Revision: v.rev, CreateRevision: v.createRev})
	}
	// Copy all values into one allocation: callers own what they get.
	buf := make([]byte, size)
	for i := range res.Items {
		if v := res.Items[i].Value; v != nil {
			n := copy(buf, v)
			res.Items[i].Value, buf = buf[:n:n], buf[n:]
		}
	}
	if remaining > 0 {
		res.Continue = encodeContinue(rev, res.Items[len(res.Items)-1].Key)
		res.RemainingItemCount = &remaining
	}
	return res, nil
}

// Count implements storage.Interface.
func (s *Store) Count(ctx context.Context, prefix string) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	var n int64
	for x := s.index.seek(prefix); x != nil && hasPrefix(x.rec.key, prefix); x = x.next[0] {
		if x.rec.current() != nil {
			n++
		}
	}
	return n, nil
}
