package etcdtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startTimeout bounds how long a server may take to become ready. It
// guards against a hang, it is not a performance expectation: a healthy
// embedded etcd is ready in well under a second.
const startTimeout = 60 * time.Second

// MaxRequestBytes is the request limit the test server runs with. It is
// above etcd's default (1.5 MiB) by enough to hold one value of
// storage.MaxValueSize plus its key and the request framing, which a
// production etcd serving k1s needs as well (--max-request-bytes).
const MaxRequestBytes = 2 * 1024 * 1024

// Options configure a test server.
type Options struct {
	// TLS, when set, makes the server accept only TLS clients.
	TLS *TLS
	// RootPassword, when set, enables etcd authentication with a "root"
	// user holding this password (the only user etcd lets enable auth).
	RootPassword string
	// Fsync makes the server fsync its WAL and database as a production
	// etcd does. Tests leave it off: durability across a power loss is
	// etcd's business, not what they check, and fsync on a shared CI disk
	// only makes them slower.
	Fsync bool
}

// TLS names the PEM files of a server's TLS setup.
type TLS struct {
	// CertFile and KeyFile are the server's certificate and key.
	CertFile, KeyFile string
	// CAFile, when set, makes the server require client certificates
	// signed by this CA.
	CAFile string
}

// Server is a running (or stopped) embedded etcd.
type Server struct {
	opts      Options
	dir       string
	removeDir bool
	client    url.URL
	peer      url.URL

	mu   sync.Mutex
	etcd *embed.Etcd
}

// Start runs a server for the duration of t and stops it, removing its
// data, when t ends. A server that cannot start fails t: tests that need
// etcd never skip.
func Start(t testing.TB, opts ...Options) *Server {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s, err := newServer(o, t.TempDir(), false)
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a server with its data in a new temporary directory; Close
// stops it and removes the directory.
func New(opts Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "etcdtest-")
	if err != nil {
		return nil, fmt.Errorf("etcdtest: data directory: %w", err)
	}
	s, err := newServer(opts, dir, true)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("etcdtest: %w", err)
	}
	return s, nil
}

