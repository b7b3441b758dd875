package etcdtest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/k1s-dev/k1s/storage/etcd"
)

var storeSeq atomic.Int64

// NewStore opens an etcd storage backend on the server under a key prefix
// no other store of this process uses, so each store starts empty, and
// closes it when t ends. It is what a conformance suite's constructor
// needs:
//
//	srv := etcdtest.Start(t)
//	coretest.Run(t, func(t *testing.T) storage.Interface { return srv.NewStore(t) })
func (s *Server) NewStore(t testing.TB) *etcd.Store {
	t.Helper()
	st, err := etcd.New(context.Background(), s.StoreConfig(fmt.Sprintf("/etcdtest-%d", storeSeq.Add(1))))
	if err != nil {
		t.Fatalf("etcdtest: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// StoreConfig is the etcd backend's Config for this server with the given
// key prefix ("" for none), credentials and TLS files included.
func (s *Server) StoreConfig(prefix string) etcd.Config {
	cfg := etcd.Config{Endpoints: []string{s.Endpoint()}, Prefix: prefix, DialTimeout: startTimeout}
	if s.opts.RootPassword != "" {
		cfg.Username, cfg.Password = "root", s.opts.RootPassword
	}
	if c := s.opts.TLS; c != nil {
		cfg.TLS = &etcd.TLS{CAFile: c.CAFile, CertFile: c.ClientCert, KeyFile: c.ClientKey}
	}
	return cfg
}
