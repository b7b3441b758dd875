// Package app is what both of the todo example's programs share: the
// Task type compiled in from its CRD, the scheme and registry, the store
// the flags select and the todo CLI. It links k1s's lean tier only (the
// CoreClient and cliruntime), never controller-runtime: cmd/todo stays a
// one-shot program that starts in milliseconds, and cmd/todo-controller
// adds the reconciler on top (see internal/controller).
package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/discovery"
	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Name is the program name, in help, messages and the data directory.
const Name = "todo"

// DataDir is the directory, relative to where todo runs, of its default
// store DataFile.
const (
	DataDir  = ".todo"
	DataFile = "todo.db"
)

// Scheme returns the Go types todo knows: the built-in core/v1 kinds
// (ConfigMap, Event, ...) and Task. They are fixed at build time, so a
// failure is a broken build, not a user's mistake: it panics.
func Scheme() *runtime.Scheme {
	s := coretypes.NewScheme()
	utilruntime.Must(todov1.AddToScheme(s))
	return s
}

// Registry returns the resource types todo knows: the built-in ones and
// Task as its embedded CRD declares it (schema, defaults, printer
// columns, scope, short names). The CRD is compiled in: if it is broken
// the build is, and Registry panics with the CRD's error (the tests of
// this package catch it before anyone runs todo).
func Registry() *registry.Registry {
	tasks, err := discovery.CRDTypesFS(todov1.CRDs)
	if err != nil {
		panic(fmt.Sprintf("the CRD compiled into %s: %v", Name, err))
	}
	r := registry.New(nil)
	utilruntime.Must(r.Add(append(coretypes.Types(), tasks...)...))
	return r
}

// CoreOptions returns the CoreClient options over store for the tenant
// the flags name: todo's scheme and registry, and no plugin directory.
func CoreOptions(store storage.Interface, flags *cliruntime.GlobalFlags) core.Options {
	return core.Options{Storage: store, Scheme: Scheme(), Registry: Registry(), Tenant: flags.Tenant, FieldManager: Name}
}

// OpenStore opens the store the flags select: --storage, else --data,
// else DataFile in DataDir of the working directory.
func OpenStore(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	if flags.Data == "" && flags.Storage == "" {
		flags.Data = filepath.Join(flags.WorkDir, DataDir, DataFile)
	}
	return open.Storage(ctx, flags)
}

// Session is todo's cliruntime.SessionFactory: its store and a
// CoreClient that knows Task.
func Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	store, err := OpenStore(ctx, flags)
	if err != nil {
		return nil, err
	}
	c, err := core.New(CoreOptions(store, flags))
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return &cliruntime.Session{Client: c, Registry: c.Registry(), Close: store.Close}, nil
}

// NewCLI returns the todo command line: every kubectl-style verb of
// cliruntime over todo's store, with commands of the program's own.
func NewCLI(version string, commands func(c *cliruntime.CLI) []*cobra.Command) *cliruntime.CLI {
	c := cliruntime.New(Name, version, Session)
	c.Commands = commands
	return c
}
