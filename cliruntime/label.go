package cliruntime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// MetaUpdate is a change to labels or annotations: keys to set and keys
// to remove ("key-").
type MetaUpdate struct {
	Set    map[string]string
	Remove []string
}

// ParseMetaUpdate splits "k=v" and "k-" arguments as kubectl label and
// annotate do: a label is one "=" and a valid value (its key, like an
// annotation's, is the API server's to judge, so a bad key is refused
// by the write with the server's message); an annotation's value is
// everything after the first "=".
func ParseMetaUpdate(args []string, isLabel bool) (MetaUpdate, error) {
	u := MetaUpdate{Set: map[string]string{}}
	what := "annotation"
	if isLabel {
		what = "label"
	}
	var invalid []string
	for _, a := range args {
		switch {
		case isLabel && strings.Contains(a, "="):
			parts := strings.Split(a, "=")
			if len(parts) != 2 {
				return u, fmt.Errorf("invalid label spec: %v", a)
			}
			if errs := validation.IsValidLabelValue(parts[1]); len(errs) > 0 {
				return u, fmt.Errorf("invalid label value: %q: %s", a, strings.Join(errs, ";"))
			}
			u.Set[parts[0]] = parts[1]
		case strings.Contains(a, "="):
			k, v, _ := strings.Cut(a, "=")
			if k == "" {
				invalid = append(invalid, a)
				continue
			}
			u.Set[k] = v
		case strings.HasSuffix(a, "-") && a != "-":
			u.Remove = append(u.Remove, strings.TrimSuffix(a, "-"))
		case isLabel:
			return u, fmt.Errorf("invalid label spec: %v", a)
		default:
			invalid = append(invalid, a)
		}
	}
	if len(invalid) > 0 {
		return u, fmt.Errorf("invalid %s format: %s", what, strings.Join(invalid, ", "))
	}
	for _, k := range u.Remove {
		if _, ok := u.Set[k]; !ok {
			continue
		}
		if isLabel {
			return u, errors.New("can not both modify and remove a label in the same command")
		}
		return u, fmt.Errorf("can not both modify and remove the following annotation(s) in the same command: %s", k)
	}
	return u, nil
}

// splitMetaArgs splits label's and annotate's arguments into resources
// and updates as kubectl's GetResourcesAndPairs: an update has an "="
// (not first) or ends in "-" (and is not "-"), and every resource comes
// before the first update.
func splitMetaArgs(args []string, what string) (resources, updates []string, err error) {
	for _, a := range args {
		isUpdate := strings.Contains(a, "=") && a[0] != '=' || strings.HasSuffix(a, "-") && a != "-"
		switch {
		case isUpdate:
			updates = append(updates, a)
		case len(updates) > 0:
			return nil, nil, fmt.Errorf("all resources must be specified before %s changes: %s", what, a)
		default:
			resources = append(resources, a)
		}
	}
	return resources, updates, nil
}

// MetaResult is the outcome of UpdateMeta: the write's result, and the
// keys the update set and removed (kubectl's "labeled", "unlabeled",
// "modified" or "not labeled" follow from them). Missing are the keys to
// remove that the object did not have.
type MetaResult struct {
	Result
	Added, Removed, Missing []string
}

// changeCauseAnnotation may always be overwritten, as kubectl allows.
const changeCauseAnnotation = "kubernetes.io/change-cause"

// MetaOptions are the choices of UpdateMeta.
type MetaOptions struct {
	// Overwrite allows changing a key that has a different value.
	Overwrite bool
	// ResourceVersion, if set, makes the update fail with a Conflict
	// unless the object is still at that version.
	ResourceVersion string
	// DryRun computes the updated object without storing it.
	DryRun bool
}

