package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/k1s-dev/k1s/storage"
)

// DefaultDialTimeout is how long New waits for etcd when Config.DialTimeout
// is zero.
const DefaultDialTimeout = 5 * time.Second

// DefaultRequestTimeout bounds a single read or write whose context has no
// deadline, when Config.RequestTimeout is zero, so that a lost etcd turns
// a one-shot command into an error instead of a hang.
const DefaultRequestTimeout = 30 * time.Second

// Config says how to reach an etcd cluster.
type Config struct {
	// Endpoints are the cluster members' client addresses, host:port.
	Endpoints []string
	// DialTimeout bounds New's connection check (DefaultDialTimeout when
	// zero).
	DialTimeout time.Duration
	// RequestTimeout bounds each operation whose context has no deadline
	// (DefaultRequestTimeout when zero; negative means no bound). Watches
	// are not bounded.
	RequestTimeout time.Duration
	// TLS, when set, makes every connection use TLS.
	TLS *TLS
	// Username and Password authenticate to an etcd with auth enabled.
	Username string
	Password string
	// Prefix is put before every key in etcd, so that several independent
	// k1s stores can share one cluster. It is empty (keys used as they
	// are) or starts with "/" and does not end with one.
	Prefix string
}

// TLS names the PEM files of a TLS connection. Every field is optional:
// without CAFile the system roots verify the server, without CertFile and
// KeyFile no client certificate is sent (both or neither must be set).
type TLS struct {
	CAFile   string
	CertFile string
	KeyFile  string
	// ServerName overrides the name checked in the server's certificate
	// (by default the host of the endpoint dialed).
	ServerName string
}

// ParseURL turns a storage URL into a Config. The forms are
//
//	etcd://host:port[,host:port...][/prefix][?options]
//	etcds://host:port[,host:port...][/prefix][?options]
//
// etcds uses TLS, as do the ca, cert and key options with either scheme.
// User and password may come before the hosts (etcd://user:pass@host:port),
// though a password in a URL is visible to other users of the machine.
// Options: ca=FILE (CA bundle verifying the server), cert=FILE and key=FILE
// (client certificate), server-name=NAME, dial-timeout=DURATION and
// request-timeout=DURATION (Go durations such as 3s). The path, when
// present, is Config.Prefix. A port left out is etcd's 2379.
func ParseURL(raw string) (Config, error) {
	var cfg Config
	fail := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("storage URL %s: %s", redact(raw), fmt.Sprintf(format, args...))
	}
	scheme, rest, found := strings.Cut(raw, "://")
	if !found || (scheme != "etcd" && scheme != "etcds") {
		return fail("want etcd://host:port or etcds://host:port")
	}
	// The host list is parsed here, not by net/url, which accepts only
	// one host.
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo := authority[:i]
		authority = authority[i+1:]
		user, pass, _ := strings.Cut(userinfo, ":")
		var err error
		if cfg.Username, err = url.PathUnescape(user); err != nil {
			return fail("user name: %v", err)
		}
		if cfg.Password, err = url.PathUnescape(pass); err != nil {
			return fail("password is not URL-encoded properly")
		}
		if cfg.Username == "" {
			return fail("empty user name before @")
		}
	}
	if authority == "" {
		return fail("no etcd host")
	}
	for _, h := range strings.Split(authority, ",") {
		ep, err := endpoint(h)
		if err != nil {
			return fail("%v", err)
		}
		cfg.Endpoints = append(cfg.Endpoints, ep)
	}
	u, err := url.Parse("etcd://x" + tail)
	if err != nil {
		return fail("%v", err)
	}
	if u.Fragment != "" {
		return fail("unexpected fragment #%s", u.Fragment)
	}
	if u.Path != "" && u.Path != "/" {
		cfg.Prefix = strings.TrimSuffix(u.Path, "/")
	}
	if scheme == "etcds" {
		cfg.TLS = &TLS{}
	}
	tlsOpt := func() *TLS {
		if cfg.TLS == nil {
			cfg.TLS = &TLS{}
		}
		return cfg.TLS
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fail("options: %v", err)
	}
	for name, values := range query {
		v := values[len(values)-1]
		if v == "" {
			return fail("option %s has no value", name)
		}
		switch name {
		case "ca":
			tlsOpt().CAFile = v
		case "cert":
			tlsOpt().CertFile = v
		case "key":
			tlsOpt().KeyFile = v
		case "server-name":
			tlsOpt().ServerName = v
		case "dial-timeout", "request-timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fail("%s=%s: want a positive duration such as 5s", name, v)
			}
			if name == "dial-timeout" {
				cfg.DialTimeout = d
			} else {
				cfg.RequestTimeout = d
			}
		default:
			return fail("unknown option %q (known: ca, cert, key, server-name, dial-timeout, request-timeout)", name)
		}
	}
	if err := cfg.validate(); err != nil {
		return fail("%v", err)
	}
	return cfg, nil
}

