package etcdtest_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// dial connects to endpoint the way a user of the server would.
func dial(t *testing.T, cfg clientv3.Config) *clientv3.Client {
	t.Helper()
	cfg.DialTimeout = 30 * time.Second
	cfg.Logger = zap.NewNop()
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

func get(t *testing.T, cli *clientv3.Client, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}

func TestStartRestartKeepsData(t *testing.T) {
	for _, proxy := range []bool{false, true} {
		s := etcdtest.Start(t, etcdtest.Options{Proxy: proxy})
		if !strings.HasPrefix(s.URL(), "etcd://127.0.0.1:") || s.URL() != "etcd://"+s.Endpoint() {
			t.Errorf("URL %q, endpoint %q", s.URL(), s.Endpoint())
		}
		cli := dial(t, clientv3.Config{Endpoints: []string{s.Endpoint()}})
		if _, err := cli.Put(t.Context(), "k", "v"); err != nil {
			t.Fatal(err)
		}
		endpoint := s.Endpoint()
		s.Stop()
		s.Stop() // stopping twice is harmless
		if err := s.Restart(); err != nil {
			t.Fatal(err)
		}
		if s.Endpoint() != endpoint {
			t.Errorf("endpoint moved from %s to %s across Restart", endpoint, s.Endpoint())
		}
		if got := get(t, cli, "k"); got != "v" {
			t.Errorf("proxy=%v: value after Restart %q, want v", proxy, got)
		}
		if got := get(t, s.Client(t), "k"); got != "v" {
			t.Errorf("proxy=%v: value through Client %q, want v", proxy, got)
		}
	}
}

func TestCutClients(t *testing.T) {
	s := etcdtest.Start(t, etcdtest.Options{Proxy: true})
	cli := dial(t, clientv3.Config{Endpoints: []string{s.Endpoint()}})
	if _, err := cli.Put(t.Context(), "k", "1"); err != nil {
		t.Fatal(err)
	}
	s.CutClients()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := cli.Get(ctx, "k"); err == nil {
		t.Error("Get through a cut proxy succeeded")
	}
	// etcd itself still serves.
	if _, err := s.Client(t).Put(t.Context(), "k", "2"); err != nil {
		t.Fatal(err)
	}
	if err := s.RestoreClients(); err != nil {
		t.Fatal(err)
	}
	if got := get(t, cli, "k"); got != "2" {
		t.Errorf("value after RestoreClients %q, want 2", got)
	}
}

func TestProxyNeeded(t *testing.T) {
	s := etcdtest.Start(t)
	for name, f := range map[string]func(){
		"CutClients":     s.CutClients,
		"RestoreClients": func() { _ = s.RestoreClients() },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s without a proxy did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNewRemovesItsData(t *testing.T) {
	s, err := etcdtest.New(etcdtest.Options{MaxRequestBytes: 64 * 1024})
	if err != nil {
		t.Fatal(err)
	}
	cli := dial(t, clientv3.Config{Endpoints: []string{s.Endpoint()}})
	if _, err := cli.Put(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(t.Context(), "big", strings.Repeat("x", 128*1024)); err == nil {
		t.Error("a put over MaxRequestBytes succeeded")
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "etcdtest-*"))
	s.Close()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "etcdtest-*"))
	if len(after) != len(dirs)-1 {
		t.Errorf("Close left its data directory: %d etcdtest dirs before, %d after", len(dirs), len(after))
	}
}

func TestAuthAndTLS(t *testing.T) {
	certs, err := etcdtest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := etcdtest.Start(t, etcdtest.Options{TLS: &certs, RootPassword: "pw"})
	if want := "etcds://" + s.Endpoint(); s.URL() != want {
		t.Errorf("URL %q, want %q", s.URL(), want)
	}
	if _, err := s.Client(t).Put(t.Context(), "k", "v"); err != nil {
		t.Fatalf("Put through Client as root over TLS: %v", err)
	}
	// Authentication is really on: without credentials reads are refused.
	tc, err := tlsConfig(certs)
	if err != nil {
		t.Fatal(err)
	}
	anon := dial(t, clientv3.Config{Endpoints: []string{s.Endpoint()}, TLS: tc})
	if _, err := anon.Get(t.Context(), "k"); err == nil {
		t.Error("anonymous Get with authentication on succeeded")
	}
}

func TestWriteCertsErrors(t *testing.T) {
	if _, err := etcdtest.WriteCerts(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "ca.pem") {
		t.Errorf("WriteCerts into a missing directory: %v, want an error naming ca.pem", err)
	}
}

func TestStartFailure(t *testing.T) {
	if _, err := etcdtest.New(etcdtest.Options{TLS: &etcdtest.Certs{CAFile: "/nonexistent/ca.pem", ServerCert: "/nonexistent/s.pem", ServerKey: "/nonexistent/k.pem"}, RootPassword: "pw"}); err == nil || !strings.Contains(err.Error(), "client TLS") {
		t.Errorf("New with missing certificate files: %v, want a client TLS error", err)
	}
}

func TestRestartOnATakenPort(t *testing.T) {
	s := etcdtest.Start(t)
	s.Stop()
	l, err := net.Listen("tcp", s.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err == nil || !strings.Contains(err.Error(), s.Endpoint()) {
		t.Errorf("Restart with its port taken: %v, want an error naming %s", err, s.Endpoint())
	}
	_ = l.Close()
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart once the port is free: %v", err)
	}
}

func TestProxyWithEtcdDown(t *testing.T) {
	s := etcdtest.Start(t, etcdtest.Options{Proxy: true})
	cli := dial(t, clientv3.Config{Endpoints: []string{s.Endpoint()}})
	s.Stop()
	// The proxy accepts, but finds no etcd behind it.
	if err := s.RestoreClients(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if _, err := cli.Get(ctx, "k"); err == nil {
		t.Error("Get with etcd stopped succeeded")
	}
	// A restart whose proxy port is taken fails and says so.
	s.CutClients()
	l, err := net.Listen("tcp", s.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart with the proxy's port taken succeeded")
	}
	_ = l.Close()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(t.Context(), "k", "v"); err != nil {
		t.Fatalf("Put after the restart: %v", err)
	}
}

func TestDataDir(t *testing.T) {
	dir := t.TempDir()
	s, err := etcdtest.New(etcdtest.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client(t).Put(t.Context(), "k", "kept"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A second server on the same data sees what the first wrote.
	s2 := etcdtest.Start(t, etcdtest.Options{DataDir: dir})
	if got := get(t, s2.Client(t), "k"); got != "kept" {
		t.Errorf("value on a server started on the same data: %q, want kept", got)
	}

	// A data directory etcd cannot use fails New, naming the directory.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := etcdtest.New(etcdtest.Options{DataDir: file}); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("New on a data directory that is a file: %v, want an error naming %s", err, file)
	}
}

func TestNewStore(t *testing.T) {
	certs, err := etcdtest.WriteCerts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []etcdtest.Options{{}, {TLS: &certs, RootPassword: "pw"}} {
		s := etcdtest.Start(t, opts)
		a, b := s.NewStore(t), s.NewStore(t)
		if _, err := a.Create(t.Context(), "/t/core/configmaps/default/x", []byte("a")); err != nil {
			t.Fatal(err)
		}
		if n, err := b.Count(t.Context(), "/t/"); err != nil || n != 0 {
			t.Errorf("a second store counts %d keys (%v), want an empty store", n, err)
		}
	}
}
