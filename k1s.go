package k1s

import (
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
)

// CoreClientOptions configure NewCoreClient; see core.Options.
type CoreClientOptions = core.Options

// NewCoreClient returns the tier 1 client: reads and writes go straight
// to opts.Storage with API server semantics, and nothing runs in the
// background. Only opts.Storage is required; the built-in types and the
// plugin types found in the plugin paths are known by default.
func NewCoreClient(opts CoreClientOptions) (client.Client, error) {
	c, err := core.New(opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}
