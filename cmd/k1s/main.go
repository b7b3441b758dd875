package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/etcd"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() { os.Exit(run()) }

func run() int {
	return cliruntime.New("k1s", version, openSession).Execute(os.Args[1:])
}

// openStorage opens the backend the flags select: etcd for an etcd://
// --storage URL, else the SQLite file of --data (created with its
// directory on first use).
func openStorage(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	if flags.Storage != "" {
		if !strings.HasPrefix(flags.Storage, "etcd://") && !strings.HasPrefix(flags.Storage, "etcds://") {
			return nil, fmt.Errorf("unsupported --storage %q: expected etcd://host:port[,host:port] or etcds://...", flags.Storage)
		}
		cfg, err := etcd.ParseURL(flags.Storage)
		if err != nil {
			return nil, err
		}
		return etcd.New(ctx, cfg)
	}
	path, err := flags.DataPath()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	return sqlite.Open(path)
}

func openSession(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	store, err := openStorage(ctx, flags)
	if err != nil {
		return nil, err
	}
	c, err := core.New(core.Options{
		Storage:           store,
		PluginPaths:       flags.PluginPaths(),
		Tenant:            flags.Tenant,
		DiscoveryCacheDir: flags.CacheDir(),
	})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	warnings := func() []string {
		if d := c.Discovery(); d != nil {
			return d.Warnings()
		}
		return nil
	}
	return &cliruntime.Session{Client: c, Registry: c.Registry(), Close: store.Close, Warnings: warnings}, nil
}
