package core

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/registry"
)

func defaultScheme() *runtime.Scheme { return coretypes.NewScheme() }

// defaultRegistry holds the built-in types and the plugin types of
// opts.PluginPaths. Where plugins come from, and whether their parse is
// cached, is the caller's policy (the CLI's flags and directories, see
// cliruntime/open); a library gets only what it names. Discovery scans
// nothing until a lookup misses the built-in types, so commands on
// built-in kinds never read manifests.
func defaultRegistry(opts Options) (*registry.Registry, *discovery.Discovery, error) {
	var (
		source registry.Source
		d      *discovery.Discovery
	)
	if len(opts.PluginPaths) > 0 {
		cache := opts.DiscoveryCacheDir
		if cache == "" {
			cache = "-" // discovery's "no cache"; its own default is the user's cache directory
		}
		d = discovery.New(discovery.Options{Paths: opts.PluginPaths, CacheDir: cache})
		source = d
	}
	r := registry.New(source)
	if err := r.Add(coretypes.Types()...); err != nil {
		return nil, nil, err
	}
	if err := r.Add(opts.Types...); err != nil {
		return nil, nil, fmt.Errorf("core.New: Options.Types: %w", err)
	}
	return r, d, nil
}
