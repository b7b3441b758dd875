package etcd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/k1s-dev/k1s/storage"
)

// Store is storage.Interface on etcd. It is safe for concurrent use.
type Store struct {
	cli            *clientv3.Client
	cfg            Config
	prefix         string
	requestTimeout time.Duration

	// ctx ends when the store closes, which ends every watch.
	ctx       context.Context
	cancel    context.CancelFunc
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	// mu orders Watch's registration against Close, so that Close never
	// waits on a WaitGroup that a new watcher is still joining.
	mu       sync.Mutex
	watchers sync.WaitGroup
}

var _ storage.Interface = (*Store)(nil)

// New connects to etcd and checks, within cfg.DialTimeout, that it answers
// reads (with the given credentials), so that a wrong address fails here
// with a clear error instead of on the first operation. ctx bounds the
// check as well.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("etcd storage: %w", err)
	}
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	rt := cfg.RequestTimeout
	if rt == 0 {
		rt = DefaultRequestTimeout
	}
	// The dial timeout is shared: most of it for etcd to answer, the rest
	// to find out why it did not (probe), so the error still comes within
	// the dial timeout.
	probeBudget := min(cfg.DialTimeout/4, time.Second)
	answerBudget := cfg.DialTimeout - probeBudget
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		DialTimeout: answerBudget,
		TLS:         tc,
		Username:    cfg.Username,
		Password:    cfg.Password,
		// The client logs retries at warn level; errors reach the caller
		// anyway, and a CLI must not print etcd's logs.
		Logger: zap.NewNop(),
		// A write carries one value of up to storage.MaxValueSize plus
		// its key; a Txn can carry several.
		MaxCallSendMsgSize: 16 * 1024 * 1024,
		// Detect a dead connection while a watch is idle.
		DialKeepAliveTime:    10 * time.Second,
		DialKeepAliveTimeout: 5 * time.Second,
		PermitWithoutStream:  true,
	})
	if err != nil {
		// With credentials, the client authenticates while dialing, so an
		// unreachable etcd surfaces here.
		return nil, dialError(ctx, cfg, tc, probeBudget, err)
	}
	s := &Store{cli: cli, cfg: cfg, prefix: cfg.Prefix, requestTimeout: rt}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	check, cancel := context.WithTimeout(ctx, answerBudget)
	defer cancel()
	// A single-key read needs no more permission than the store itself
	// and proves the cluster has a leader (reads are linearizable).
	if _, err := cli.Get(check, s.prefix+"/", clientv3.WithKeysOnly()); err != nil {
		_ = s.Close()
		return nil, dialError(ctx, cfg, tc, probeBudget, err)
	}
	return s, nil
}

// dialError explains a failed first contact with etcd. Running out of
// time (and not because the caller's context ended) means etcd did not
// answer at all; the client then only says "context deadline exceeded",
// so a direct connection to each endpoint finds the reason: nothing
// listening, a TLS certificate refused by either side...
func dialError(ctx context.Context, cfg Config, tc *tls.Config, budget time.Duration, err error) error {
	if ctx.Err() != nil || (!errors.Is(err, context.DeadlineExceeded) && status.Code(err) != codes.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", cfg, err)
	}
	why := "no answer (is etcd running there?)"
	for _, ep := range cfg.Endpoints {
		if perr := probe(ep, tc, budget/time.Duration(len(cfg.Endpoints))); perr != nil {
			why = perr.Error()
			break
		}
	}
	return fmt.Errorf("%s: not reachable within the dial timeout of %v: %s: %w", cfg, cfg.DialTimeout, why, err)
}

// probe connects to one endpoint as the client would, up to the end of
// the TLS handshake, and returns what went wrong, if anything did.
func probe(ep string, tc *tls.Config, timeout time.Duration) error {
	if timeout <= 0 {
		return nil // no time left to look: a zero timeout means none
	}
	conn, err := net.DialTimeout("tcp", ep, timeout)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	if tc == nil {
		return nil
	}
	c := tc.Clone()
	if c.ServerName == "" {
		c.ServerName, _, _ = net.SplitHostPort(ep)
	}
	tconn := tls.Client(conn, c)
	_ = tconn.SetDeadline(time.Now().Add(timeout))
	if err := tconn.Handshake(); err != nil {
		return fmt.Errorf("TLS with %s: %w", ep, err)
	}
	// A TLS 1.3 server refuses a client certificate (or its absence)
	// after the handshake: the alert is the first thing it sends.
	if _, err := tconn.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
		return fmt.Errorf("TLS with %s: %w", ep, err)
	}
	return nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Open is ParseURL followed by New: the store a --storage etcd://... flag
// names.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	cfg, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg)
}

