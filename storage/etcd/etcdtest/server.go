package etcdtest

import (
	"context"
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
	// TLS, when set, makes the server accept only TLS clients holding a
	// certificate signed by the CA (see WriteCerts).
	TLS *Certs
	// RootPassword, when set, enables etcd authentication with a "root"
	// user holding this password (the only user etcd lets enable auth).
	RootPassword string
	// Proxy puts a TCP proxy in front of etcd: Endpoint is the proxy's,
	// and Stop cuts every client connection at once, as a crash or a
	// network loss would, then stops etcd. Without it Stop is etcd's
	// graceful shutdown, which waits up to 7 s for open watches to end.
	// Benchmarks leave it off to talk to etcd directly.
	Proxy bool
	// DataDir, when set, holds etcd's data instead of a temporary
	// directory, and is left in place when the server closes (to inspect
	// it, or to start another server on the same data).
	DataDir string
	// MaxRequestBytes overrides the server's request limit (default the
	// package's MaxRequestBytes), for tests of what a production etcd with
	// another limit does.
	MaxRequestBytes uint
	// Fsync makes the server fsync its WAL and database as a production
	// etcd does. Tests leave it off: durability across a power loss is
	// etcd's business, not what they check, and fsync on a shared CI disk
	// only makes them slower.
	Fsync bool
}

// Server is a running (or stopped) embedded etcd.
type Server struct {
	opts      Options
	dir       string
	removeDir bool
	client    url.URL
	peer      url.URL

	proxy *proxy

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
	dir := o.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := newServer(o, dir, false)
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New runs a server with its data in Options.DataDir or a new temporary
// directory; Close stops it and removes a temporary directory.
func New(opts Options) (*Server, error) {
	dir, temp := opts.DataDir, opts.DataDir == ""
	if temp {
		var err error
		if dir, err = os.MkdirTemp("", "etcdtest-"); err != nil {
			return nil, fmt.Errorf("etcdtest: data directory: %w", err)
		}
	}
	s, err := newServer(opts, dir, temp)
	if err != nil {
		if temp {
			_ = os.RemoveAll(dir)
		}
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
		if cport, pport, err = freePorts(); err != nil {
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
	if opts.Proxy {
		s.proxy = &proxy{target: s.client.Host}
		if err := s.proxy.listen(); err != nil {
			s.Close()
			return nil, fmt.Errorf("starting the proxy: %w", err)
		}
	}
	if opts.RootPassword != "" {
		if err := s.enableAuth(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// freePorts finds two ports nothing listens on, for etcd's client and
// peer listeners.
func freePorts() (int, int, error) {
	var ports [2]int
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, fmt.Errorf("finding a free port: %w", err)
		}
		defer func() { _ = l.Close() }()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports[0], ports[1], nil
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
	if s.opts.MaxRequestBytes > 0 {
		cfg.MaxRequestBytes = s.opts.MaxRequestBytes
	}
	cfg.UnsafeNoFsync = !s.opts.Fsync
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	if t := s.opts.TLS; t != nil {
		cfg.ClientTLSInfo = transport.TLSInfo{
			CertFile:       t.ServerCert,
			KeyFile:        t.ServerKey,
			TrustedCAFile:  t.CAFile,
			ClientCertAuth: true,
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
	defer func() { _ = cli.Close() }()
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
	cfg, err := s.clientConfig()
	if err != nil {
		return nil, err
	}
	cfg.Username, cfg.Password = "", ""
	return clientv3.New(cfg)
}

// clientConfig is a raw client's view of the server, as root when
// authentication is on.
func (s *Server) clientConfig() (clientv3.Config, error) {
	cfg := clientv3.Config{
		Endpoints:   []string{s.client.Host},
		DialTimeout: startTimeout,
		Logger:      zap.NewNop(),
	}
	if s.opts.RootPassword != "" {
		cfg.Username, cfg.Password = "root", s.opts.RootPassword
	}
	if t := s.opts.TLS; t != nil {
		info := transport.TLSInfo{CertFile: t.ClientCert, KeyFile: t.ClientKey, TrustedCAFile: t.CAFile}
		tc, err := info.ClientConfig()
		if err != nil {
			return clientv3.Config{}, fmt.Errorf("client TLS: %w", err)
		}
		cfg.TLS = tc
	}
	return cfg, nil
}

// Endpoint returns the address clients connect to, host:port: etcd's own
// or, with Options.Proxy, the proxy's. It stays the same across Restart.
func (s *Server) Endpoint() string {
	if s.proxy != nil {
		return s.proxy.addr
	}
	return s.client.Host
}

// URL returns the address in the form the k1s CLI takes (--storage,
// K1S_STORAGE): etcd://host:port, or etcds://host:port for a TLS server.
func (s *Server) URL() string {
	if s.opts.TLS != nil {
		return "etcds://" + s.Endpoint()
	}
	return "etcd://" + s.Endpoint()
}

// Client returns a raw etcd client of the server, closed when t ends, for
// tests that check what a backend stored or that compare with it. It
// talks to etcd directly, never through the proxy, and authenticates as
// root when authentication is on.
func (s *Server) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	cfg, err := s.clientConfig()
	if err == nil {
		var cli *clientv3.Client
		if cli, err = clientv3.New(cfg); err == nil {
			t.Cleanup(func() { _ = cli.Close() })
			return cli
		}
	}
	t.Fatalf("etcdtest: client of %s: %v", s.Endpoint(), err)
	return nil
}

// CutClients closes every client connection going through the proxy and
// refuses new ones until RestoreClients, while etcd keeps running (and
// Client keeps working): a network partition between clients and etcd.
// It needs Options.Proxy.
func (s *Server) CutClients() {
	if s.proxy == nil {
		panic("etcdtest: CutClients needs Options.Proxy")
	}
	s.proxy.cut()
}

// RestoreClients ends a CutClients.
func (s *Server) RestoreClients() error {
	if s.proxy == nil {
		panic("etcdtest: RestoreClients needs Options.Proxy")
	}
	return s.proxy.listen()
}

// Stop shuts the server down, keeping its data and ports for Restart.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	if s.proxy != nil {
		s.proxy.cut()
	}
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
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err == nil && s.proxy != nil {
		err = s.proxy.listen()
	}
	if err == nil {
		return nil
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
