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

// EtcdOpener opens the etcd store of an etcd:// or etcds:// URL.
type EtcdOpener func(ctx context.Context, url string) (storage.Interface, error)

// Options say which backends a session factory can open beyond SQLite.
// The etcd client (gRPC, protobuf, 10 MB of binary and 6 ms of package
// initialisation) is not linked by this package: a program that wants
// etcd passes its opener (package etcdopen has one), and cmd/k1s, which
// does not, hands etcd:// commands to its companion k1s-etcd instead
// (see ExecCompanion).
type Options struct {
	// Etcd opens etcd stores; nil makes an etcd:// --storage an error
	// naming EtcdCompanion.
	Etcd EtcdOpener
	// Client is the template of the CoreClient a Session opens: a
	// program's Scheme with its Go types, its compiled-in Types (the
	// registry types of its embedded CRDs, discovery.CRDTypesFS), its
	// Admission hooks, its FieldManager. Storage, PluginPaths, Tenant and
	// DiscoveryCacheDir come from the flags and are set by Session.
	Client core.Options
}

// IsEtcdURL reports whether a --storage value names an etcd cluster.
func IsEtcdURL(s string) bool {
	return strings.HasPrefix(s, "etcd://") || strings.HasPrefix(s, "etcds://")
}

// Storage opens the SQLite file of --data (created, with its directory,
// on first use); etcd:// storage is an error, this build having no etcd
// client. It is Options{}.Storage.
func Storage(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	return Options{}.Storage(ctx, flags)
}

// Session is Options{}.Session: SQLite only.
func Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	return Options{}.Session(ctx, flags)
}

// Storage opens the backend the flags select: etcd for an etcd:// or
// etcds:// --storage URL, else the SQLite file of --data (created, with
// its directory, on first use).
func (o Options) Storage(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	if flags.Storage != "" {
		if !IsEtcdURL(flags.Storage) {
			return nil, fmt.Errorf("unsupported --storage %q: expected etcd://host:port[,host:port] or etcds://host:port[,host:port]", flags.Storage)
		}
		if o.Etcd == nil {
			return nil, fmt.Errorf("--storage %s: this program has no etcd client; %s, built and installed with k1s, is the one that opens etcd", cliruntime.RedactURL(flags.Storage), EtcdCompanion)
		}
		return o.Etcd(ctx, flags.Storage)
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

// Session opens the store and a CoreClient over it whose plugin types
// are the CLI's: those of the flags' plugin directories (--plugins-dir
// or K1S_PLUGIN_PATH, the project's .k1s/plugins, the per-user
// directory), their parse cached in the per-user cache directory. This
// is the CLI's policy; core.New itself reads and writes nothing it is
// not told to. It is a cliruntime.SessionFactory.
func (o Options) Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	store, err := o.Storage(ctx, flags)
	if err != nil {
		return nil, err
	}
	opts := o.Client
	opts.Storage, opts.PluginPaths, opts.Tenant = store, flags.PluginPaths(), flags.Tenant
	if len(opts.PluginPaths) > 0 {
		opts.DiscoveryCacheDir = flags.CacheDir()
	}
	c, err := core.New(opts)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	s := &cliruntime.Session{Client: c, Registry: c.Registry(), Close: store.Close}
	if d := c.Discovery(); d != nil {
		// Every command reports broken manifests, whatever types it
		// uses: the scan is cheap when the discovery cache is warm.
		s.Warnings = d.ScanWarnings
	}
	return s, nil
}