// Close ends every watch and the connection. Later calls fail; a second
// Close returns what the first did.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed.Store(true)
		s.mu.Unlock()
		s.cancel()
		s.watchers.Wait()
		s.closeErr = s.cli.Close()
	})
	return s.closeErr
}

// op prepares ctx for one request: it fails once the store is closed and
// adds the request timeout when ctx has no deadline.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if s.closed.Load() {
		return nil, nil, errClosed
	}
	if _, ok := ctx.Deadline(); ok || s.requestTimeout < 0 {
		return ctx, func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.requestTimeout)
	return ctx, cancel, nil
}

// kv converts an etcd key-value, stripping the store prefix.
func (s *Store) kv(kv *mvccpb.KeyValue) storage.KeyValue {
	return storage.KeyValue{
		Key:            string(kv.Key[len(s.prefix):]),
		Value:          kv.Value,
		Revision:       kv.ModRevision,
		CreateRevision: kv.CreateRevision,
	}
}

// Create writes key if it does not exist.
func (s *Store) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if err := storage.CheckSize(key, value); err != nil {
		return 0, err
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return 0, err
	}
	defer cancel()
	k := s.prefix + key
	resp, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(value))).
		Commit()
	if err != nil {
		return 0, s.mapErr(ctx, "create", key, err)
	}
	if !resp.Succeeded {
		return 0, storage.NewAlreadyExists(key)
	}
	return resp.Header.Revision, nil
}

// Get reads key.
func (s *Store) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return storage.KeyValue{}, err
	}
	defer cancel()
	resp, err := s.cli.Get(ctx, s.prefix+key)
	if err != nil {
		return storage.KeyValue{}, s.mapErr(ctx, "get", key, err)
	}
	if len(resp.Kvs) == 0 {
		return storage.KeyValue{}, storage.NewNotFound(key)
	}
	return s.kv(resp.Kvs[0]), nil
}

// Update is a GuaranteedUpdate: read, call fn, write if the key's mod
// revision is still the one read, otherwise start over from the value the
// failed write found.
func (s *Store) Update(ctx context.Context, key string, fn storage.UpdateFunc) (storage.KeyValue, error) {
	cur, err := s.Get(ctx, key)
	if err != nil {
		return storage.KeyValue{}, err
	}
	k := s.prefix + key
	for {
		value, err := fn(cur)
		if err != nil {
			return storage.KeyValue{}, err
		}
		if err := storage.CheckSize(key, value); err != nil {
			return storage.KeyValue{}, err
		}
		resp, err := s.guarded(ctx, "update", key, cur.Revision, clientv3.OpPut(k, string(value)))
		if err != nil {
			return storage.KeyValue{}, err
		}
		if resp.Succeeded {
			return storage.KeyValue{Key: key, Value: value, Revision: resp.Header.Revision, CreateRevision: cur.CreateRevision}, nil
		}
		if cur, err = s.current(resp, key); err != nil {
			return storage.KeyValue{}, err
		}
	}
}

// guarded runs then if key's mod revision is rev; otherwise it reads the
// key, so that a retry needs no second round trip.
func (s *Store) guarded(ctx context.Context, what, key string, rev int64, then clientv3.Op) (*clientv3.TxnResponse, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	k := s.prefix + key
	resp, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(k), "=", rev)).
		Then(then).
		Else(clientv3.OpGet(k)).
		Commit()
	if err != nil {
		return nil, s.mapErr(ctx, what, key, err)
	}
	return resp, nil
}

// current is the key's value found by a failed guarded write.
func (s *Store) current(resp *clientv3.TxnResponse, key string) (storage.KeyValue, error) {
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return storage.KeyValue{}, storage.NewNotFound(key)
	}
	return s.kv(kvs[0]), nil
}

// Delete removes key once check accepts its current value.
func (s *Store) Delete(ctx context.Context, key string, check storage.Precondition) (storage.KeyValue, error) {
	if check == nil {
		return s.deleteNow(ctx, key)
	}
	cur, err := s.Get(ctx, key)
	if err != nil {
		return storage.KeyValue{}, err
	}
	for {
		if err := check(cur); err != nil {
			return storage.KeyValue{}, err
		}
		resp, err := s.guarded(ctx, "delete", key, cur.Revision, clientv3.OpDelete(s.prefix+key))
		if err != nil {
			return storage.KeyValue{}, err
		}
		if resp.Succeeded {
			cur.Revision = resp.Header.Revision
			return cur, nil
		}
		if cur, err = s.current(resp, key); err != nil {
			return storage.KeyValue{}, err
		}
	}
}

