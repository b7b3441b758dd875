package core

import (
	"os"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/registry"
)

func defaultScheme() *runtime.Scheme { return coretypes.NewScheme() }

// defaultRegistry holds the built-in types and, unless SkipPlugins, the
// plugin types discovered in opts.PluginPaths (or discovery.DefaultPaths
// of the working directory). Discovery scans nothing until a lookup misses
// the built-in types, so commands on built-in kinds never read manifests.
func defaultRegistry(opts Options) (*registry.Registry, *discovery.Discovery, error) {
	var (
		source registry.Source
		d      *discovery.Discovery
	)
	if !opts.SkipPlugins {
		paths := opts.PluginPaths
		if len(paths) == 0 {
			wd, err := os.Getwd()
			if err != nil {
				wd = "."
			}
			paths = discovery.DefaultPaths(wd)
		}
		d = discovery.New(discovery.Options{Paths: paths, CacheDir: opts.DiscoveryCacheDir})
		source = d
	}
	r := registry.New(source)
	if err := r.Add(coretypes.Types()...); err != nil {
		return nil, nil, err
	}
	return r, d, nil
}