func newServer(opts Options, dir string, removeDir bool) (*Server, error) {
	s := &Server{opts: opts, dir: dir, removeDir: removeDir}
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
	}
	// Another process may take a port between our probe and etcd's
	// listen; trying again with new ports makes that race harmless.
	var err error
	for range 5 {
		var cport, pport int
		if cport, err = freePort(); err != nil {
			return nil, err
		}
		if pport, err = freePort(); err != nil {
			return nil, err
		}
		s.client = url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", cport)}
		s.peer = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", pport)}
		if err = s.start(); err == nil {
			break
		}
		// A failed first start may leave a half-written member behind.
		_ = os.RemoveAll(s.memberDir())
	}
	if err != nil {
		return nil, err
	}
	if opts.RootPassword != "" {
		if err := s.enableAuth(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) memberDir() string { return s.dir + "/etcd" }

func (s *Server) config() *embed.Config {
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = s.memberDir()
	cfg.ListenClientUrls = []url.URL{s.client}
	cfg.AdvertiseClientUrls = []url.URL{s.client}
	cfg.ListenPeerUrls = []url.URL{s.peer}
	cfg.AdvertisePeerUrls = []url.URL{s.peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.MaxRequestBytes = MaxRequestBytes
	cfg.UnsafeNoFsync = !s.opts.Fsync
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	if t := s.opts.TLS; t != nil {
		cfg.ClientTLSInfo = transport.TLSInfo{
			CertFile:       t.CertFile,
			KeyFile:        t.KeyFile,
			TrustedCAFile:  t.CAFile,
			ClientCertAuth: t.CAFile != "",
		}
	}
	return cfg
}

// start runs etcd and waits until it serves clients.
func (s *Server) start() error {
	e, err := embed.StartEtcd(s.config())
	if err != nil {
		return fmt.Errorf("starting etcd on %s: %w", s.client.Host, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return fmt.Errorf("etcd on %s failed while starting: %w", s.client.Host, err)
	case <-time.After(startTimeout):
		e.Close()
		return fmt.Errorf("etcd on %s not ready within %v", s.client.Host, startTimeout)
	}
	s.mu.Lock()
	s.etcd = e
	s.mu.Unlock()
	return nil
}

// enableAuth creates the root user and turns authentication on, as an
// administrator would with etcdctl.
func (s *Server) enableAuth() error {
	cli, err := s.adminClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := cli.UserAdd(ctx, "root", s.opts.RootPassword); err != nil {
		return fmt.Errorf("adding the root user: %w", err)
	}
	if _, err := cli.UserGrantRole(ctx, "root", "root"); err != nil {
		return fmt.Errorf("granting root the root role: %w", err)
	}
	if _, err := cli.AuthEnable(ctx); err != nil {
		return fmt.Errorf("enabling authentication: %w", err)
	}
	return nil
}

// adminClient connects to the server before authentication is enabled.
func (s *Server) adminClient() (*clientv3.Client, error) {
	cfg := clientv3.Config{
		Endpoints:   []string{s.Endpoint()},
		DialTimeout: startTimeout,
		Logger:      zap.NewNop(),
	}
	if t := s.opts.TLS; t != nil {
		tlsInfo := transport.TLSInfo{CertFile: t.CertFile, KeyFile: t.KeyFile, TrustedCAFile: t.CAFile}
		tc, err := tlsInfo.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("admin client TLS: %w", err)
		}
		cfg.TLS = tc
	}
	return clientv3.New(cfg)
}

// Endpoint returns the server's client address, host:port.
func (s *Server) Endpoint() string { return s.client.Host }

// URL returns the address in the form the k1s CLI takes (--storage,
// K1S_STORAGE): etcd://host:port, or etcds://host:port for a TLS server.
func (s *Server) URL() string {
	if s.opts.TLS != nil {
		return "etcds://" + s.client.Host
	}
	return "etcd://" + s.client.Host
}

// Client returns a raw etcd client of the server, closed when t ends, for
// tests that check what the backend stored. It authenticates as root when
// authentication is on.
func (s *Server) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	cfg := clientv3.Config{
		Endpoints:   []string{s.Endpoint()},
		DialTimeout: startTimeout,
		Logger:      zap.NewNop(),
	}
	if s.opts.RootPassword != "" {
		cfg.Username, cfg.Password = "root", s.opts.RootPassword
	}
	if s.opts.TLS != nil {
		t.Fatal("etcdtest: Client does not handle TLS servers")
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatalf("etcdtest: client of %s: %v", s.Endpoint(), err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// Stop shuts the server down, keeping its data and ports for Restart.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	e := s.etcd
	s.etcd = nil
	s.mu.Unlock()
	if e != nil {
		e.Close()
	}
}

// Restart stops the server if it runs and starts it again on the same
// ports and data, as an operator restarting etcd would.
func (s *Server) Restart() error {
	s.Stop()
	// The old listeners are closed, but the kernel may take a moment to
	// let the ports go; a few attempts ride over that.
	var err error
	for range 20 {
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("etcdtest: restart: %w", err)
}

// Close stops the server and, for a server from New, removes its data.
func (s *Server) Close() {
	s.Stop()
	if s.removeDir {
		_ = os.RemoveAll(s.dir)
	}
}

// ClientTLS returns the client side of the server's TLS setup with the
// given client certificate (empty for none), for tests that dial it.
func ClientTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	info := transport.TLSInfo{TrustedCAFile: caFile, CertFile: certFile, KeyFile: keyFile}
	if caFile == "" {
		return nil, errors.New("etcdtest: ClientTLS needs the CA file")
	}
	return info.ClientConfig()
}
