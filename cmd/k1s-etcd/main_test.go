package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime/clitest"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// TestMain makes this test binary double as k1s-etcd, run by the scripts
// as a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"k1s-etcd": main})
}

// TestScripts runs testdata/*.txtar with k1s-etcd named directly (cmd/k1s's
// etcd scripts reach it through k1s's hand-off); $ETCD is a real etcd.
func TestScripts(t *testing.T) {
	srv := etcdtest.Start(t)
	testscript.Run(t, clitest.Params(t, "testdata", map[string]string{"ETCD": srv.URL()}))
}
