package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// writeFunc writes one object; dryRun is "" (write), "server" (validate
// only) or "client" (compute the outcome without writing).
type writeFunc func(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, dryRun string) Result

// WriteOptions are the flags shared by apply and create -f.
type WriteOptions struct {
	Files resource.FilenameOptions
	// Output is "" (kubectl's "x created" lines), name, yaml or json.
	Output string
	// DryRun is none, client or server.
	DryRun string
	// Atomic adds a validation pass (a server dry run of every object)
	// before the writes and writes nothing unless every object passes.
	// kubectl has no such flag: by default, as kubectl does against a
	// cluster, each object is written on its own and each failure
	// reported.
	Atomic bool
	// ContinueOnError is the default and undoes Atomic; the flag stays
	// for the scripts written when all-or-nothing was the default.
	ContinueOnError bool
	// Selector, a label selector, keeps only the objects of the files
	// whose labels it selects (kubectl's -l); none left is an error.
	Selector string
}

func (o *WriteOptions) addFlags(cmd *cobra.Command, verb string) {
	f := cmd.Flags()
	f.StringSliceVarP(&o.Files.Filenames, "filename", "f", nil, "The files that contain the resources to "+verb+"; a directory, or - for stdin.")
	f.BoolVarP(&o.Files.Recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively.")
	f.StringVarP(&o.Output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	f.StringVar(&o.DryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	f.BoolVar(&o.Atomic, "atomic", false, "All or nothing (k1s only, kubectl has no such flag): validate every object first and write none unless all would succeed. By default, as kubectl does, each valid object is written and each failure reported.")
	f.StringVarP(&o.Selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	f.BoolVar(&o.ContinueOnError, "continue-on-error", false, "Write every valid object and report the others (the default; undoes --atomic).")
	_ = f.MarkHidden("continue-on-error")
	_ = cmd.MarkFlagFilename("filename", "json", "yaml", "yml")
}

// dryRunSuffix is what kubectl appends to an object's line in a dry run
// of mode ("client", "server"; nothing for "").
func dryRunSuffix(mode string) string {
	return map[string]string{"client": " (dry run)", "server": " (server dry run)"}[mode]
}

// writeMode checks a command's --dry-run and -o before anything is read
// or written, and returns the dry-run mode.
func writeMode(dryRun, output string) (string, error) {
	wo := WriteOptions{DryRun: dryRun}
	mode, err := wo.dryRunMode()
	if err != nil {
		return "", err
	}
	return mode, checkWriteOutput(output)
}

func (o *WriteOptions) dryRunMode() (string, error) {
	switch o.DryRun {
	case "", "none", "false":
		return "", nil
	case "client", "server":
		return o.DryRun, nil
	case "unchanged", "true":
		return "client", nil
	}
	return "", fmt.Errorf(`invalid dry-run value (%v). %s`, o.DryRun, `Must be "none", "server", or "client".`)
}

// writeAll writes every object from o's files with fn: first a dry-run
// pass over all of them when Atomic, then the writes, in
// file order with namespaces first. It prints one line per object and
// returns the errors together.
func (c *CLI) writeAll(ctx context.Context, verb string, o *WriteOptions, fn writeFunc) error {
	if len(o.Files.Filenames) == 0 {
		return errors.New("must specify one of -f and -k")
	}
	if err := checkWriteOutput(o.Output); err != nil {
		return err
	}
	mode, err := o.dryRunMode()
	if err != nil {
		return err
	}
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return err
	}
	o.Files.FieldValidation, o.Files.Warn = c.fieldValidation, c.printWarning
	infos, err := o.Files.Read(c.In)
	if err != nil {
		return err
	}
	infos = slices.DeleteFunc(infos, func(i resource.Info) bool { return !sel.Matches(labels.Set(i.Object.GetLabels())) })
	if len(infos) == 0 {
		return fmt.Errorf("no objects passed to %s", verb)
	}
	s, err := c.preparedSession(ctx, infos)
	if err != nil {
		return err
	}
	order, creatingNS := writeOrder(infos)
	w := &writeRun{verb: verb, fn: fn, s: s, infos: infos, order: order, creatingNS: creatingNS}

	// A dry run writes nothing anyway: its one pass is the validation.
	if o.Atomic && !o.ContinueOnError && mode == "" {
		if done, err := c.validateWrites(ctx, w); done || err != nil {
			return err
		}
	}
	return c.writeEach(ctx, w, o, mode)
}

// writeRun is one writeAll: the objects, the order they are written in,
// and the namespaces among them.
type writeRun struct {
	verb       string
	fn         writeFunc
	s          *Session
	infos      []resource.Info
	order      []int
	creatingNS map[string]bool
}

// writeOrder returns the order infos are written in, file order with
// Namespaces first, and the names of those Namespaces.
func writeOrder(infos []resource.Info) (order []int, creatingNS map[string]bool) {
	isNamespace := func(info resource.Info) bool {
		return info.Type.Kind.Group == "" && info.Type.Kind.Kind == "Namespace"
	}
	order = make([]int, len(infos))
	creatingNS = map[string]bool{}
	for i := range order {
		order[i] = i
		if isNamespace(infos[i]) {
			creatingNS[infos[i].Object.GetName()] = true
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return creatingNS[infos[order[a]].Object.GetName()] && isNamespace(infos[order[a]]) && !isNamespace(infos[order[b]])
	})
	return order, creatingNS
}

// validateWrites is --atomic's validation pass: a server dry run of
// every object. A failure there (other than a namespace the run creates) ends
// the command with nothing written; done says it ended (interrupted).
func (c *CLI) validateWrites(ctx context.Context, w *writeRun) (done bool, err error) {
	var errs []error
	for _, i := range w.order {
		if c.interrupted(ctx) {
			return true, nil
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return true, err
		}
		info := w.infos[i]
		r := w.fn(rctx, w.s.Client, info.Type, info.Object, "server")
		cancel()
		if r.Err != nil && !isNamespaceNotFound(r.Err, info.Object.GetNamespace()) || r.Err != nil && !w.creatingNS[info.Object.GetNamespace()] {
			errs = append(errs, withSource(verbing(w.verb, r), info.Source, r.Err))
		}
	}
	if len(errs) > 0 {
		if len(w.infos) > 1 {
			_, _ = fmt.Fprintf(c.ErrOut, "Nothing was written (--atomic): %d of %d objects would fail.\n", len(errs), len(w.infos))
		}
		return true, utilerrors.NewAggregate(errs)
	}
	return false, nil
}

// writeEach writes every object in order with mode's dry run, printing
// a line for each (or, with -o json or yaml, the objects at the end), and
// returns the failures together.
func (c *CLI) writeEach(ctx context.Context, w *writeRun, o *WriteOptions, mode string) error {
	suffix := dryRunSuffix(mode)
	progress := c.newProgress(len(w.infos), w.verb)
	var errs []error
	var groups []printers.Group
	for n, i := range w.order {
		if c.interrupted(ctx) {
			break
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		info := w.infos[i]
		r := w.fn(rctx, w.s.Client, info.Type, info.Object, mode)
		cancel()
		progress.set(n + 1)
		if r.Err != nil && r.Action == Retrieving {
			errs = append(errs, retrieveError(info, r.Err))
			continue
		}
		if r.Err != nil {
			errs = append(errs, withSource(verbing(w.verb, r), info.Source, r.Err))
			continue
		}
		switch o.Output {
		case "":
			progress.clear()
			_, _ = fmt.Fprintf(c.Out, "%s %s%s\n", r.Name(), r.Action, suffix)
		case "name":
			progress.clear()
			_, _ = fmt.Fprintln(c.Out, r.Name())
		default:
			groups = append(groups, printers.Group{Type: r.Type, Items: []*unstructured.Unstructured{r.Object}})
		}
	}
	progress.done()
	if len(groups) > 0 {
		p, _ := printers.NewPrinter(printers.PrintOptions{Output: o.Output})
		if err := p.Print(c.Out, groups, len(groups) == 1); err != nil {
			return err
		}
	}
	return utilerrors.NewAggregate(errs)
}

// checkWriteOutput accepts the -o values of commands that write: the
// object formats, not tables.
func checkWriteOutput(output string) error {
	if output == "wide" {
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,jsonpath,jsonpath-file,name,yaml", output)
	}
	_, err := printers.NewPrinter(printers.PrintOptions{Output: output})
	return err
}

// verbing is what kubectl's "error when ..." says a failed write was
// doing: apply is "creating" an object that did not exist and "applying"
// a patch to one that did.
func verbing(verb string, r Result) string {
	switch {
	case verb == "create", verb == "apply" && r.Action == Created:
		return "creating"
	case r.Action == ServerSideApplied:
		return "" // kubectl reports the server's error as it is
	case verb == "apply":
		return "applying"
	case verb == "replace":
		return "replacing"
	}
	return verb
}

// applyFlags are apply's own flags beyond WriteOptions.
type applyFlags struct {
	serverSide, force         bool
	subresource, fieldManager string
}

func (a *applyFlags) validate(dryRun string) error {
	if a.force && !a.serverSide {
		return errors.New("--force-conflicts only works with --server-side")
	}
	if a.serverSide && dryRun == "client" {
		return errors.New("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)")
	}
	if a.subresource != "" && !a.serverSide {
		return errors.New("--subresource can only be specified for --server-side")
	}
	return nil
}

func (c *CLI) newApplyCommand() *cobra.Command {
	o := &WriteOptions{}
	a := &applyFlags{}
	cmd := &cobra.Command{
		Use:   "apply (-f FILENAME | -f DIRECTORY | -f -) [flags]",
		Short: "Apply a configuration to a resource by file name or stdin",
		Long: `Apply a configuration to a resource by file name or stdin. The resource name must be specified. This resource will be created if it doesn't exist yet.

JSON and YAML formats are accepted. Changes are merged three ways, as kubectl does: the configuration last applied (kept in the kubectl.kubernetes.io/last-applied-configuration annotation), the new one and the live object. Built-in types get a strategic merge patch, plugin types a JSON merge patch.

As kubectl does, each object is applied on its own: the valid ones are written and every failure is reported (exit 1). With --atomic (k1s only) every object is validated first and none is written unless all would succeed.`,
		Example: `  # Apply the objects of a file or directory
  ` + c.Name + ` apply -f ` + c.Flags.Brand.exampleFile() + `

  # Apply from stdin
  cat object.yaml | ` + c.Name + ` apply -f -`,
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			mode, err := o.dryRunMode()
			if err != nil {
				return err
			}
			if err := a.validate(mode); err != nil {
				return err
			}
			return c.writeAll(cmd.Context(), "apply", o, func(ctx context.Context, cl client.Client, t *registry.Type, obj *unstructured.Unstructured, dryRun string) Result {
				return Apply(ctx, cl, t, obj, ApplyOptions{
					DryRun: dryRun == "server", ClientDryRun: dryRun == "client",
					ServerSide: a.serverSide, Force: a.force, FieldManager: ApplyFieldManager(cmd, a.serverSide), Subresource: a.subresource,
					Warn: c.printWarning, CommandName: c.Name,
				})
			})
		}),
	}
	o.addFlags(cmd, "apply")
	f := cmd.Flags()
	f.BoolVar(&a.serverSide, "server-side", false, "If true, apply runs in the server instead of the client.")
	f.BoolVar(&a.force, "force-conflicts", false, "If true, server-side apply will force the changes against conflicts.")
	f.StringVar(&a.fieldManager, "field-manager", "kubectl", "Name of the manager used to track field ownership of a server-side apply.")
	addSubresourceFlag(cmd, &a.subresource, "If specified, apply will operate on the subresource of the requested object.  Only allowed when using --server-side.")
	return cmd
}

// preparedSession opens the session and resolves the type and namespace
// of every object read from files in it: the common start of the verbs
// that take -f.
func (c *CLI) preparedSession(ctx context.Context, infos []resource.Info) (*Session, error) {
	s, err := c.Session(ctx)
	if err != nil {
		return nil, err
	}
	return s, resource.Prepare(s.Registry, infos, c.Flags.NamespaceOrDefault(), c.Flags.NamespaceExplicit)
}
