package cliruntime

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime/printers"
)

// newConfigCommand is kubectl config's subset for named stores:
// get-contexts, current-context, use-context, set-context,
// delete-context and view. None of them opens a store, and none prints
// a credential.
func (c *CLI) newConfigCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Modify the contexts file (named stores)",
		Long: `Modify the contexts file: named stores, as kubeconfig contexts name clusters.

The file is ` + c.Flags.Brand.Env(EnvConfig) + `, else config.yaml in the per-user config directory (` + c.Flags.Brand.ProgramName() + `/config.yaml under os.UserConfigDir). Each context names a store (a SQLite file, or an etcd URL with its credentials), a tenant and a default namespace. The context in use is --context (or ` + c.Flags.Brand.Env(EnvContext) + `), else the file's current-context. Its settings apply where neither a flag nor an environment variable gives them: flag > environment > current context > default.

Credentials are never printed: passwords (also in URLs) show as REDACTED, certificate and key data as DATA+OMITTED.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(c.newGetContexts(), c.newCurrentContext(), c.newUseContext(), c.newSetContext(), c.newDeleteContext(), c.newConfigView())
	return cmd
}

// loadConfig reads the contexts file, returning its path too.
func (c *CLI) loadConfig() (*Config, string, error) {
	path, err := c.Flags.Brand.ConfigPath(c.getenv)
	if err != nil {
		return nil, "", err
	}
	cfg, err := LoadConfig(path)
	return cfg, path, err
}

func (c *CLI) newGetContexts() *cobra.Command {
	var output string
	var noHeaders bool
	cmd := &cobra.Command{
		Use:   "get-contexts [(-o|--output=)name)]",
		Short: "Describe one or many contexts",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			cfg, _, err := c.loadConfig()
			if err != nil {
				return err
			}
			if output != "" && output != "name" {
				return fmt.Errorf("output must be one of '' or 'name': %v", output)
			}
			var shown []NamedContext
			var missing []error
			if len(args) == 0 {
				shown = cfg.Redacted().Contexts
			}
			for _, name := range args {
				found := false
				for _, nc := range cfg.Redacted().Contexts {
					if nc.Name == name {
						shown, found = append(shown, nc), true
					}
				}
				if !found {
					missing = append(missing, fmt.Errorf("context %v not found", name))
				}
			}
			if output == "name" {
				for _, nc := range shown {
					_, _ = fmt.Fprintln(c.Out, nc.Name)
				}
			} else {
				w := tabwriter.NewWriter(c.Out, 6, 4, 3, ' ', 0)
				if !noHeaders {
					_, _ = fmt.Fprintln(w, "CURRENT\tNAME\tSTORAGE\tTENANT\tNAMESPACE")
				}
				for _, nc := range shown {
					current := ""
					if nc.Name == cfg.CurrentContext {
						current = "*"
					}
					store := nc.Context.Storage
					if store == "" {
						store = nc.Context.Data
					}
					_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", current, nc.Name, store, nc.Context.Tenant, nc.Context.Namespace)
				}
				_ = w.Flush()
			}
			return errors.Join(missing...)
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format. One of: (name).")
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers (default print headers).")
	return cmd
}

func (c *CLI) newCurrentContext() *cobra.Command {
	return &cobra.Command{
		Use:   "current-context",
		Short: "Display the current-context",
		Args:  cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			cfg, _, err := c.loadConfig()
			if err != nil {
				return err
			}
			if cfg.CurrentContext == "" {
				return errors.New("current-context is not set")
			}
			_, _ = fmt.Fprintln(c.Out, cfg.CurrentContext)
			return nil
		}),
	}
}

func (c *CLI) newUseContext() *cobra.Command {
	return &cobra.Command{
		Use:     "use-context CONTEXT_NAME",
		Aliases: []string{"use"},
		Short:   "Set the current-context in the contexts file",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "Unexpected args: %v", args)
			}
			cfg, path, err := c.loadConfig()
			if err != nil {
				return err
			}
			if cfg.Find(args[0]) == nil {
				return fmt.Errorf("no context exists with the name: %q", args[0])
			}
			cfg.CurrentContext = args[0]
			if err := cfg.Save(path); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(c.Out, "Switched to context %q.\n", args[0])
			return nil
		}),
	}
}

func (c *CLI) newSetContext() *cobra.Command {
	var current bool
	var set Context
	cmd := &cobra.Command{
		Use:   "set-context [NAME | --current] [--data=path] [--storage=url] [--username=name] [--password=secret] [--tenant=tenant] [--namespace=namespace]",
		Short: "Set a context entry in the contexts file",
		Long: `Set a context entry in the contexts file.

