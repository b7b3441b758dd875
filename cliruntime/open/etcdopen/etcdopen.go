// Package etcdopen links the etcd client into a k1s command line: its
// Session opens SQLite files and etcd:// stores alike. It is what
// cmd/k1s-etcd, the companion cmd/k1s hands etcd:// commands to, is
// built from; a CLI that wants etcd in one binary can use it as its
// cliruntime.SessionFactory. Package open itself stays free of etcd's
// client, gRPC and protobuf so that a binary without etcd does not pay
// for their initialisation at every start.
package etcdopen

import (
	"context"
	"os"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/plugins/plugincli"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd"
	// The full CLI checks x-kubernetes-validations rules: the lean one
	// hands it the commands that write.
	_ "github.com/k1s-dev/k1s/structural/celrules"
)

// Open opens the etcd store of an etcd:// or etcds:// URL; it is an
// open.EtcdOpener.
func Open(ctx context.Context, url string) (storage.Interface, error) {
	cfg, err := etcd.ParseURL(url)
	if err != nil {
		return nil, err
	}
	return etcd.New(ctx, cfg)
}

// Session opens SQLite or etcd, as the flags say; it is a
// cliruntime.SessionFactory.
func Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	return open.Options{Etcd: Open}.Session(ctx, flags)
}

// CLI returns the k1s command line with etcd support: cmd/k1s-etcd's
// main. It clears the hand-off mark (open.EnvHandedOff) so that the
// programs the command runs (an editor, say) do not inherit it.
func CLI(version string) *cliruntime.CLI {
	_ = os.Unsetenv(open.EnvHandedOff)
	// The same plugin commands and hooks as cmd/k1s, whose etcd://
	// commands land here.
	p := plugincli.New()
	p.Storage = open.Options{Etcd: Open}.Storage
	c := cliruntime.New("k1s", version, p.Session)
	c.Commands = p.Commands
	return c
}