// deleteNow is an unconditional Delete: one request that returns the
// value it removed.
func (s *Store) deleteNow(ctx context.Context, key string) (storage.KeyValue, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return storage.KeyValue{}, err
	}
	defer cancel()
	resp, err := s.cli.Delete(ctx, s.prefix+key, clientv3.WithPrevKV())
	if err != nil {
		return storage.KeyValue{}, s.mapErr(ctx, "delete", key, err)
	}
	if resp.Deleted == 0 {
		return storage.KeyValue{}, storage.NewNotFound(key)
	}
	kv := s.kv(resp.PrevKvs[0])
	kv.Revision = resp.Header.Revision
	return kv, nil
}

// Txn applies ops in one etcd transaction: one compare per op guards it,
// and when a compare fails, the Else branch reads every key so the error
// can name the first op that failed and why.
func (s *Store) Txn(ctx context.Context, ops []storage.Op) (int64, error) {
	if len(ops) == 0 {
		return s.CurrentRevision(ctx)
	}
	seen := make(map[string]bool, len(ops))
	cmps := make([]clientv3.Cmp, 0, len(ops))
	thens := make([]clientv3.Op, 0, len(ops))
	elses := make([]clientv3.Op, 0, len(ops))
	for i, op := range ops {
		if seen[op.Key] {
			return 0, apierrors.NewBadRequest(fmt.Sprintf("transaction operation %d: key %s appears twice", i, op.Key))
		}
		seen[op.Key] = true
		k := s.prefix + op.Key
		switch op.Type {
		case storage.OpCreate:
			cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
		case storage.OpPut, storage.OpDelete:
			if op.ExpectedRevision > 0 {
				cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", op.ExpectedRevision))
			} else {
				cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(k), ">", 0))
			}
		default:
			return 0, apierrors.NewBadRequest(fmt.Sprintf("transaction operation %d on %s: unknown operation type %d", i, op.Key, op.Type))
		}
		if op.Type == storage.OpDelete {
			thens = append(thens, clientv3.OpDelete(k))
		} else {
			if err := storage.CheckSize(op.Key, op.Value); err != nil {
				return 0, err
			}
			thens = append(thens, clientv3.OpPut(k, string(op.Value)))
		}
		elses = append(elses, clientv3.OpGet(k, clientv3.WithKeysOnly()))
	}
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return 0, err
	}
	defer cancel()
	resp, err := s.cli.Txn(ctx).If(cmps...).Then(thens...).Else(elses...).Commit()
	if err != nil {
		return 0, s.mapErr(ctx, "transaction on", ops[0].Key, err)
	}
	if resp.Succeeded {
		return resp.Header.Revision, nil
	}
	for i, op := range ops {
		var rev int64
		if kvs := resp.Responses[i].GetResponseRange().Kvs; len(kvs) > 0 {
			rev = kvs[0].ModRevision
		}
		switch {
		case op.Type == storage.OpCreate && rev != 0:
			return 0, storage.NewAlreadyExists(op.Key)
		case op.Type != storage.OpCreate && rev == 0:
			return 0, storage.NewNotFound(op.Key)
		case op.Type != storage.OpCreate && op.ExpectedRevision > 0 && rev != op.ExpectedRevision:
			return 0, storage.NewConflict(op.Key, op.ExpectedRevision, rev)
		}
	}
	// Every compare held when the keys were read back, so a write landed
	// between the transaction and the read: report it as a conflict on the
	// whole transaction, which the caller retries like any other.
	return 0, storage.NewConflict(ops[0].Key, 0, resp.Header.Revision)
}

// Count returns how many keys are under prefix.
func (s *Store) Count(ctx context.Context, prefix string) (int64, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return 0, err
	}
	defer cancel()
	resp, err := s.cli.Get(ctx, s.prefix+prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return 0, s.mapErr(ctx, "count", prefix, err)
	}
	return resp.Count, nil
}

// CurrentRevision returns etcd's current revision, read linearizably.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return 0, err
	}
	defer cancel()
	return s.currentRevision(ctx)
}

func (s *Store) currentRevision(ctx context.Context) (int64, error) {
	// Any read's header carries the revision; one absent key is the
	// cheapest read there is.
	resp, err := s.cli.Get(ctx, s.prefix+"/", clientv3.WithKeysOnly())
	if err != nil {
		return 0, s.mapErr(ctx, "read the revision of", s.prefix+"/", err)
	}
	return resp.Header.Revision, nil
}

// Compact asks etcd to drop history before revision, and waits until it
// has. etcd keeps revision itself readable; a later read or watch that
// needs anything older is 410 Gone.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	ctx, cancel, err := s.op(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if _, err := s.cli.Compact(ctx, revision, clientv3.WithCompactPhysical()); err != nil {
		return s.mapErr(ctx, "compact", fmt.Sprintf("revision %d", revision), err)
	}
	return nil
}
