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
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/registry"
	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
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
// (ConfigMap, Event, ...) and Task.
func Scheme() (*runtime.Scheme, error) {
	s := coretypes.NewScheme()
	if err := todov1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// Registry returns the resource types todo knows: the built-in ones and
// Task as its embedded CRD declares it (schema, defaults, printer
// columns, scope, short names). An error means the embedded CRD is
// broken, a mistake of the build, not of the user.
func Registry() (*registry.Registry, error) {
	tasks, err := discovery.CRDTypesFS(todov1.CRDs)
	if err != nil {
		return nil, fmt.Errorf("the CRD compiled into %s: %w", Name, err)
	}
	r := registry.New(nil)
	if err := r.Add(coretypes.Types()...); err != nil {
		return nil, err
	}
	if err := r.Add(tasks...); err != nil {
		return nil, err
	}
	return r, nil
}

// CoreOptions returns the CoreClient options over store for the tenant
// the flags name: todo's scheme and registry, and no plugin directory.
func CoreOptions(store storage.Interface, flags *cliruntime.GlobalFlags) (core.Options, error) {
	scheme, err := Scheme()
	if err != nil {
		return core.Options{}, err
	}
	reg, err := Registry()
	if err != nil {
		return core.Options{}, err
	}
	return core.Options{Storage: store, Scheme: scheme, Registry: reg, Tenant: flags.Tenant, FieldManager: Name}, nil
}

// OpenStore opens the store the flags select: --storage, else --data,
// else DataFile in DataDir of the working directory.
func OpenStore(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error) {
	if flags.Data == "" && flags.Storage == "" {
		wd := flags.WorkDir
		if wd == "" {
			var err error
			if wd, err = os.Getwd(); err != nil {
				return nil, err
			}
		}
		flags.Data = filepath.Join(wd, DataDir, DataFile)
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
	opts, err := CoreOptions(store, flags)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	c, err := core.New(opts)
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
