package etcdopen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/cliruntime/open/etcdopen"
	"github.com/k1s-dev/k1s/storage/etcd/etcdtest"
)

func TestSessionOpensEtcdAndSQLite(t *testing.T) {
	srv := etcdtest.Start(t)
	dir := t.TempDir()
	t.Setenv("K1S_CACHE_DIR", t.TempDir())
	for _, flags := range []cliruntime.GlobalFlags{
		{Storage: srv.URL(), Tenant: "etcdopen-test", WorkDir: dir},
		{Data: filepath.Join(dir, "k1s.db"), WorkDir: dir},
	} {
		s, err := etcdopen.Session(context.Background(), &flags)
		if err != nil {
			t.Fatalf("%+v: %v", flags, err)
		}
		if _, err := s.Registry.ResolveOne("configmaps"); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := etcdopen.Open(context.Background(), "etcd://"); err == nil {
		t.Error("Open(etcd://) opened a store")
	}
}

func TestCLIClearsTheHandOffMark(t *testing.T) {
	t.Setenv(open.EnvHandedOff, "/bin/k1s-etcd")
	if c := etcdopen.CLI("v1"); c.Name != "k1s" || c.Version != "v1" || c.Open == nil || c.Handoff != nil {
		t.Errorf("CLI = %+v", c)
	}
	if v, ok := os.LookupEnv(open.EnvHandedOff); ok {
		t.Errorf("%s = %q after CLI, want it unset", open.EnvHandedOff, v)
	}
}