// UpdateMeta applies a MetaUpdate to the labels (or annotations) of the
// object named by obj, as kubectl label and annotate do: it reads the
// object, refuses to change a value that is set already unless
// overwrite, and sends the difference as a JSON merge patch. The patch
// carries no resourceVersion — concurrent updates of other keys never
// conflict — unless opts.ResourceVersion is given.
func UpdateMeta(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, field string, upd MetaUpdate, opts MetaOptions) MetaResult {
	res := MetaResult{Result: Result{Type: t, Object: obj, Action: Unchanged}}
	current, err := resource.Get(ctx, c, t, obj.GetNamespace(), obj.GetName())
	if err != nil {
		res.Err = err
		return res
	}
	res.Object = current
	old, _, _ := unstructured.NestedStringMap(current.Object, "metadata", field)
	if !opts.Overwrite {
		if res.Err = checkOverwrites(old, upd.Set, field == "labels"); res.Err != nil {
			return res
		}
	}
	patch := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(upd.Set)) {
		if cur, ok := old[k]; !ok || cur != upd.Set[k] {
			patch[k] = upd.Set[k]
			res.Added = append(res.Added, k)
		}
	}
	for _, k := range upd.Remove {
		if _, ok := old[k]; ok {
			patch[k] = nil
			res.Removed = append(res.Removed, k)
		} else {
			res.Missing = append(res.Missing, k)
		}
	}
	if len(patch) == 0 {
		return res
	}
	md := map[string]any{field: patch}
	if opts.ResourceVersion != "" {
		md["resourceVersion"] = opts.ResourceVersion
	}
	data, err := json.Marshal(map[string]any{"metadata": md})
	if err != nil {
		res.Err = err
		return res
	}
	var popts []client.PatchOption
	if opts.DryRun {
		popts = append(popts, client.DryRunAll)
	}
	if err := c.Patch(ctx, current, client.RawPatch(types.MergePatchType, data), popts...); err != nil {
		res.Err = err
		return res
	}
	switch {
	case len(res.Added) > 0 && len(res.Removed) > 0:
		res.Action = Modified
	case len(res.Added) > 0:
		res.Action = Patched
	default:
		res.Action = Deleted
	}
	return res
}

// checkOverwrites refuses to change keys that have a different value
// already, with kubectl's messages: one error per label, one error
// listing every annotation.
func checkOverwrites(old, set map[string]string, isLabel bool) error {
	var errs []error
	var found []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		cur, ok := old[k]
		if !ok || cur == set[k] || !isLabel && k == changeCauseAnnotation {
			continue
		}
		if isLabel {
			errs = append(errs, fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, cur))
		} else {
			found = append(found, fmt.Sprintf("'%s' already has a value (%s)", k, cur))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("--overwrite is false but found the following declared annotation(s): %s", strings.Join(found, "; "))
	}
	return utilerrors.NewAggregate(errs)
}

// metaOptions are the flags of label and annotate, and which of the two
// runs.
type metaOptions struct {
	isLabel              bool
	field, noun          string
	overwrite, all, list bool
	selector, rv         string
	output, dryRun       string
	files                resource.FilenameOptions
}

