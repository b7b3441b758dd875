package open

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// Storage opens the backend the flags select: etcd for an etcd:// or
// etcds:// --storage URL, else the SQLite file of --data (created, with
// its directory, on first use).
func Storage(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	if flags.Storage != "" {
		if !strings.HasPrefix(flags.Storage, "etcd://") && !strings.HasPrefix(flags.Storage, "etcds://") {
			return nil, fmt.Errorf("unsupported --storage %q: expected etcd://host:port[,host:port] or etcds://host:port[,host:port]", flags.Storage)
		}
		return openEtcd(ctx, flags.Storage)
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

// Session opens the store and a CoreClient over it. It is a
// cliruntime.SessionFactory.
func Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	store, err := Storage(ctx, flags)
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
	// Discovery is never nil here: only SkipPlugins, which we do not set,
	// leaves the default registry without it. Every command reports broken
	// manifests, whatever types it uses: the scan is cheap when the
	// discovery cache is warm.
	return &cliruntime.Session{Client: c, Registry: c.Registry(), Close: store.Close, Warnings: c.Discovery().ScanWarnings}, nil
}
