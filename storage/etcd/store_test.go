package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// hangLimit bounds waits that only a bug makes long. It detects hangs; it
// is not a latency expectation.
const hangLimit = 30 * time.Second

var widgets = schema.GroupResource{Group: "apps", Resource: "widgets"}

func key(name string) string { return storage.Key("t", widgets, "default", name) }

var prefix = storage.Prefix("t", widgets, "default")

// within runs f and fails t if it has not returned within hangLimit.
func within[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(hangLimit):
		t.Fatalf("%s did not return within %v", what, hangLimit)
		panic("unreachable")
	}
}

// closedPort returns an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func TestNewUnreachable(t *testing.T) {
	addr := closedPort(t)
	// With credentials the client authenticates while it dials, which is
	// a different path to the same failure.
	for _, user := range []string{"", "root"} {
		err := within(t, "New on an unreachable etcd", func() error {
			s, err := etcd.New(context.Background(), etcd.Config{Endpoints: []string{addr}, DialTimeout: 300 * time.Millisecond, Username: user, Password: user})
			if err == nil {
				_ = s.Close()
			}
			return err
		})
		if err == nil {
			t.Fatalf("New on %s, where nothing listens, succeeded", addr)
		}
		for _, want := range []string{addr, "not reachable within the dial timeout of 300ms", "connection refused"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("user %q: error %q does not contain %q", user, err, want)
			}
		}
	}

	// A caller's context that ends first is reported as the caller's.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := etcd.New(ctx, etcd.Config{Endpoints: []string{addr}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context: %v, want context.Canceled", err)
	}
}

