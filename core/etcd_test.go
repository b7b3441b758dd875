package core_test

import (
	"testing"

	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// TestConformanceEtcd runs the client conformance suite against a real
// etcd server (embedded in the test process), each case on a fresh key
// prefix of the one server: the same suite, unchanged, as memory and
// SQLite.
func TestConformanceEtcd(t *testing.T) {
	srv := etcdtest.Start(t)
	coretest.Run(t, func(t *testing.T) storage.Interface {
		return srv.NewStore(t)
	})
}