Specifying a name that already exists will merge new fields on top of existing values for those fields. Giving --data clears --storage and the other way round: a context has one store.`,
		Example: `  # A context for a SQLite file, with its default namespace
  ` + c.Name + ` config set-context dev --data=/srv/dev.db --namespace=shop

  # A context for an etcd cluster with credentials and a tenant
  ` + c.Name + ` config set-context prod --storage=etcds://10.0.0.1:2379 --username=k1s --password=s3cret --tenant=team-a`,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return UsageErrorf(cmd.CommandPath(), "Unexpected args: %v", args[1:])
			}
			cfg, path, err := c.loadConfig()
			if err != nil {
				return err
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			if current {
				if name != "" {
					return errors.New("you cannot specify both a context name and --current")
				}
				if cfg.CurrentContext == "" {
					return errors.New("no current context is set")
				}
				name = cfg.CurrentContext
			}
			if name == "" {
				return errors.New("you must specify a non-empty context name or --current")
			}
			ctx := cfg.Find(name)
			action := "modified"
			if ctx == nil {
				cfg.Contexts = append(cfg.Contexts, NamedContext{Name: name})
				ctx, action = &cfg.Contexts[len(cfg.Contexts)-1].Context, "created"
			}
			f := cmd.Flags()
			if f.Changed("data") {
				ctx.Data, ctx.Storage = set.Data, ""
			}
			if f.Changed("storage") {
				ctx.Storage, ctx.Data = set.Storage, ""
			}
			for flag, dst := range map[string]*string{"username": &ctx.Username, "password": &ctx.Password, "tenant": &ctx.Tenant, "namespace": &ctx.Namespace} {
				if f.Changed(flag) {
					*dst = map[string]string{"username": set.Username, "password": set.Password, "tenant": set.Tenant, "namespace": set.Namespace}[flag]
				}
			}
			if err := ValidateTenant(ctx.Tenant); err != nil {
				return err
			}
			if err := cfg.Save(path); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(c.Out, "Context %q %s.\n", name, action)
			return nil
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&current, "current", false, "Modify the current context")
	f.StringVar(&set.Data, "data", "", "SQLite file of the context's store (relative to the contexts file's directory)")
	f.StringVar(&set.Storage, "storage", "", "etcd URL of the context's store, e.g. etcds://host:2379")
	f.StringVar(&set.Username, "username", "", "etcd user name")
	f.StringVar(&set.Password, "password", "", "etcd password (never printed)")
	f.StringVar(&set.Tenant, "tenant", "", "tenant of the context")
	// --namespace is a global flag; set-context takes it as the
	// context's default namespace, as kubectl config set-context does.
	f.StringVarP(&set.Namespace, "namespace", "n", "", "default namespace of the context")
	return cmd
}

func (c *CLI) newDeleteContext() *cobra.Command {
	return &cobra.Command{
		Use:   "delete-context NAME",
		Short: "Delete the specified context from the contexts file",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "Unexpected args: %v", args)
			}
			cfg, path, err := c.loadConfig()
			if err != nil {
				return err
			}
			kept := cfg.Contexts[:0]
			for _, nc := range cfg.Contexts {
				if nc.Name != args[0] {
					kept = append(kept, nc)
				}
			}
			if len(kept) == len(cfg.Contexts) {
				return fmt.Errorf("cannot delete context %s, not in %s", args[0], path)
			}
			cfg.Contexts = kept
			if cfg.CurrentContext == args[0] {
				_, _ = fmt.Fprintf(c.ErrOut, "warning: this removed your active context, use \"%s config use-context\" to select a different one\n", c.Name)
			}
			if err := cfg.Save(path); err != nil {
				return err
			}
			_, _ = fmt.Fprintf(c.Out, "deleted context %s from %s\n", args[0], path)
			return nil
		}),
	}
}

func (c *CLI) newConfigView() *cobra.Command {
	var output string
	var minify bool
	cmd := &cobra.Command{
		Use:   "view",
		Short: "Display the contexts file, credentials masked",
		Args:  cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			cfg, _, err := c.loadConfig()
			if err != nil {
				return err
			}
			out := cfg.Redacted()
			if minify {
				name := c.Flags.Context
				if name == "" {
					name = cfg.CurrentContext
				}
				if name == "" {
					return errors.New("current-context must exist in order to minify")
				}
				var kept []NamedContext
				for _, nc := range out.Contexts {
					if nc.Name == name {
						kept = append(kept, nc)
					}
				}
				if kept == nil {
					return fmt.Errorf("cannot locate context %s", name)
				}
				out.Contexts, out.CurrentContext = kept, name
			}
			if output != "yaml" && output != "json" {
				return fmt.Errorf("--output must be 'yaml' or 'json'")
			}
			data, err := printers.Encode(out, output == "yaml")
			if err != nil {
				return err
			}
			_, err = c.Out.Write(data)
			return err
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "Output format. One of: (json, yaml).")
	cmd.Flags().BoolVar(&minify, "minify", false, "Remove all information not used by current-context from the output")
	return cmd
}