// TestWatchAcrossRestart stops and restarts etcd under an open watch: the
// watch must deliver every write made before the stop and after the
// restart, once each and in order.
func TestWatchAcrossRestart(t *testing.T) {
	server := etcdtest.Start(t, etcdtest.Options{Proxy: true})
	s := newStoreOn(t, server, etcd.Config{RequestTimeout: hangLimit})
	w, err := s.Watch(t.Context(), prefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var want []int64
	write := func(name string) {
		t.Helper()
		rev, err := s.Create(t.Context(), key(name), []byte(name))
		if err != nil {
			t.Fatalf("Create %s: %v", name, err)
		}
		want = append(want, rev)
	}
	read := func(n int) []int64 {
		t.Helper()
		var got []int64
		for range n {
			select {
			case ev, open := <-w.ResultChan():
				if !open || ev.Type != storage.Added {
					t.Fatalf("watch event %+v (open %v), want ADDED", ev, open)
				}
				got = append(got, ev.Revision)
			case <-time.After(hangLimit):
				t.Fatalf("no watch event within %v", hangLimit)
			}
		}
		return got
	}
	for i := range 3 {
		write(fmt.Sprintf("before-%d", i))
	}
	got := read(3)
	for round := range 2 {
		server.Stop()
		if err := server.Restart(); err != nil {
			t.Fatal(err)
		}
		// These writes may land before the watch has reconnected; it must
		// catch up on them from its last revision.
		for i := range 3 {
			write(fmt.Sprintf("after-%d-%d", round, i))
		}
		got = append(got, read(3)...)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("revisions delivered across restarts (-want +got):\n%s", d)
	}
	// Nothing more: no repeat of an event already delivered.
	rev, err := s.Create(t.Context(), key("last"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(1); got[0] != rev {
		t.Fatalf("after the restarts the watch delivered revision %d, want %d", got[0], rev)
	}
}

// next returns a watch's next event, failing t when none comes.
func next(t *testing.T, w storage.Watcher) (storage.Event, bool) {
	t.Helper()
	select {
	case ev, open := <-w.ResultChan():
		return ev, open
	case <-time.After(hangLimit):
		t.Fatalf("no watch event within %v", hangLimit)
		return storage.Event{}, false
	}
}

// TestWatchCatchesUpAfterPartition cuts a watch off etcd while others
// write: once the network is back it delivers exactly what it missed.
// When the revision it had reached is compacted meanwhile, it ends with
// 410 Gone instead of skipping events.
func TestWatchCatchesUpAfterPartition(t *testing.T) {
	server := etcdtest.Start(t, etcdtest.Options{Proxy: true})
	raw := server.Client(t)
	for _, compact := range []bool{false, true} {
		t.Run(fmt.Sprintf("compact=%v", compact), func(t *testing.T) {
			storePrefix := fmt.Sprintf("/partition-%v", compact)
			s := newStoreOn(t, server, etcd.Config{Prefix: storePrefix, RequestTimeout: hangLimit})
			w, err := s.Watch(t.Context(), prefix, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Stop()
			rev, err := s.Create(t.Context(), key("a"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if ev, _ := next(t, w); ev.Revision != rev {
				t.Fatalf("first event %+v, want revision %d", ev, rev)
			}

			server.CutClients()
			var missed []int64
			for i := range 3 {
				resp, err := raw.Put(t.Context(), storePrefix+key(fmt.Sprint(i)), "x")
				if err != nil {
					t.Fatal(err)
				}
				missed = append(missed, resp.Header.Revision)
			}
			if compact {
				if _, err := raw.Compact(t.Context(), missed[2], clientv3.WithCompactPhysical()); err != nil {
					t.Fatal(err)
				}
			}
			if err := server.RestoreClients(); err != nil {
				t.Fatal(err)
			}

			if compact {
				ev, open := next(t, w)
				if !open || ev.Type != storage.Error || !apierrors.IsResourceExpired(ev.Err) {
					t.Fatalf("after compaction past the watch: %+v (open %v), want a 410 Error event", ev, open)
				}
				if _, open := next(t, w); open {
					t.Fatal("watch still open after its Error event")
				}
				return
			}
			var got []int64
			for range missed {
				ev, _ := next(t, w)
				got = append(got, ev.Revision)
			}
			if d := cmp.Diff(missed, got); d != "" {
				t.Fatalf("events missed during the partition (-want +got):\n%s", d)
			}
			rev, err = s.Create(t.Context(), key("b"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if ev, _ := next(t, w); ev.Revision != rev {
				t.Fatalf("event after catching up at revision %d, want %d: a repeat or a gap", ev.Revision, rev)
			}
		})
	}
}

func TestStoppedEtcd(t *testing.T) {
	server := etcdtest.Start(t, etcdtest.Options{Proxy: true})
	s := newStoreOn(t, server, etcd.Config{RequestTimeout: 200 * time.Millisecond})
	if _, err := s.Create(t.Context(), key("a"), nil); err != nil {
		t.Fatal(err)
	}
	server.Stop()
	ops := []struct {
		name string
		do   func() error
	}{
		{"Get", func() error { _, err := s.Get(t.Context(), key("a")); return err }},
		{"Create", func() error { _, err := s.Create(t.Context(), key("b"), nil); return err }},
		{"Watch", func() error { _, err := s.Watch(t.Context(), prefix, 0); return err }},
		{"CurrentRevision", func() error { _, err := s.CurrentRevision(t.Context()); return err }},
	}
	for _, op := range ops {
		err := within(t, op.name+" on a stopped etcd", op.do)
		if !apierrors.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s on a stopped etcd: %v, want a Timeout that is also context.DeadlineExceeded", op.name, err)
		}
	}
	// The caller's own deadline is kept.
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Count(ctx, prefix); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Count past the caller's deadline: %v", err)
	}
	ctx, cancel = context.WithCancel(t.Context())
	cancel()
	if _, err := s.List(ctx, prefix, storage.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestAuth(t *testing.T) {
	server := etcdtest.Start(t, etcdtest.Options{RootPassword: "s3cret"})
	tests := []struct {
		name     string
		user, pw string
		want     string
	}{
		{"wrong password", "root", "nope", "authentication failed"},
		{"unknown user", "mallory", "x", "authentication failed"},
		{"no credentials", "", "", "user name is empty"},
	}
	for _, tc := range tests {
		_, err := etcd.New(t.Context(), etcd.Config{Endpoints: []string{server.Endpoint()}, Username: tc.user, Password: tc.pw, DialTimeout: hangLimit})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New returned %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	s := newStoreOn(t, server, etcd.Config{Username: "root", Password: "s3cret", DialTimeout: hangLimit})
	if _, err := s.Create(t.Context(), key("a"), []byte("x")); err != nil {
		t.Fatalf("Create as root: %v", err)
	}

	// A user limited to one prefix works there and is refused elsewhere.
	cli := server.Client(t)
	ctx := t.Context()
	for _, step := range []func() error{
		func() error { _, err := cli.RoleAdd(ctx, "team-a"); return err },
		func() error {
			_, err := cli.RoleGrantPermission(ctx, "team-a", "/team-a/", clientv3.GetPrefixRangeEnd("/team-a/"), clientv3.PermissionType(clientv3.PermReadWrite))
			return err
		},
		func() error { _, err := cli.UserAdd(ctx, "alice", "pw"); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "alice", "team-a"); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	alice := newStoreOn(t, server, etcd.Config{Username: "alice", Password: "pw", Prefix: "/team-a", DialTimeout: hangLimit})
	if _, err := alice.Create(ctx, key("a"), []byte("x")); err != nil {
		t.Fatalf("Create inside alice's prefix: %v", err)
	}
	outside, err := etcd.New(ctx, etcd.Config{Endpoints: []string{server.Endpoint()}, Username: "alice", Password: "pw", Prefix: "/team-b", DialTimeout: hangLimit})
	if err == nil {
		_ = outside.Close()
		t.Fatal("New outside alice's prefix succeeded")
	}
	if !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("New outside alice's prefix: %v, want permission denied", err)
	}
	// Revoking the role refuses alice's writes as Forbidden and ends her
	// watches with an error rather than retrying forever.
	w, err := alice.Watch(ctx, prefix, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := cli.UserRevokeRole(ctx, "alice", "team-a"); err != nil {
		t.Fatal(err)
	}
	_, err = alice.Create(ctx, key("b"), nil)
	if !apierrors.IsForbidden(err) {
		t.Errorf("Create after the role was revoked: %v, want Forbidden", err)
	}
}

func TestTLS(t *testing.T) {
	certs, err := etcdtest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	server := etcdtest.Start(t, etcdtest.Options{TLS: &certs})
	cfg, err := etcd.ParseURL(server.URL() + "?ca=" + certs.CAFile + "&cert=" + certs.ClientCert + "&key=" + certs.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	s := newStoreOn(t, server, cfg)
	rev, err := s.Create(t.Context(), key("a"), []byte("over TLS"))
	if err != nil {
		t.Fatal(err)
	}
	if kv, err := s.Get(t.Context(), key("a")); err != nil || string(kv.Value) != "over TLS" || kv.Revision != rev {
		t.Fatalf("Get over TLS: %+v, %v", kv, err)
	}

	// Without a client certificate, or without trusting the server's CA,
	// the connection fails within the dial timeout and says so.
	other, err := etcdtest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		tls  *etcd.TLS
		want string
	}{
		"no client certificate": {&etcd.TLS{CAFile: certs.CAFile}, "certificate required"},
		"untrusted server":      {&etcd.TLS{CAFile: other.CAFile, CertFile: certs.ClientCert, KeyFile: certs.ClientKey}, "certificate signed by unknown authority"},
		"plain text":            {nil, "no answer"},
	} {
		err := within(t, "New "+name, func() error {
			s, err := etcd.New(t.Context(), etcd.Config{Endpoints: []string{server.Endpoint()}, TLS: tc.tls, DialTimeout: 500 * time.Millisecond})
			if err == nil {
				_ = s.Close()
			}
			return err
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New returned %v, want an error containing %q", name, err, tc.want)
		}
	}
}

// TestPrefix checks that Config.Prefix keeps stores apart on one etcd and
// is where the keys really are.
func TestPrefix(t *testing.T) {
	pa := fmt.Sprintf("/prefix-a-%d", storeSeq.Add(1))
	a := newStoreOn(t, srv, etcd.Config{Prefix: pa})
	b := newStoreOn(t, srv, etcd.Config{})
	if _, err := a.Create(t.Context(), key("x"), []byte("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(t.Context(), key("x")); !apierrors.IsNotFound(err) {
		t.Fatalf("store b sees store a's key: %v", err)
	}
	if n, err := b.Count(t.Context(), "/"); err != nil || n != 0 {
		t.Fatalf("store b counts %d keys (%v), want 0", n, err)
	}
	resp, err := srv.Client(t).Get(t.Context(), pa+key("x"))
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "a" {
		t.Fatalf("raw etcd read of %s%s: %v, %v", pa, key("x"), resp, err)
	}
	// A continue token of one prefix does not read another.
	for i := range 3 {
		if _, err := a.Create(t.Context(), key(fmt.Sprint(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	page, err := a.List(t.Context(), prefix, storage.ListOptions{Limit: 1})
	if err != nil || page.Continue == "" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	other := storage.Prefix("t", widgets, "kube-system")
	if _, err := a.List(t.Context(), other, storage.ListOptions{Limit: 1, Continue: page.Continue}); !apierrors.IsBadRequest(err) {
		t.Errorf("continuing a list of %s with a token of %s: %v, want BadRequest", other, prefix, err)
	}
}

func TestBadRequests(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	rev, err := s.Create(ctx, key("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]storage.Op, 200)
	for i := range many {
		many[i] = storage.Op{Type: storage.OpCreate, Key: key(fmt.Sprintf("many-%d", i))}
	}
	tests := []struct {
		name string
		do   func() error
		is   func(error) bool
		want string
	}{
		{"Txn with a key twice", func() error {
			_, err := s.Txn(ctx, []storage.Op{{Type: storage.OpCreate, Key: key("b")}, {Type: storage.OpDelete, Key: key("b")}})
			return err
		}, apierrors.IsBadRequest, "appears twice"},
		{"Txn with an unknown op", func() error {
			_, err := s.Txn(ctx, []storage.Op{{Type: 99, Key: key("b")}})
			return err
		}, apierrors.IsBadRequest, "unknown operation type 99"},
		{"Txn over etcd's op limit", func() error { _, err := s.Txn(ctx, many); return err }, apierrors.IsBadRequest, "too many operations"},
		{"List with a negative limit", func() error {
			_, err := s.List(ctx, prefix, storage.ListOptions{Limit: -1})
			return err
		}, apierrors.IsBadRequest, "negative limit"},
		{"List at a negative revision", func() error {
			_, err := s.List(ctx, prefix, storage.ListOptions{Revision: -1})
			return err
		}, apierrors.IsBadRequest, "negative revision"},
		{"List at a future revision", func() error {
			_, err := s.List(ctx, prefix, storage.ListOptions{Revision: rev + 1000})
			return err
		}, apierrors.IsTimeout, "Too large resource version"},
		{"Watch from a negative revision", func() error {
			_, err := s.Watch(ctx, prefix, -1)
			return err
		}, apierrors.IsBadRequest, "negative revision"},
	}
	for _, tc := range tests {
		err := tc.do()
		if !tc.is(err) || !strings.Contains(fmt.Sprint(err), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if cur, err := s.CurrentRevision(ctx); err != nil || cur != rev {
		t.Errorf("revision after failed requests: %d (%v), want %d", cur, err, rev)
	}
	// An empty Txn writes nothing and reports the current revision.
	if got, err := s.Txn(ctx, nil); err != nil || got != rev {
		t.Errorf("empty Txn: %d, %v; want %d", got, err, rev)
	}
}

// TestGoneNamesCompaction checks that a 410 says which revision etcd
// compacted to, so that a user can tell how far behind the reader was.
func TestGoneNamesCompaction(t *testing.T) {
	s := newStore(t)
	first, err := s.Create(t.Context(), key("a"), nil)
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.Create(t.Context(), key("b"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Compact(t.Context(), last); err != nil {
		t.Fatal(err)
	}
	_, err = s.List(t.Context(), prefix, storage.ListOptions{Revision: first})
	want := fmt.Sprintf("too old resource version: %d (%d)", first, last)
	if !apierrors.IsResourceExpired(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("List at compacted revision %d: %v, want %q", first, err, want)
	}
	if err := s.Compact(t.Context(), last+100); !apierrors.IsInternalError(err) {
		t.Errorf("Compact of a future revision: %v, want an internal error", err)
	}
}

// TestDefaultEtcdRequestLimit documents why etcd needs a raised
// --max-request-bytes: with etcd's default, a value k1s accepts can still
// be refused by etcd, and the refusal is a 413 naming the key.
func TestDefaultEtcdRequestLimit(t *testing.T) {
	server := etcdtest.Start(t, etcdtest.Options{MaxRequestBytes: 3 * 1024 * 1024 / 2})
	s := newStoreOn(t, server, etcd.Config{})
	_, err := s.Create(t.Context(), key("big"), make([]byte, storage.MaxValueSize))
	if !apierrors.IsRequestEntityTooLargeError(err) || !strings.Contains(err.Error(), key("big")) {
		t.Fatalf("Create of %d bytes on an etcd with the default request limit: %v, want 413 naming the key", storage.MaxValueSize, err)
	}
}
