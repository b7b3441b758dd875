package core

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

func defaultScheme() (*runtime.Scheme, error) {
	return coretypes.NewScheme(), nil
}

// defaultRegistry holds the built-in types and, unless SkipPlugins, the
// plugin types of opts.PluginPaths, loaded on the first lookup the
// built-in types cannot answer.
func defaultRegistry(opts Options) (*registry.Registry, error) {
	var source registry.Source
	if !opts.SkipPlugins {
		source = pluginSource(opts)
	}
	r := registry.New(source)
	if err := r.Add(coretypes.Types()...); err != nil {
		return nil, err
	}
	return r, nil
}

// pluginSource is replaced by discovery once it is available.
func pluginSource(Options) registry.Source { return nil }
