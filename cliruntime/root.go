package cliruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	utilversion "k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apimachinery/pkg/version"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// NewRootCommand returns the program's cobra command tree. Any CLI built
// on k1s can take it whole, or add its own commands to it.
func NewRootCommand(c *CLI) *cobra.Command {
	c.Flags.Brand = c.brand()
	b := c.Flags.Brand
	root := &cobra.Command{
		Use:           c.Name,
		Short:         b.Short,
		Long:          b.Long,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	switch {
	case root.Short == "":
		root.Short = c.Name + " manages Kubernetes-style resources in a local store, with kubectl's commands"
	case root.Long == "":
		root.Long = root.Short // the program's own words, not k1s's
	}
	if root.Long == "" {
		types := "built-in types and plugin types declared by\nmanifests"
		if !b.has(PluginDirs) {
			types = "built-in types and its own"
		}
		store := "SQLite by default, etcd with --storage"
		if !b.has(StorageURL) {
			store = "a SQLite file"
		}
		root.Long = c.Name + " manages Kubernetes-style resources — " + types + " — in an embedded store (" + store +
			"),\nwith no API server and no cluster. Its commands behave as kubectl's."
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &flagError{err: err, command: cmd.CommandPath()}
	})
	c.Flags.AddFlags(root.PersistentFlags())
	_ = root.RegisterFlagCompletionFunc("namespace", c.completeNamespaces)
	root.AddGroup(
		&cobra.Group{ID: "basic", Title: "Basic Commands:"},
		&cobra.Group{ID: "manage", Title: "Resource Management Commands:"},
		&cobra.Group{ID: "other", Title: "Other Commands:"},
	)
	add := func(group string, cmds ...*cobra.Command) {
		for _, cmd := range cmds {
			cmd.GroupID = group
			root.AddCommand(cmd)
		}
	}
	add("basic", c.newCreateCommand(), c.newGetCommand(), c.newExplainCommand(), c.newEditCommand(), c.newDeleteCommand())
	add("manage", c.newApplyCommand(), c.newReplaceCommand(), c.newDiffCommand(), c.newPatchCommand(), c.newMetaCommand(true), c.newMetaCommand(false), c.newDescribeCommand(), c.newEventsCommand(), c.newWaitCommand())
	add("other", c.newAPIResourcesCommand(), c.newAPIVersionsCommand())
	if b.has(Contexts) {
		add("other", c.newConfigCommand())
	}
	add("other", c.newVersionCommand())
	if c.Commands != nil {
		add("other", c.Commands(c)...)
	}
	addValidateFlags(root)
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	return root
}

func (c *CLI) newVersionCommand() *cobra.Command {
	var output string
	var clientOnly bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := versionInfo{ClientVersion: clientVersion(c.Version)}
			switch output {
			case "":
				_, _ = fmt.Fprintf(c.Out, "Client Version: %s\n", c.Version)
				return nil
			case "json":
				// kubectl's indent, not the two-space-per-level of -o json.
				data, err := json.MarshalIndent(info, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(c.Out, "%s\n", data)
				return err
			case "yaml":
				data, err := yaml.Marshal(info)
				if err != nil {
					return err
				}
				_, err = c.Out.Write(data)
				return err
			}
			return fmt.Errorf("--output must be 'yaml' or 'json'")
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "One of 'yaml' or 'json'.")
	cmd.Flags().BoolVar(&clientOnly, "client", true, "Accepted for kubectl compatibility; there is no server.")
	return cmd
}

// versionInfo is what `kubectl version --client -o json` prints; a local
// tool has no server and no kustomize, fields kubectl leaves out then.
type versionInfo struct {
	ClientVersion *version.Info `json:"clientVersion,omitempty"`
}

// clientVersion is the program's version in apimachinery's version.Info,
// as kubectl prints its own: major and minor from the semantic version,
// commit, tree state and date from the VCS stamp go build records.
func clientVersion(v string) *version.Info {
	info := &version.Info{
		GitVersion: v,
		GoVersion:  runtime.Version(),
		Compiler:   runtime.Compiler,
		Platform:   runtime.GOOS + "/" + runtime.GOARCH,
		// kubectl's date when the build recorded none, so that a
		// script parsing it as a time still can.
		BuildDate: "1970-01-01T00:00:00Z",
	}
	if sv, err := utilversion.ParseSemantic(v); err == nil {
		info.Major = strconv.FormatUint(uint64(sv.Major()), 10)
		info.Minor = strconv.FormatUint(uint64(sv.Minor()), 10)
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			switch kv.Key {
			case "vcs.revision":
				info.GitCommit = kv.Value
			case "vcs.time":
				info.BuildDate = kv.Value
			case "vcs.modified":
				info.GitTreeState = map[string]string{"true": "dirty", "false": "clean"}[kv.Value]
			}
		}
	}
	return info
}

// completeResources completes a resource type as the first argument and
// object names of that type after it.
func (c *CLI) completeResources(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	s, err := c.Session(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	if len(args) == 0 {
		if typ, prefix, ok := strings.Cut(toComplete, "/"); ok {
			t, err := s.Registry.ResolveOne(typ)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return c.completeNames(cmd.Context(), s, t, func(name string) (string, bool) {
				return typ + "/" + name, strings.HasPrefix(name, prefix)
			})
		}
		var out []string
		for _, t := range APIResources(s.Registry) {
			if strings.HasPrefix(t.Resource, toComplete) {
				out = append(out, t.Resource)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	if strings.Contains(args[0], "/") {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	t, err := s.Registry.ResolveOne(strings.Split(args[0], ",")[0])
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return c.completeNames(cmd.Context(), s, t, func(name string) (string, bool) {
		return name, strings.HasPrefix(name, toComplete) && !contains(args[1:], name)
	})
}

// completeNames completes the names of the objects of t in the command's
// namespace: offer gives the completion of a name, and whether it is one.
func (c *CLI) completeNames(ctx context.Context, s *Session, t *registry.Type, offer func(name string) (string, bool)) ([]string, cobra.ShellCompDirective) {
	items, _, err := resource.List(ctx, s.Client, t, resource.ListRequest{Namespace: c.Flags.NamespaceOrDefault()})
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, u := range items {
		if completion, ok := offer(u.GetName()); ok {
			out = append(out, completion)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (c *CLI) completeNamespaces(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	s, err := c.Session(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	t, err := s.Registry.ResolveOne("namespaces")
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	items, _, err := resource.List(cmd.Context(), s.Client, t, resource.ListRequest{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var out []string
	for _, u := range items {
		if strings.HasPrefix(u.GetName(), toComplete) {
			out = append(out, u.GetName())
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
