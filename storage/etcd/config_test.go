package etcd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/k1s-dev/k1s/storage/etcd"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want etcd.Config
	}{
		{"etcd://127.0.0.1:2379", etcd.Config{Endpoints: []string{"127.0.0.1:2379"}}},
		{"etcd://a:1,b:2,c", etcd.Config{Endpoints: []string{"a:1", "b:2", "c:2379"}}},
		{"etcd://[::1]:2379,[::1]", etcd.Config{Endpoints: []string{"[::1]:2379", "[::1]:2379"}}},
		{"etcd://h:1/team-a", etcd.Config{Endpoints: []string{"h:1"}, Prefix: "/team-a"}},
		{"etcd://h:1/team-a/", etcd.Config{Endpoints: []string{"h:1"}, Prefix: "/team-a"}},
		{"etcd://h:1/", etcd.Config{Endpoints: []string{"h:1"}}},
		{"etcd://alice:s%40cret@h:1", etcd.Config{Endpoints: []string{"h:1"}, Username: "alice", Password: "s@cret"}},
		{"etcds://h:1", etcd.Config{Endpoints: []string{"h:1"}, TLS: &etcd.TLS{}}},
		{"etcd://h:1?ca=/c.pem&cert=/x.pem&key=/x-key.pem&server-name=etcd.local", etcd.Config{
			Endpoints: []string{"h:1"},
			TLS:       &etcd.TLS{CAFile: "/c.pem", CertFile: "/x.pem", KeyFile: "/x-key.pem", ServerName: "etcd.local"},
		}},
		{"etcds://h:1/p?dial-timeout=2s&request-timeout=1m", etcd.Config{
			Endpoints: []string{"h:1"}, Prefix: "/p", TLS: &etcd.TLS{},
			DialTimeout: 2 * time.Second, RequestTimeout: time.Minute,
		}},
	}
	for _, tc := range tests {
		got, err := etcd.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("ParseURL(%q) mismatch (-want +got):\n%s", tc.url, d)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		url  string
		want string // a part of the error message
	}{
		{"http://h:1", "want etcd://host:port"},
		{"h:1", "want etcd://host:port"},
		{"etcd://", "no etcd host"},
		{"etcd:///prefix", "no etcd host"},
		{"etcd://a:1,,b:2", "empty host"},
		{"etcd://:2379", "no host name"},
		{"etcd://h:99999", `bad port "99999"`},
		{"etcd://h:x", `bad port "x"`},
		{"etcd://[h", "is not host or host:port"},
		{"etcd://:pw@h:1", "empty user name"},
		{"etcd://al%zz:pw@h:1", "user name"},
		{"etcd://alice:p%zz@h:1", "password is not URL-encoded"},
		{"etcd://alice@h:1", "user name and password go together"},
		{"etcd://h:1?cert=/c.pem", "go together"},
		{"etcd://h:1?color=blue", `unknown option "color"`},
		{"etcd://h:1?dial-timeout=soon", "dial-timeout=soon: want a positive duration"},
		{"etcd://h:1?request-timeout=-1s", "request-timeout=-1s"},
		{"etcd://h:1#frag", "unexpected fragment"},
		{"etcd://h:1?ca=%zz", "options: invalid URL escape"},
		{"etcd://h:1/%zz", "invalid URL escape"},
		{"etcd://h:1/a//", "must start with / and not end with one"},
	}
	for _, tc := range tests {
		_, err := etcd.ParseURL(tc.url)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseURL(%q) = %v, want an error containing %q", tc.url, err, tc.want)
		}
	}
}

func TestParseURLHidesPassword(t *testing.T) {
	for _, raw := range []string{"etcd://alice:hunter2@h:1?color=blue", "etcd://alice:hunter2@h:1/p?x=1"} {
		_, err := etcd.ParseURL(raw)
		if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "alice:xxxxx@h:1") {
			t.Errorf("ParseURL(%q) error %v: want the password masked", raw, err)
		}
	}
	cfg, err := etcd.ParseURL("etcd://alice:hunter2@h:1,i:2/p")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.String(); strings.Contains(s, "hunter2") || s != "etcd h:1,i:2 (prefix /p)" {
		t.Errorf("Config.String() = %q", s)
	}
}

// TestConfigErrors checks that New rejects a bad Config before any
// network traffic, naming what is wrong, and for TLS the file at fault.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	ep := []string{srv.Endpoint()}
	tests := []struct {
		name string
		cfg  etcd.Config
		want []string
	}{
		{"no endpoints", etcd.Config{}, []string{"no etcd endpoints"}},
		{"empty endpoint", etcd.Config{Endpoints: []string{""}}, []string{"empty etcd endpoint"}},
		{"password without user", etcd.Config{Endpoints: ep, Password: "x"}, []string{"user name and password"}},
		{"bad prefix", etcd.Config{Endpoints: ep, Prefix: "k1s"}, []string{`prefix "k1s"`}},
		{"missing CA", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{CAFile: missing}}, []string{"CA file", missing}},
		{"CA not PEM", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{CAFile: notPEM}}, []string{"CA file", notPEM, "no PEM certificate"}},
		{"missing cert", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{CertFile: missing, KeyFile: notPEM}}, []string{"client certificate", missing}},
		{"missing key", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{CertFile: notPEM, KeyFile: missing}}, []string{"client certificate", missing}},
		{"bad pair", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{CertFile: notPEM, KeyFile: notPEM}}, []string{notPEM + " with key " + notPEM}},
		{"key without cert", etcd.Config{Endpoints: ep, TLS: &etcd.TLS{KeyFile: notPEM}}, []string{"go together"}},
	}
	for _, tc := range tests {
		s, err := etcd.New(context.Background(), tc.cfg)
		if err == nil {
			_ = s.Close()
			t.Errorf("%s: New succeeded", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

func TestOpen(t *testing.T) {
	s, err := etcd.Open(t.Context(), "etcd://"+srv.Endpoint()+"/open-test?dial-timeout=30s")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if _, err := s.CurrentRevision(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := etcd.Open(t.Context(), "etcd://h:1?ca"); err == nil || !strings.Contains(err.Error(), "option ca has no value") {
		t.Errorf("Open of a bad URL: %v", err)
	}
}
