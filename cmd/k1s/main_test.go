package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime/clitest"
	"github.com/k1s-dev/k1s/cliruntime/open/etcdopen"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

// TestMain makes this test binary double as the k1s binary: scripts run
// "k1s" as a separate process (testscript copies the binary into PATH),
// so every script exercises the real command line, exit codes and
// streams, and coverage of main and cliruntime is still collected. It
// doubles as the etcd companion too (cmd/k1s-etcd's main is this one
// line), which "k1s" execs for the etcd scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"k1s":      main,
		"k1s-etcd": func() { os.Exit(etcdopen.CLI(version).Execute(os.Args[1:])) },
	})
}

// TestScripts runs testdata/*.txtar against the embedded SQLite store.
func TestScripts(t *testing.T) {
	testscript.Run(t, clitest.Params(t, "testdata", nil))
}

// TestEtcdScripts runs testdata/etcd/*.txtar against a real etcd server
// started for the test; $ETCD is its etcd:// URL. Scripts share the
// server, so each uses its own --tenant.
func TestEtcdScripts(t *testing.T) {
	srv := etcdtest.Start(t)
	testscript.Run(t, clitest.Params(t, filepath.Join("testdata", "etcd"), map[string]string{"ETCD": srv.URL()}))
}