// endpoint checks one host[:port] of a URL and adds the default port.
func endpoint(h string) (string, error) {
	if h == "" {
		return "", errors.New("empty host in the host list")
	}
	host, port, err := net.SplitHostPort(h)
	if err != nil {
		// No port: a bare host or a bracketed IPv6 address.
		host, port = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"), "2379"
		if strings.HasPrefix(h, "[") != strings.HasSuffix(h, "]") || strings.ContainsAny(host, "[]") {
			return "", fmt.Errorf("host %q is not host or host:port", h)
		}
	}
	if host == "" {
		return "", fmt.Errorf("host %q has no host name", h)
	}
	if p, err := net.LookupPort("tcp", port); err != nil || p == 0 {
		return "", fmt.Errorf("host %q: bad port %q", h, port)
	}
	return net.JoinHostPort(host, port), nil
}

// redact hides a password in a URL shown in an error.
func redact(raw string) string { return storage.RedactURL(raw, "xxxxx") }

// validate checks what can be checked without touching the network or the
// file system.
func (c *Config) validate() error {
	if len(c.Endpoints) == 0 {
		return errors.New("no etcd endpoints")
	}
	for _, ep := range c.Endpoints {
		if ep == "" {
			return errors.New("empty etcd endpoint")
		}
	}
	if (c.Username == "") != (c.Password == "") {
		return errors.New("etcd user name and password go together; one of them is empty")
	}
	if c.Prefix != "" && (!strings.HasPrefix(c.Prefix, "/") || strings.HasSuffix(c.Prefix, "/")) {
		return fmt.Errorf("key prefix %q must start with / and not end with one", c.Prefix)
	}
	if c.TLS != nil && (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return fmt.Errorf("TLS client certificate %q and key %q go together; one of them is empty", c.TLS.CertFile, c.TLS.KeyFile)
	}
	return nil
}

// tlsConfig loads the files c.TLS names; errors name the file at fault.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if c.TLS == nil {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLS.ServerName}
	if f := c.TLS.CAFile; f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("etcd TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd TLS CA file %s: no PEM certificate in it", f)
		}
		tc.RootCAs = pool
	}
	if c.TLS.CertFile != "" {
		for _, f := range []string{c.TLS.CertFile, c.TLS.KeyFile} {
			// Reading first gives "open FILE: no such file" errors that
			// name the file; LoadX509KeyPair alone does not say which one.
			if _, err := os.Stat(f); err != nil {
				return nil, fmt.Errorf("etcd TLS client certificate: %w", err)
			}
		}
		cert, err := tls.LoadX509KeyPair(c.TLS.CertFile, c.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("etcd TLS client certificate %s with key %s: %w", c.TLS.CertFile, c.TLS.KeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// String describes the config for messages, without the password.
func (c Config) String() string {
	s := strings.Join(c.Endpoints, ",")
	if c.Prefix != "" {
		s += " (prefix " + c.Prefix + ")"
	}
	return "etcd " + s
}
