package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// PatchTypes maps --type values to patch types.
var PatchTypes = map[string]types.PatchType{
	"json":      types.JSONPatchType,
	"merge":     types.MergePatchType,
	"strategic": types.StrategicMergePatchType,
}

// errStrategicUnsupported is what the API server answers a strategic
// merge patch of a custom resource.
func errStrategicUnsupported() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusUnsupportedMediaType,
		Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: "the body of the request was in an unknown format - accepted media types include: " +
			"application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
	}}
}

// PatchOptions change Patch.
type PatchOptions struct {
	// DryRun computes the result without storing it.
	DryRun bool
	// Subresource is "" for the object itself, or the subresource to
	// patch ("status").
	Subresource string
}

// errNoRoute is the API server's answer for a path it has no route for,
// such as the status of a built-in kind that has none.
var errNoRoute = &apierrors.StatusError{ErrStatus: metav1.Status{
	Status:  metav1.StatusFailure,
	Code:    http.StatusNotFound,
	Reason:  metav1.StatusReasonNotFound,
	Details: &metav1.StatusDetails{},
	Message: "the server could not find the requested resource",
}}

// CheckSubresource returns the API server's error for subresource sub of
// the object name of type t when t does not have it: for a custom
// resource the CRD handler's NotFound naming the object, for a built-in
// kind the missing route's. It returns nil for "" and for a subresource
// t has (status, when t has a status subresource).
func CheckSubresource(t *registry.Type, sub, name string) error {
	if sub == "" || sub == "status" && t.StatusSubresource {
		return nil
	}
	if t.IsCustomResource() {
		return apierrors.NewNotFound(t.GroupResource(), name)
	}
	return errNoRoute
}

// Patch patches the object of type t named by obj, or its status with
// opts.Subresource "status". The result's Action is Patched, or Unchanged
// when the object did not change.
func Patch(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, pt types.PatchType, data []byte, opts PatchOptions) Result {
	res := Result{Type: t, Object: obj, Action: Patched}
	if pt == types.StrategicMergePatchType && typedObject(c.Scheme(), t) == nil {
		res.Err = errStrategicUnsupported()
		return res
	}
	// kubectl reads the object (the subresource) first: a missing
	// subresource fails there.
	if res.Err = CheckSubresource(t, opts.Subresource, obj.GetName()); res.Err != nil {
		return res
	}
	current, err := resource.Get(ctx, c, t, obj.GetNamespace(), obj.GetName())
	if err != nil {
		res.Err = err
		return res
	}
	before := comparable(current)
	patch := client.RawPatch(pt, data)
	if opts.Subresource != "" {
		var sopts []client.SubResourcePatchOption
		if opts.DryRun {
			sopts = append(sopts, client.DryRunAll)
		}
		err = c.Status().Patch(ctx, current, patch, sopts...)
	} else {
		var popts []client.PatchOption
		if opts.DryRun {
			popts = append(popts, client.DryRunAll)
		}
		err = c.Patch(ctx, current, patch, popts...)
	}
	if err != nil {
		res.Err = err
		return res
	}
	res.Object = current
	if reflect.DeepEqual(comparable(current), before) {
		res.Action = Unchanged
	}
	return res
}

