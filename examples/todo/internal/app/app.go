// Package app is what both of the todo example's programs share: the
// Task type compiled in from its CRD, the scheme, the store the flags
// select and the todo CLI with its Brand. It links k1s's lean tier only (the
// CoreClient and cliruntime), never controller-runtime: cmd/todo stays a
// one-shot program that starts in milliseconds, and cmd/todo-controller
// adds the reconciler on top (see internal/controller).
package app

import (
	"context"
	"fmt"

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
)

// Name is the program name, in help, messages, its environment variables
// (TODO_DATA, TODO_NAMESPACE, ...) and its directories (.todo/todo.db).
const Name = "todo"

// Brand makes the CLI todo's own rather than k1s's: its name, its
// TODO_ variables, its store .todo/todo.db in the nearest project
// directory (else ~/.local/share/todo/todo.db), examples with tasks, and
// no --plugins-dir or --storage: its types are compiled in and its store
// is a SQLite file.
var Brand = cliruntime.Brand{
	Name:            Name,
	Short:           "todo keeps a to-do list of Task objects in a local store, with kubectl's commands",
	ExampleResource: "tasks",
	Without:         cliruntime.PluginDirs | cliruntime.StorageURL,
}

// Scheme returns the Go types todo knows: the built-in core/v1 kinds
// (ConfigMap, Event, ...) and Task. They are fixed at build time, so a
// failure is a broken build, not a user's mistake: it panics.
func Scheme() *runtime.Scheme {
	s := coretypes.NewScheme()
	utilruntime.Must(todov1.AddToScheme(s))
	return s
}

// Types returns the resource type of Task as its embedded CRD declares
// it (schema, defaults, printer columns, scope, short names), for the
// CoreClient to add to the built-in ones. The CRD is compiled in: if it
// is broken the build is, and Types panics with the CRD's error (the
// tests of this package catch it before anyone runs todo).
func Types() []registry.Type {
	tasks, err := discovery.CRDTypesFS(todov1.CRDs)
	if err != nil {
		panic(fmt.Sprintf("the CRD compiled into %s: %v", Name, err))
	}
	return tasks
}

// CoreOptions returns the CoreClient options of todo, without the store:
// its scheme and its compiled-in types.
func CoreOptions() core.Options {
	return core.Options{Scheme: Scheme(), Types: Types()}
}

// Session is todo's cliruntime.SessionFactory: the store the flags
// select and a CoreClient that knows Task.
func Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	return open.Options{Client: CoreOptions()}.Session(ctx, flags)
}

// NewCLI returns the todo command line: every kubectl-style verb of
// cliruntime over todo's store, with commands of the program's own.
func NewCLI(version string, commands func(c *cliruntime.CLI) []*cobra.Command) *cliruntime.CLI {
	c := cliruntime.New(Name, version, Session)
	c.Brand = Brand
	c.Commands = commands
	return c
}
