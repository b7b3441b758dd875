package etcd

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// continueToken is what a limited List hands back to resume: the revision
// of the first page, so every page reads the same snapshot, and the key
// the next page starts at.
type continueToken struct {
	Revision int64  `json:"rev"`
	Start    string `json:"start"`
}

func encodeContinue(t continueToken) string {
	b, _ := json.Marshal(t) // a struct of an int and a string always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeContinue reads a token and checks that it resumes a list of
// prefix: a token must never reach keys outside the prefix it came from
// (another namespace or tenant).
func decodeContinue(s, prefix string) (continueToken, error) {
	var t continueToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err == nil && (t.Revision <= 0 || !strings.HasPrefix(t.Start, prefix)) {
		err = errors.New("it does not continue a list of " + prefix)
	}
	if err != nil {
		return continueToken{}, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token %q: %v", s, err))
	}
	return t, nil
}

// List reads the keys under prefix in key order, limit at a time, at one
// revision for all pages.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if len(opts.Labels) > 0 {
		// No label index: scan and keep the matching values.
		return storage.ListByScan(ctx, s.List, prefix, opts)
	}
	rev, start := opts.Revision, prefix
	if opts.Continue != "" {
		t, err := decodeContinue(opts.Continue, prefix)
		if err != nil {
			return storage.ListResult{}, err
		}
		rev, start = t.Revision, t.Start
	}
	if opts.Limit < 0 {
		return storage.ListResult{}, apierrors.NewBadRequest(fmt.Sprintf("list of %s: negative limit %d", prefix, opts.Limit))
	}
	if rev < 0 {
		return storage.ListResult{}, apierrors.NewBadRequest(fmt.Sprintf("list of %s: negative revision %d", prefix, rev))
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return storage.ListResult{}, err
	}
	defer cancel()
	getOpts := []clientv3.OpOption{
		clientv3.WithRange(clientv3.GetPrefixRangeEnd(s.prefix + prefix)),
		clientv3.WithLimit(opts.Limit),
	}
	if rev > 0 {
		getOpts = append(getOpts, clientv3.WithRev(rev))
	}
	resp, err := s.cli.Get(ctx, s.prefix+start, getOpts...)
	if err != nil {
		switch {
		case errors.Is(err, rpctypes.ErrCompacted):
			return storage.ListResult{}, storage.NewGone(rev, s.compactedRevision(ctx))
		case errors.Is(err, rpctypes.ErrFutureRev):
			return storage.ListResult{}, futureRevision(prefix, rev)
		}
		return storage.ListResult{}, s.mapErr(ctx, "list", prefix, err)
	}
	if rev == 0 {
		rev = resp.Header.Revision
	}
	res := storage.ListResult{Items: make([]storage.KeyValue, len(resp.Kvs)), Revision: rev}
	for i, kv := range resp.Kvs {
		res.Items[i] = s.kv(kv)
	}
	if resp.More && len(resp.Kvs) > 0 {
		last := res.Items[len(res.Items)-1].Key
		res.Continue = encodeContinue(continueToken{Revision: rev, Start: last + "\x00"})
		remaining := resp.Count - int64(len(resp.Kvs))
		res.RemainingItemCount = &remaining
	}
	return res, nil
}

// futureRevision reports a read at a revision etcd has not reached, as the
// API server does ("Too large resource version").
func futureRevision(prefix string, rev int64) error {
	return apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d: list of %s at a revision the store has not reached", rev, prefix), 1)
}

// compactProbeTimeout bounds compactedRevision, which only improves an
// error message.
const compactProbeTimeout = 5 * time.Second

// compactedRevision finds etcd's compaction point for a 410 message. etcd
// reports it only to watches, so it opens one from revision 1 and reads
// the compact revision of its cancellation; 0 when that fails.
func (s *Store) compactedRevision(ctx context.Context) int64 {
	ctx, cancel := context.WithTimeout(ctx, compactProbeTimeout)
	defer cancel()
	for resp := range s.cli.Watch(ctx, s.prefix+"/", clientv3.WithRev(1)) {
		return resp.CompactRevision
	}
	return 0
}
