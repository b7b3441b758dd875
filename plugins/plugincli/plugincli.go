// Package plugincli gives a k1s-style CLI its plugin commands — plugins
// list, plugins inspect, reconcile — and a session whose writes run the
// plugins' admission hooks. It is apart from cliruntime because it links
// the WASM runtime, which cliruntime (and so a program that does not want
// plugins) must not.
package plugincli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/storage"
)

// Plugins holds the CLI's plugin manager, created with its session.
type Plugins struct {
	// Storage opens the session's store; nil is open.Storage (SQLite
	// only). cmd/k1s-etcd sets it to an opener that knows etcd, so that a
	// command handed to the companion runs the same plugin hooks.
	Storage func(ctx context.Context, flags *cliruntime.GlobalFlags) (storage.Interface, error)
	manager *plugins.Manager
}

// New returns the plugin side of a CLI: set cli.Open to p.Session and
// cli.Commands to p.Commands.
func New() *Plugins { return &Plugins{} }

// managerFor returns the manager of the flags' plugin directories; it
// reads nothing until used.
func (p *Plugins) managerFor(flags *cliruntime.GlobalFlags) *plugins.Manager {
	if p.manager == nil {
		opts := plugins.Options{Paths: flags.PluginPaths()}
		if dir := flags.CacheDir(); dir != "" {
			opts.CompilationCacheDir = filepath.Join(dir, "wazero")
		}
		p.manager = plugins.New(opts)
	}
	return p.manager
}

// Session is open.Session with the plugins' admission hooks in the
// CoreClient's write path. The manager reads no manifest until a write
// asks for hooks: `k1s get` pays nothing for plugins.
func (p *Plugins) Session(ctx context.Context, flags *cliruntime.GlobalFlags) (*cliruntime.Session, error) {
	openStore := p.Storage
	if openStore == nil {
		openStore = open.Storage
	}
	store, err := openStore(ctx, flags)
	if err != nil {
		return nil, err
	}
	m := p.managerFor(flags)
	c, err := core.New(core.Options{
		Storage:           store,
		PluginPaths:       flags.PluginPaths(),
		Tenant:            flags.Tenant,
		DiscoveryCacheDir: flags.CacheDir(),
	})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	m.Register(c.Admission())
	m.SetClient(c)
	s := &cliruntime.Session{Client: c, Registry: c.Registry(), Close: func() error {
		return errors.Join(m.Close(context.Background()), store.Close())
	}}
	d := c.Discovery()
	s.Warnings = func() []string {
		var w []string
		if d != nil {
			w = d.ScanWarnings()
		}
		if m.Discovered() {
			w = append(w, m.Warnings()...)
		}
		return w
	}
	return s, nil
}

// Commands returns the plugin commands, for cliruntime.CLI.Commands.
func (p *Plugins) Commands(c *cliruntime.CLI) []*cobra.Command {
	root := &cobra.Command{
		Use:   "plugins",
		Short: "List and inspect sandboxed WebAssembly plugins",
		Args:  cobra.NoArgs,
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the plugins found in the plugin directories",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := p.managerFor(&c.Flags)
			printWarnings(cmd, m)
			if len(m.Plugins()) == 0 {
				_, _ = fmt.Fprintln(cmd.ErrOrStderr(), "No plugins found.")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 8, 3, ' ', 0)
			_, _ = fmt.Fprintln(tw, "NAME\tVERSION\tKINDS\tHOOKS\tSTATUS")
			for _, pl := range m.Plugins() {
				_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", pl.Name(), orNone(pl.Manifest.Spec.Version), orNone(strings.Join(kinds(pl), ",")), orNone(strings.Join(hooks(pl), ",")), status(pl))
			}
			return tw.Flush()
		},
	}
	var load bool
	inspect := &cobra.Command{
		Use:   "inspect NAME",
		Short: "Show a plugin's manifest, permissions, limits, module digest and last error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m := p.managerFor(&c.Flags)
			printWarnings(cmd, m)
			pl := m.Plugin(args[0])
			if pl == nil {
				return fmt.Errorf("plugin %q not found in %s", args[0], strings.Join(c.Flags.PluginPaths(), ", "))
			}
			if load {
				_ = pl.Load(cmd.Context())
			}
			spec, err := yaml.Marshal(pl.Manifest.Spec)
			if err != nil {
				return err
			}
			st := pl.Status()
			out := cmd.OutOrStdout()
			_, _ = fmt.Fprintf(out, "Name:         %s\nVersion:      %s\nManifest:     %s\nModule:       %s\nSHA256:       %s\nStatus:       %s\nLast error:   %s\nSpec:\n", pl.Name(), orNone(pl.Manifest.Spec.Version), pl.File, filepath.Join(pl.Dir, pl.Manifest.Spec.Module.Path), pl.Manifest.Spec.Module.SHA256, status(pl), orNone(st.LastError))
			for _, line := range strings.Split(strings.TrimRight(string(spec), "\n"), "\n") {
				_, _ = fmt.Fprintf(out, "  %s\n", line)
			}
			return nil
		},
	}
	inspect.Flags().BoolVar(&load, "load", false, "load the module (checking its digest, interface and ABI version) before reporting")
	root.AddCommand(list, inspect)
	reconcile := &cobra.Command{
		Use:   "reconcile",
		Short: "Run every plugin reconciler until there is nothing left to do",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := c.Session(cmd.Context()); err != nil {
				return err
			}
			m := p.managerFor(&c.Flags)
			rep, err := m.ReconcileAll(cmd.Context())
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%d reconciles in %d passes, %d writes, %d errors\n", rep.Reconciles, rep.Passes, rep.Writes, len(rep.Errors))
			return err
		},
	}
	return []*cobra.Command{root, reconcile}
}

func printWarnings(cmd *cobra.Command, m *plugins.Manager) {
	for _, w := range m.Warnings() {
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "Warning: %s\n", w)
	}
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

func kinds(p *plugins.Plugin) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k plugins.KindRef) {
		if !seen[k.Kind] {
			seen[k.Kind] = true
			out = append(out, k.Kind)
		}
	}
	s := p.Manifest.Spec
	for _, r := range s.Reconcile {
		add(r.KindRef)
	}
	for _, h := range append(append([]plugins.HookSpec(nil), s.Validate...), s.Mutate...) {
		add(h.KindRef)
	}
	return out
}

func hooks(p *plugins.Plugin) []string {
	s := p.Manifest.Spec
	var out []string
	if len(s.Validate) > 0 {
		out = append(out, "validate")
	}
	if len(s.Mutate) > 0 {
		out = append(out, "mutate")
	}
	if len(s.Reconcile) > 0 {
		out = append(out, "reconcile")
	}
	return out
}

func status(p *plugins.Plugin) string {
	st := p.Status()
	switch {
	case st.LastError != "":
		return "Failed"
	case st.Loaded:
		return "Loaded"
	}
	return "Ready"
}