func (c *CLI) newMetaCommand(isLabel bool) *cobra.Command {
	verb, field, noun := "annotate", "annotations", "annotation"
	if isLabel {
		verb, field, noun = "label", "labels", "label"
	}
	o := &metaOptions{isLabel: isLabel, field: field, noun: noun}
	cmd := &cobra.Command{
		Use:   verb + " [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version]",
		Short: "Update the " + field + " on a resource",
		Long: "Update the " + field + " on a resource.\n\nA " + noun + " key and value are KEY=VALUE; KEY- removes the " + noun +
			". An existing " + noun + " is only changed with --overwrite. With --resource-version the update fails if the object changed since that version.",
		Example:           "  # Set a " + noun + "\n  " + c.Name + " " + verb + " item hammer color=red\n\n  # Remove it\n  " + c.Name + " " + verb + " item hammer color-",
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.runMeta(cmd, o, args)
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.overwrite, "overwrite", false, "If true, allow "+field+" to be overwritten, otherwise reject "+noun+" updates that overwrite existing "+field+".")
	f.BoolVar(&o.all, "all", false, "Select all resources, in the namespace of the specified resource types")
	f.StringVarP(&o.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.")
	f.StringVar(&o.rv, "resource-version", "", "If non-empty, the "+noun+" update will only succeed if this is the current resource-version for the object. Only valid when specifying a single resource.")
	f.BoolVar(&o.list, "list", false, "If true, display the "+field+" for a given resource.")
	f.StringSliceVarP(&o.files.Filenames, "filename", "f", nil, "Filename, directory, or URL to files identifying the resource to update the "+noun+"s")
	f.StringVarP(&o.output, "output", "o", "", "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).")
	f.StringVar(&o.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	return cmd
}

func (c *CLI) runMeta(cmd *cobra.Command, o *metaOptions, args []string) error {
	ctx := cmd.Context()
	resArgs, updArgs, err := splitMetaArgs(args, o.noun)
	if err != nil {
		return err
	}
	if len(resArgs) == 0 && len(o.files.Filenames) == 0 {
		return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
	}
	if len(resArgs) > 0 && len(o.files.Filenames) > 0 {
		return errors.New("resource/name arguments cannot be provided when a path is specified")
	}
	if len(updArgs) == 0 && !o.list {
		return fmt.Errorf("at least one %s update is required", o.noun)
	}
	upd, err := ParseMetaUpdate(updArgs, o.isLabel)
	if err != nil {
		return err
	}
	mode, err := writeMode(o.dryRun, o.output)
	if err != nil {
		return err
	}
	suffix := dryRunSuffix(mode)
	s, rctx, cancel, err := c.sessionRequest(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	var targets []Result
	if o.all || o.selector != "" {
		targets, err = c.selectedTargets(rctx, s, resArgs, o.selector)
	} else {
		targets, err = c.targets(ctx, s, resArgs, o.files, cmd.CommandPath())
	}
	if err != nil {
		return err
	}
	if o.rv != "" && (o.all || o.selector != "" || len(targets) != 1) {
		return fmt.Errorf("--resource-version may only be used with a single resource")
	}
	var errs []error
	for _, tg := range targets {
		if o.list {
			errs = append(errs, c.listMeta(rctx, s, tg, o.field))
			continue
		}
		r := UpdateMeta(rctx, s.Client, tg.Type, tg.Object, o.field, upd, MetaOptions{Overwrite: o.overwrite, ResourceVersion: o.rv, DryRun: mode != ""})
		if r.Err != nil {
			errs = append(errs, r.Err)
			continue
		}
		if o.output != "" {
			errs = append(errs, c.printResult(r.Result, o.output, ""))
			continue
		}
		msg := "annotated"
		if o.isLabel {
			for _, k := range r.Missing {
				_, _ = fmt.Fprintf(c.Out, "label %q not found.\n", k)
			}
			msg = map[Action]string{Unchanged: "not labeled", Patched: "labeled", Deleted: "unlabeled", Modified: "modified"}[r.Action]
		}
		_, _ = fmt.Fprintf(c.Out, "%s %s%s\n", r.Name(), msg, suffix)
	}
	return utilerrors.NewAggregate(errs)
}

// selectedTargets lists the objects of the types args name that selector
// selects, in the command's namespace.
func (c *CLI) selectedTargets(ctx context.Context, s *Session, args []string, selector string) ([]Result, error) {
	refs, err := resource.ParseArgs(s.Registry, args)
	if err != nil {
		return nil, err
	}
	var targets []Result
	for _, ref := range refs {
		for _, t := range ref.Types {
			items, _, err := resource.List(ctx, s.Client, t, resource.ListRequest{Namespace: c.Flags.NamespaceOrDefault(), LabelSelector: selector})
			if err != nil {
				return nil, err
			}
			for _, u := range items {
				targets = append(targets, Result{Type: t, Object: u})
			}
		}
	}
	return targets, nil
}

// listMeta prints tg's labels or annotations (field), sorted, as --list
// does.
func (c *CLI) listMeta(ctx context.Context, s *Session, tg Result, field string) error {
	u, err := resource.Get(ctx, s.Client, tg.Type, tg.Object.GetNamespace(), tg.Object.GetName())
	if err != nil {
		return err
	}
	m, _, _ := unstructured.NestedStringMap(u.Object, "metadata", field)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		_, _ = fmt.Fprintf(c.Out, "%s=%s\n", k, m[k])
	}
	return nil
}