// comparable is obj without the fields every write changes, so that two
// versions compare equal when a patch changed nothing (kubectl's "no
// change"), dry runs included.
func comparable(obj *unstructured.Unstructured) map[string]any {
	u := obj.DeepCopy()
	unstructured.RemoveNestedField(u.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(u.Object, "metadata", "generation")
	unstructured.RemoveNestedField(u.Object, "metadata", "managedFields")
	return u.Object
}

func (c *CLI) newPatchCommand() *cobra.Command {
	var (
		patch, patchFile, patchType, output, dryRun, sub string
		files                                            resource.FilenameOptions
	)
	cmd := &cobra.Command{
		Use:   "patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [flags]",
		Short: "Update fields of a resource",
		Long: `Update fields of a resource using a strategic merge patch (built-in types), a JSON merge patch (RFC 7386), or a JSON patch (RFC 6902).

JSON and YAML formats are accepted. Plugin types have no patch strategies: use --type merge or --type json for them.`,
		Example: `  # Set an item's quantity
  ` + c.Name + ` patch item hammer --type merge -p '{"spec":{"quantity":3}}'

  # Remove a label with a JSON patch
  ` + c.Name + ` patch item hammer --type json -p '[{"op":"remove","path":"/metadata/labels/color"}]'

  # Write an item's status (its 'status' subresource), as a controller would
  ` + c.Name + ` patch item hammer --subresource=status --type merge -p '{"status":{"phase":"Counted"}}'`,
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			pt, ok := PatchTypes[patchType]
			if !ok {
				return fmt.Errorf("--type must be one of [json merge strategic], not %q", patchType)
			}
			if patch == "" && patchFile == "" {
				return errors.New("must specify --patch or --patch-file containing the contents of the patch")
			}
			if patch != "" && patchFile != "" {
				return errors.New("cannot specify --patch and --patch-file together")
			}
			data := []byte(patch)
			if patchFile != "" {
				var err error
				if data, err = os.ReadFile(patchFile); err != nil {
					return fmt.Errorf("unable to read patch file: %w", err)
				}
			}
			// kubectl's conversion: YAML to JSON, and what starts as JSON
			// ("{") sent as it is, for the server to judge.
			data, err := utilyaml.ToJSON(data)
			if err != nil {
				return fmt.Errorf("unable to parse %q: %w", patch, err)
			}
			wo := WriteOptions{DryRun: dryRun}
			mode, err := wo.dryRunMode()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := c.Session(ctx)
			if err != nil {
				return err
			}
			targets, err := c.targets(ctx, s, args, files, cmd.CommandPath())
			if err != nil {
				return err
			}
			rctx, cancel, err := c.requestContext(ctx)
			if err != nil {
				return err
			}
			defer cancel()
			for _, tg := range targets {
				r := Patch(rctx, s.Client, tg.Type, tg.Object, pt, data, PatchOptions{DryRun: mode != "", Subresource: sub})
				if apierrors.IsUnsupportedMediaType(r.Err) {
					return fmt.Errorf("%s is not supported by %s: %v", pt, tg.Type.Kind, r.Err) //nolint:errorlint // kubectl's words, not the server's error: printed as "error: ..."
				}
				if r.Err != nil {
					return r.Err
				}
				// kubectl patch names no dry run in its line (its printer's
				// operation replaces the dry-run suffix).
				if err := c.printResult(r, output, ""); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&patch, "patch", "p", "", "The patch to be applied to the resource JSON file.")
	f.StringVar(&patchFile, "patch-file", "", "A file containing a patch to be applied to the resource.")
	f.StringVar(&patchType, "type", "strategic", "The type of patch being provided; one of [json merge strategic]")
	f.StringVarP(&output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	f.StringVar(&dryRun, "dry-run", "none", `Must be "none", "server", or "client".`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	f.StringSliceVarP(&files.Filenames, "filename", "f", nil, "A file identifying the resource to update.")
	addSubresourceFlag(cmd, &sub, "If specified, patch will operate on the subresource of the requested object.")
	_ = cmd.RegisterFlagCompletionFunc("type", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"json", "merge", "strategic"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// targets returns the objects named by TYPE NAME... arguments or by -f.
func (c *CLI) targets(ctx context.Context, s *Session, args []string, files resource.FilenameOptions, cmdPath string) ([]Result, error) {
	ns := c.Flags.NamespaceOrDefault()
	if len(files.Filenames) > 0 {
		infos, err := files.Read(c.In)
		if err != nil {
			return nil, err
		}
		if err := resource.Prepare(s.Registry, infos, ns, c.Flags.NamespaceExplicit); err != nil {
			return nil, err
		}
		out := make([]Result, len(infos))
		for i, info := range infos {
			out[i] = Result{Type: info.Type, Object: info.Object, Source: info.Source}
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, errNoResources
	}
	refs, err := resource.ParseArgs(s.Registry, args)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, ref := range refs {
		if len(ref.Names) == 0 {
			return nil, fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		for _, t := range ref.Types {
			for _, n := range ref.Names {
				out = append(out, Result{Type: t, Object: resource.NewObject(t, ns, n)})
			}
		}
	}
	return out, nil
}

// printResult prints "type/name action" or the object in -o format.
func (c *CLI) printResult(r Result, output, suffix string) error {
	switch output {
	case "":
		action := string(r.Action)
		if r.Action == Unchanged {
			action = "patched (no change)"
		}
		_, err := fmt.Fprintf(c.Out, "%s %s%s\n", r.Name(), action, suffix)
		return err
	case "name":
		_, err := fmt.Fprintln(c.Out, r.Name())
		return err
	}
	p, err := printers.NewPrinter(printers.PrintOptions{Output: output})
	if err != nil {
		return err
	}
	return p.Print(c.Out, []printers.Group{{Type: r.Type, Items: []*unstructured.Unstructured{r.Object}}}, true)
}

// addSubresourceFlag adds kubectl's --subresource flag.
func addSubresourceFlag(cmd *cobra.Command, sub *string, usage string) {
	cmd.Flags().StringVar(sub, "subresource", "", usage)
	_ = cmd.RegisterFlagCompletionFunc("subresource", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"status"}, cobra.ShellCompDirectiveNoFileComp
	})
}
