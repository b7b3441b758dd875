package etcd_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/k1s-dev/k1s/storage/etcd"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// srv is the etcd every test of the package shares; each store gets a key
// prefix of its own, so stores never see each other's keys. Tests that
// stop, restart or reconfigure etcd start a server of their own.
var srv *etcdtest.Server

func TestMain(m *testing.M) {
	var err error
	srv, err = etcdtest.New(etcdtest.Options{})
	if err != nil {
		// Never a skip: without etcd these tests prove nothing.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

var storeSeq atomic.Int64

// newStore returns a store on srv under a key prefix no other store uses.
func newStore(t testing.TB) *etcd.Store {
	t.Helper()
	return newStoreOn(t, srv, etcd.Config{})
}

// newStoreOn opens a store on server with cfg, filling in the endpoint
// and a fresh prefix.
func newStoreOn(t testing.TB, server *etcdtest.Server, cfg etcd.Config) *etcd.Store {
	t.Helper()
	cfg.Endpoints = []string{server.Endpoint()}
	if cfg.Prefix == "" {
		cfg.Prefix = fmt.Sprintf("/k1s-test-%d", storeSeq.Add(1))
	}
	s, err := etcd.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("etcd.New(%s): %v", server.Endpoint(), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
