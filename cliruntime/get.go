package cliruntime

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// GetResult is what a get found: objects grouped by type in request
// order, and one error per object that could not be read.
type GetResult struct {
	Groups []printers.Group
	Errors []error
	// Single is true when exactly one object was asked for by name.
	Single bool
	// ResourceVersion is the list's revision when one type was listed.
	ResourceVersion string
}

// Count returns the number of objects found.
func (r *GetResult) Count() int {
	n := 0
	for _, g := range r.Groups {
		n += len(g.Items)
	}
	return n
}

// GetObjects reads what refs name: each named object, or every object of
// each type that req selects.
func GetObjects(ctx context.Context, c client.Client, refs []resource.Ref, req resource.ListRequest) *GetResult {
	res := &GetResult{}
	groupOf := map[*registry.Type]int{}
	add := func(t *registry.Type, items ...*unstructured.Unstructured) {
		i, ok := groupOf[t]
		if !ok {
			i = len(res.Groups)
			groupOf[t] = i
			res.Groups = append(res.Groups, printers.Group{Type: t})
		}
		res.Groups[i].Items = append(res.Groups[i].Items, items...)
	}
	named := 0
	for _, ref := range refs {
		for _, t := range ref.Types {
			if len(ref.Names) == 0 {
				items, rv, err := resource.List(ctx, c, t, req)
				if err != nil {
					res.Errors = append(res.Errors, err)
					continue
				}
				res.ResourceVersion = rv
				add(t, items...)
				continue
			}
			for _, name := range ref.Names {
				named++
				u, err := resource.Get(ctx, c, t, req.Namespace, name)
				if err != nil {
					res.Errors = append(res.Errors, err)
					continue
				}
				add(t, u)
			}
		}
	}
	res.Single = named == 1 && len(refs) == 1 && len(refs[0].Types) == 1
	return res
}

// GetOptions are the flags of get.
type GetOptions struct {
	Print             printers.PrintOptions
	AllNamespaces     bool
	LabelSelector     string
	FieldSelector     string
	ChunkSize         int64
	Watch             bool
	WatchOnly         bool
	OutputWatchEvents bool
	IgnoreNotFound    bool
	// Subresource reads a subresource ("status") of objects named.
	Subresource string
}

