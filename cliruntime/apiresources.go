package cliruntime

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml/kyaml"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/registry"
)

// APIResources returns the preferred version of every resource type,
// sorted as kubectl api-resources sorts: by group, then name.
func APIResources(reg *registry.Registry) []*registry.Type {
	seen := map[string]bool{}
	var out []*registry.Type
	for _, t := range reg.Types() {
		gr := t.QualifiedResource()
		if seen[gr] {
			continue
		}
		if pref, err := reg.TypeForResource(t.GroupResource().WithVersion("")); err == nil {
			t = pref
		}
		seen[gr] = true
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind.Group != out[j].Kind.Group {
			return out[i].Kind.Group < out[j].Kind.Group
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

func (c *CLI) newAPIResourcesCommand() *cobra.Command {
	var (
		output, group, sortBy string
		noHeaders, namespaced bool
		categories, verbs     []string
	)
	cmd := &cobra.Command{
		Use:     "api-resources",
		Short:   "Print the supported API resources",
		Long:    "Print the supported resource types: built-in ones and those of plugin manifests.",
		Example: "  # Print the supported resource types\n  " + c.Name + " api-resources\n\n  # With categories\n  " + c.Name + " api-resources -o wide",
		Args:    cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			switch output {
			case "", "wide", "name", "json", "yaml", "kyaml":
			default:
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,kyaml,name,wide,yaml", output)
			}
			s, err := c.Session(cmd.Context())
			if err != nil {
				return err
			}
			types := APIResources(s.Registry)
			nsFlag := cmd.Flags().Changed("namespaced")
			var rows [][]string
			var list []metav1.APIResource
			tw := printers.NewTabWriter()
			if !noHeaders && output != "name" && output != "json" && output != "yaml" && output != "kyaml" {
				h := []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}
				if output == "wide" {
					h = append(h, "VERBS", "CATEGORIES")
				}
				tw.Add(h)
			}
			if err := sortAPIResources(types, sortBy); err != nil {
				return err
			}
			for _, t := range types {
				if group != "" && t.Kind.Group != group || nsFlag && t.Namespaced != namespaced {
					continue
				}
				if len(categories) > 0 && !hasAll(t.Categories, categories) || len(verbs) > 0 && !hasAll(Verbs(t), verbs) {
					continue
				}
				if output == "json" || output == "yaml" || output == "kyaml" {
					list = append(list, apiResource(t))
					continue
				}
				if output == "name" {
					name := t.Resource
					if t.Kind.Group != "" {
						name += "." + t.Kind.Group
					}
					_, _ = fmt.Fprintln(c.Out, name)
					continue
				}
				row := []string{t.Resource, strings.Join(t.ShortNames, ","), t.Kind.GroupVersion().String(), strconv.FormatBool(t.Namespaced), t.Kind.Kind}
				if output == "wide" {
					row = append(row, strings.Join(Verbs(t), ","), strings.Join(t.Categories, ","))
				}
				rows = append(rows, row)
				tw.Add(row)
			}
			if output == "json" || output == "yaml" || output == "kyaml" {
				return printAPIResourceList(c.Out, output, list)
			}
			if output == "name" || len(rows) == 0 && noHeaders {
				return nil
			}
			// As kubectl, the header even when no type matched.
			return tw.Flush(c.Out)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "", "Output format. One of: (json, yaml, wide, name).")
	f.StringVar(&group, "api-group", "", "Limit to resources in the specified API group.")
	f.BoolVar(&namespaced, "namespaced", true, "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.")
	f.BoolVar(&noHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers (default print headers).")
	f.StringVar(&sortBy, "sort-by", "", "If non-empty, sort list of resources using specified field. The field can be either 'name' or 'kind'.")
	f.StringSliceVar(&categories, "categories", nil, "Limit to resources that belong to the specified categories.")
	f.StringSliceVar(&verbs, "verbs", nil, "Limit to resources that support the specified verbs.")
	return cmd
}

// sortAPIResources sorts types as --sort-by asks: "" keeps the
// group-then-name order, name and kind sort by that alone.
func sortAPIResources(types []*registry.Type, sortBy string) error {
	switch sortBy {
	case "":
	case "name":
		sort.SliceStable(types, func(i, j int) bool { return types[i].Resource < types[j].Resource })
	case "kind":
		sort.SliceStable(types, func(i, j int) bool {
			if types[i].Kind.Kind != types[j].Kind.Kind {
				return types[i].Kind.Kind < types[j].Kind.Kind
			}
			return types[i].Resource < types[j].Resource
		})
	default:
		return fmt.Errorf("--sort-by accepts only name or kind")
	}
	return nil
}

// apiResource is t as kubectl api-resources -o json|yaml prints it:
// discovery's APIResource with its group and version filled in.
func apiResource(t *registry.Type) metav1.APIResource {
	return metav1.APIResource{
		Name: t.Resource, SingularName: t.Singular, Namespaced: t.Namespaced,
		Group: t.Kind.Group, Version: t.Kind.Version, Kind: t.Kind.Kind,
		Verbs: Verbs(t), ShortNames: t.ShortNames, Categories: t.Categories,
	}
}

// printAPIResourceList prints resources as kubectl's -o json, yaml or
// kyaml does: one APIResourceList, its resources null when none matched.
func printAPIResourceList(w io.Writer, output string, resources []metav1.APIResource) error {
	list := metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, APIResources: resources}
	if output == "kyaml" {
		var enc kyaml.Encoder
		return enc.FromObject(list, w)
	}
	data, err := printers.Encode(list, output == "yaml")
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Verbs are the verbs discovery lists for t, in the API server's order:
// a custom resource's as apiextensions-apiserver serves them, a built-in
// type's as its REST storage does (a namespace has no deletecollection).
func Verbs(t *registry.Type) []string {
	switch {
	case t.IsCustomResource():
		return []string{"delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"}
	case t.Kind.Group == "" && t.Resource == "namespaces":
		return []string{"create", "delete", "get", "list", "patch", "update", "watch"}
	}
	return []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
}

func hasAll(have, want []string) bool {
	for _, w := range want {
		if !contains(have, w) {
			return false
		}
	}
	return true
}
