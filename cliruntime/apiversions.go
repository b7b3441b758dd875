package cliruntime

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/registry"
)

// APIVersions returns every group/version the registry serves, as
// kubectl api-versions prints them: "v1" for the core group,
// "group/version" for the others, sorted as strings.
func APIVersions(reg *registry.Registry) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range reg.Types() {
		gv := t.Kind.GroupVersion().String()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	sort.Strings(out)
	return out
}

func (c *CLI) newAPIVersionsCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "api-versions",
		Short:   "Print the supported API versions on the server, in the form of \"group/version\"",
		Long:    "Print the supported API versions, in the form of \"group/version\": those of the built-in types and of plugin manifests.",
		Example: "  # Print the supported API versions\n  " + c.Name + " api-versions",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return UsageErrorf(cmd.CommandPath(), "unexpected arguments: %v", args)
			}
			s, err := c.Session(cmd.Context())
			if err != nil {
				return err
			}
			for _, v := range APIVersions(s.Registry) {
				_, _ = fmt.Fprintln(c.Out, v)
			}
			return nil
		}),
	}
}