func (c *CLI) newGetCommand() *cobra.Command {
	o := &GetOptions{}
	cmd := &cobra.Command{
		Use:   "get [(-o|--output=)json|yaml|name|wide|custom-columns=...|jsonpath=...] (TYPE[.VERSION][.GROUP] [NAME ...] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
		Short: "Display one or many resources",
		Long: `Display one or many resources.

Prints a table of the most important information about the specified resources.
You can filter the list using a label selector and the --selector flag. If the
desired resource type is namespaced you will only see results in the current
namespace unless you pass --all-namespaces.

Use "` + c.Name + ` api-resources" for a complete list of supported resources.`,
		Example: `  # List all ` + c.Flags.Brand.exampleResource() + ` in the current namespace
  ` + c.Name + ` get ` + c.Flags.Brand.exampleResource() + `

  # List the ` + c.Flags.Brand.exampleResource() + ` with a label, with the wide columns
  ` + c.Name + ` get ` + c.Flags.Brand.exampleResource() + ` -l color=red -o wide

  # Watch them change, as other processes write them
  ` + c.Name + ` get ` + c.Flags.Brand.exampleResource() + ` -w`,
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.runGet(cmd.Context(), o, args)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Print.Output, "output", "o", "", "Output format. One of: (json, yaml, name, wide, jsonpath=..., jsonpath-file=..., custom-columns=..., custom-columns-file=...)")
	f.StringVar(&o.Print.Template, "template", "", "Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].")
	f.BoolVar(&o.Print.NoHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers (default print headers).")
	f.BoolVar(&o.Print.ShowLabels, "show-labels", false, "When printing, show all labels as the last column (default hide labels column).")
	f.StringSliceVarP(&o.Print.LabelColumns, "label-columns", "L", nil, "Accepts a comma separated list of labels that are going to be presented as columns. Names are case-sensitive. You can also use multiple flag options like -L label1 -L label2...")
	f.StringVar(&o.Print.SortBy, "sort-by", "", "If non-empty, sort list types using this field specification.  The field specification is expressed as a JSONPath expression (e.g. '{.metadata.name}').")
	f.BoolVar(&o.Print.ShowManagedFields, "show-managed-fields", false, "If true, keep the managedFields when printing objects in JSON or YAML format.")
	f.BoolVar(&o.Print.WithKind, "show-kind", false, "If present, list the resource type for the requested object(s).")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	f.StringVar(&o.FieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.")
	f.Int64Var(&o.ChunkSize, "chunk-size", 500, "Return large lists in chunks rather than all at once. Pass 0 to disable.")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After listing/getting the requested object, watch for changes.")
	f.BoolVar(&o.WatchOnly, "watch-only", false, "Watch for changes to the requested object(s), without listing/getting first.")
	f.BoolVar(&o.OutputWatchEvents, "output-watch-events", false, "Output watch event objects when --watch or --watch-only is used. Existing objects are output as initial ADDED events.")
	f.BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, "If set to true, suppresses NotFound error for specific objects that do not exist.")
	addSubresourceFlag(cmd, &o.Subresource, "If specified, gets the subresource of the requested object.")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return printers.OutputFormats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func (c *CLI) runGet(ctx context.Context, o *GetOptions, args []string) error {
	if len(args) == 0 {
		_, _ = fmt.Fprintf(c.ErrOut, "You must specify the type of resource to get. Use \"%s api-resources\" for a complete list of supported resources.\n\n", c.Name)
		return UsageErrorf(c.Name+" get", "Required resource not specified.\nUse \"%s explain <resource>\" for a detailed description of that resource (e.g. %s explain items).", c.Name, c.Name)
	}
	if _, err := printers.NewPrinter(o.Print); err != nil {
		return err
	}
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	refs, err := resource.ParseArgs(s.Registry, args)
	if err != nil {
		return err
	}
	req := resource.ListRequest{
		Namespace:     c.Flags.NamespaceOrDefault(),
		AllNamespaces: o.AllNamespaces,
		LabelSelector: o.LabelSelector,
		FieldSelector: o.FieldSelector,
		Limit:         o.ChunkSize,
	}
	if o.AllNamespaces {
		o.Print.WithNamespace = true
	}
	if o.Watch || o.WatchOnly {
		if len(refs) != 1 || len(refs[0].Types) != 1 {
			return fmt.Errorf("you may only specify a single resource type")
		}
		printer, err := printers.NewPrinter(o.Print)
		if err != nil {
			return err
		}
		return c.watch(ctx, s, refs[0], req, o, printer)
	}
	refs, subErrs, err := subresourceRefs(refs, o.Subresource)
	if err != nil {
		return err
	}
	rctx, cancel, err := c.requestContext(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	named := len(refs) == 0 || len(refs[0].Names) > 0 // no refs left: all were named
	res := &GetResult{}
	if len(refs) > 0 {
		res = GetObjects(rctx, s.Client, refs, req)
	}
	res.Errors = append(subErrs, res.Errors...)
	if err := sortGroups(res.Groups, o.Print.SortBy); err != nil {
		return err
	}
	errs := res.Errors
	if o.IgnoreNotFound {
		errs = withoutNotFound(res.Errors)
	}
	// Kinds are printed when the answer holds several kinds, as kubectl's
	// multipleGVKsRequested over the API server's answers: each list is
	// one Table even when it is empty ("cm,sa" prints configmap/alpha
	// with no service account found), each named get one object only
	// when found ("cm/a secret/missing" is of one kind). A group here is
	// made exactly so: per listed type, and per type of a found name.
	// "all" stands for several kinds even where it finds one (kubectl's
	// MultipleTypesRequested: in a cluster it always names several).
	if len(res.Groups) > 1 || requestsAll(args) {
		o.Print.WithKind = true
	}
	printer, err := printers.NewPrinter(o.Print)
	if err != nil {
		return err
	}
	if res.Count() > 0 || !isTable(o.Print.Output) && !named {
		if err := printer.Print(c.Out, res.Groups, res.Single); err != nil {
			return err
		}
	}
	if res.Count() == 0 && len(res.Errors) == 0 && !named && isTable(o.Print.Output) {
		c.noResources(c.ErrOut, refs, o.AllNamespaces)
	}
	if len(errs) > 0 {
		return utilerrors.NewAggregate(errs)
	}
	return nil
}

// sortGroups sorts the items of each group by the --sort-by path, if any.
func sortGroups(groups []printers.Group, sortBy string) error {
	if sortBy == "" {
		return nil
	}
	for _, g := range groups {
		if err := printers.SortObjects(g.Items, sortBy); err != nil {
			return err
		}
	}
	return nil
}

// withoutNotFound is errs less the NotFound ones (--ignore-not-found).
func withoutNotFound(errs []error) []error {
	var kept []error
	for _, e := range errs {
		if !apierrors.IsNotFound(e) {
			kept = append(kept, e)
		}
	}
	return kept
}

// subresourceRefs keeps of refs the objects whose type has subresource
// sub (the object is what the API server returns for its status), and
// returns the API server's error for the others. A subresource is read
// by name only, as kubectl requires.
func subresourceRefs(refs []resource.Ref, sub string) ([]resource.Ref, []error, error) {
	if sub == "" {
		return refs, nil, nil
	}
	var out []resource.Ref
	var errs []error
	for _, ref := range refs {
		if len(ref.Names) == 0 {
			return nil, nil, fmt.Errorf("subresource cannot be used when bulk resources are specified")
		}
		for _, t := range ref.Types {
			keep := resource.Ref{Types: []*registry.Type{t}}
			for _, n := range ref.Names {
				if err := CheckSubresource(t, sub, n); err != nil {
					errs = append(errs, err)
					continue
				}
				keep.Names = append(keep.Names, n)
			}
			if len(keep.Names) > 0 {
				out = append(out, keep)
			}
		}
	}
	return out, errs, nil
}

func isTable(output string) bool { return output == "" || output == "wide" }

// noResources prints kubectl's message for an empty result.
func (c *CLI) noResources(w io.Writer, refs []resource.Ref, all bool) {
	namespaced := false
	for _, r := range refs {
		for _, t := range r.Types {
			namespaced = namespaced || t.Namespaced
		}
	}
	if namespaced && !all {
		_, _ = fmt.Fprintf(w, "No resources found in %s namespace.\n", c.Flags.NamespaceOrDefault())
		return
	}
	_, _ = fmt.Fprintln(w, "No resources found")
}

// requestsAll reports whether args name the category "all", alone or in
// a comma-separated list.
func requestsAll(args []string) bool {
	for _, a := range args {
		if slices.Contains(strings.Split(a, ","), "all") {
			return true
		}
	}
	return false
}
