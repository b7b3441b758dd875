package cliruntime_test

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/clitest"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/discovery"
)

//go:embed testdata/brand/tasks-crd.yaml
var tasksCRD []byte

// todoMain is a tool of its own built on cliruntime, as a user builds
// one: its name, its environment prefix and data file, a type compiled
// in from its CRD, no plugin directories, no etcd, no tenants, and a
// command of its own in the same tree.
func todoMain() int {
	types, err := discovery.CRDTypes("tasks-crd.yaml", tasksCRD)
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c := cliruntime.New("todo", "v1.2.3", open.Options{Client: core.Options{Types: types}}.Session)
	c.Brand = cliruntime.Brand{
		Short:           "todo keeps your tasks",
		ExampleResource: "tasks",
		Without:         cliruntime.PluginDirs | cliruntime.StorageURL | cliruntime.Tenants,
	}
	c.Commands = func(c *cliruntime.CLI) []*cobra.Command { return []*cobra.Command{newDoneCommand(c)} }
	return c.Execute(os.Args[1:])
}

// newDoneCommand marks tasks done, one write each, as a tool's own verb
// would: through the session's client, under RunE's work tracking.
func newDoneCommand(c *cliruntime.CLI) *cobra.Command {
	return &cobra.Command{
		Use:   "done NAME...",
		Short: "Mark tasks done",
		Args:  cobra.MinimumNArgs(1),
		RunE: c.RunE(func(cmd *cobra.Command, args []string) error {
			s, err := c.Session(cmd.Context())
			if err != nil {
				return err
			}
			ctx, cancel, err := c.RequestContext(cmd.Context())
			if err != nil {
				return err
			}
			defer cancel()
			for _, name := range args {
				if c.Interrupted(cmd.Context()) {
					return nil
				}
				u := &unstructured.Unstructured{}
				u.SetAPIVersion("todo.example.com/v1")
				u.SetKind("Task")
				u.SetNamespace(c.Flags.NamespaceOrDefault())
				u.SetName(name)
				patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"done":true}}`))
				if err := s.Client.Patch(ctx, u, patch); err != nil {
					return err
				}
				_, _ = fmt.Fprintf(c.Out, "task.todo.example.com/%s done\n", name)
			}
			return nil
		}),
	}
}

// TestBrandedProgram runs a tool built on cliruntime under its own name:
// testdata/brand/*.txtar.
func TestBrandedProgram(t *testing.T) {
	p := clitest.Params(t, filepath.Join("testdata", "brand"), map[string]string{"TODO_DATA": "", "TODO_NAMESPACE": ""})
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		// A k1s project directory must mean nothing to todo.
		return os.MkdirAll(filepath.Join(env.WorkDir, ".todo"), 0o755)
	}
	testscript.Run(t, p)
}
