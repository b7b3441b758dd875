package k1s

import (
	"github.com/k1s-dev/k1s/core"
	// The library checks x-kubernetes-validations rules: the CEL engine.
	_ "github.com/k1s-dev/k1s/structural/celrules"
)

// CoreClientOptions configure NewCoreClient; see core.Options. Only
// Storage is required. The types known are the built-in ones, plus the
// plugin types of the manifest directories named in PluginPaths (with
// their parse cached in DiscoveryCacheDir when set), or those of a
// Registry of the caller's: nothing is read or written that the options
// do not name.
type CoreClientOptions = core.Options

// CoreClient is tier 1: a client.Client over a store with the API
// server's semantics, plus what a command line needs beside the Client
// interface — its Registry (type resolution, print columns, schemas),
// Discovery (manifest warnings), Storage and Tenant.
type CoreClient = core.Client

// NewCoreClient returns the tier 1 client: reads and writes go straight
// to opts.Storage with API server semantics, and nothing runs in the
// background.
//
// It returns the concrete client, not the client.Client interface, so
// that callers reach Registry and Discovery without a type assertion;
// code that only reads and writes objects takes a client.Client as
// before.
func NewCoreClient(opts CoreClientOptions) (*CoreClient, error) {
	return core.New(opts)
}
