package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// ParseCascade maps --cascade to a propagation policy as kubectl does:
// background (also "true"), foreground, orphan (also "false").
func ParseCascade(v string) (metav1.DeletionPropagation, error) {
	switch v {
	case "background", "true", "":
		return metav1.DeletePropagationBackground, nil
	case "foreground":
		return metav1.DeletePropagationForeground, nil
	case "orphan", "false":
		return metav1.DeletePropagationOrphan, nil
	}
	return "", fmt.Errorf(`invalid cascade value (%v). Must be "background", "foreground", or "orphan"`, v)
}

// Delete deletes obj of type t with the given propagation policy.
func Delete(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, policy metav1.DeletionPropagation, dryRun bool) Result {
	opts := []client.DeleteOption{client.PropagationPolicy(policy)}
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	u := resource.NewObject(t, obj.GetNamespace(), obj.GetName())
	err := c.Delete(ctx, u, opts...)
	return Result{Type: t, Object: u, Action: Deleted, Err: err}
}

// DeleteOptions are the flags of delete.
type DeleteOptions struct {
	Files          resource.FilenameOptions
	LabelSelector  string
	FieldSelector  string
	All            bool
	AllNamespaces  bool
	Cascade        string
	IgnoreNotFound bool
	Output         string
	DryRun         string
	GracePeriod    int
	Now            bool
	// Force is kubectl's --force: with a grace period of 0 (its default
	// then) the objects are "force deleted". k1s deletes immediately
	// either way — nothing runs that could be asked to stop — so only
	// the words and kubectl's warning follow from it.
	Force bool
	// Wait waits, after the deletes, until the objects are gone (their
	// finalizers removed), at most Timeout (0: a week, as kubectl).
	Wait    bool
	Timeout time.Duration
}

func (c *CLI) newDeleteCommand() *cobra.Command {
	o := &DeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [flags]",
		Short: "Delete resources by file names, stdin, resources and names, or by resources and label selector",
		Long: `Delete resources by file names, stdin, resources and names, or by resources and label selector.

Objects that others own (ownerReferences) are deleted with their owner, unless --cascade=orphan. With no garbage collector running, the cascade happens within the delete itself.`,
		Example: `  # Delete the objects of a file
  ` + c.Name + ` delete -f ` + c.Flags.Brand.exampleFile() + `

  # Delete every one of the ` + c.Flags.Brand.exampleResource() + ` labelled color=red
  ` + c.Name + ` delete ` + c.Flags.Brand.exampleResource() + ` -l color=red`,
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.runDelete(cmd.Context(), o, args)
		}),
	}
	f := cmd.Flags()
	f.StringSliceVarP(&o.Files.Filenames, "filename", "f", nil, "containing the resource to delete.")
	f.BoolVarP(&o.Files.Recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively.")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Selector (label query) to filter on, not including uninitialized ones, supports '=', '==', '!=', 'in', 'notin'.")
	f.StringVar(&o.FieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='.")
	f.BoolVar(&o.All, "all", false, "Delete all resources, in the namespace of the specified resource types.")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	f.StringVar(&o.Cascade, "cascade", "background", `Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.`)
	f.Lookup("cascade").NoOptDefVal = "background"
	f.BoolVar(&o.IgnoreNotFound, "ignore-not-found", false, "Treat \"resource not found\" as a successful delete. Defaults to \"true\" when --all is specified.")
	f.StringVarP(&o.Output, "output", "o", "", "Output mode. Use \"-o name\" for shorter output (resource/name).")
	f.StringVar(&o.DryRun, "dry-run", "none", `Must be "none", "server", or "client".`)
	f.Lookup("dry-run").NoOptDefVal = "unchanged"
	f.IntVar(&o.GracePeriod, "grace-period", -1, "Accepted for compatibility; deletion is immediate.")
	f.BoolVar(&o.Now, "now", false, "Accepted for compatibility; deletion is immediate.")
	f.BoolVar(&o.Force, "force", false, "If true, immediately remove resources from API and bypass graceful deletion. Deletion is immediate in k1s anyway; the flag keeps kubectl's words and warning.")
	f.BoolVar(&o.Wait, "wait", true, "If true, wait for resources to be gone before returning. This waits for finalizers.")
	f.DurationVar(&o.Timeout, "timeout", 0, "The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object")
	_ = cmd.MarkFlagFilename("filename", "json", "yaml", "yml")
	return cmd
}

// deleteTarget is one object a delete names: from a file (src names it)
// or from the command's arguments.
type deleteTarget struct {
	t   *registry.Type
	obj *unstructured.Unstructured
	src string
}

func (c *CLI) runDelete(ctx context.Context, o *DeleteOptions, args []string) error {
	policy, err := ParseCascade(o.Cascade)
	if err != nil {
		return err
	}
	wo := WriteOptions{DryRun: o.DryRun}
	mode, err := wo.dryRunMode()
	if err != nil {
		return err
	}
	if o.All && (o.LabelSelector != "" || o.FieldSelector != "") {
		// kubectl's sentence, its trailing blank included.
		return errors.New("setting 'all' parameter but found a non empty selector. ")
	}
	// kubectl turns --grace-period=0 into 1 unless --force, and --force
	// alone into a grace period of 0.
	if o.GracePeriod == 0 && !o.Force {
		o.GracePeriod = 1
	}
	if o.Force && o.GracePeriod < 0 {
		o.GracePeriod = 0
	}
	if o.Now {
		if o.GracePeriod != -1 {
			return errors.New("--now and --grace-period cannot be specified together")
		}
		o.GracePeriod = 1
	}
	if len(args) == 0 && len(o.Files.Filenames) == 0 {
		return errNoResources
	}
	if len(args) > 0 && len(o.Files.Filenames) > 0 {
		return errors.New("when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well")
	}
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	var targets []deleteTarget
	if len(o.Files.Filenames) > 0 {
		targets, err = c.deleteTargetsFromFiles(o, s)
	} else {
		targets, err = c.deleteTargetsFromArgs(ctx, o, s, args)
		if err == nil && len(targets) == 0 {
			_, _ = fmt.Fprintln(c.Out, "No resources found")
			return nil
		}
	}
	if err != nil {
		return err
	}
	if o.GracePeriod == 0 && o.Force {
		_, _ = fmt.Fprintln(c.ErrOut, "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.")
	}
	deleted, err := c.deleteTargets(ctx, o, s, targets, policy, mode)
	if err != nil {
		return err
	}
	if !o.Wait || mode != "" || c.cancelled {
		return nil
	}
	return c.waitDeleted(ctx, s, deleted, o.Timeout)
}

// deleteTargetsFromFiles returns the objects of o's files.
func (c *CLI) deleteTargetsFromFiles(o *DeleteOptions, s *Session) ([]deleteTarget, error) {
	infos, err := o.Files.Read(c.In)
	if err != nil {
		return nil, err
	}
	if err := resource.Prepare(s.Registry, infos, c.Flags.NamespaceOrDefault(), c.Flags.NamespaceExplicit); err != nil {
		return nil, err
	}
	targets := make([]deleteTarget, 0, len(infos))
	for _, info := range infos {
		targets = append(targets, deleteTarget{info.Type, info.Object, info.Source})
	}
	return targets, nil
}

// deleteTargetsFromArgs returns the objects the arguments name, or, for
// a type named without names, those o's selectors (or --all) list.
func (c *CLI) deleteTargetsFromArgs(ctx context.Context, o *DeleteOptions, s *Session, args []string) ([]deleteTarget, error) {
	refs, err := resource.ParseArgs(s.Registry, args)
	if err != nil {
		return nil, err
	}
	ns := c.Flags.NamespaceOrDefault()
	selecting := o.All || o.LabelSelector != "" || o.FieldSelector != ""
	var targets []deleteTarget
	for _, ref := range refs {
		if len(ref.Names) > 0 && selecting {
			return nil, fmt.Errorf("name cannot be provided when a selector is specified")
		}
		if len(ref.Names) == 0 && !selecting {
			return nil, fmt.Errorf("resource(s) were provided, but no name was specified")
		}
		for _, t := range ref.Types {
			if len(ref.Names) > 0 {
				for _, n := range ref.Names {
					targets = append(targets, deleteTarget{t, resource.NewObject(t, ns, n), ""})
				}
				continue
			}
			rctx, cancel, err := c.requestContext(ctx)
			if err != nil {
				return nil, err
			}
			items, _, err := resource.List(rctx, s.Client, t, resource.ListRequest{Namespace: ns, AllNamespaces: o.AllNamespaces, LabelSelector: o.LabelSelector, FieldSelector: o.FieldSelector})
			cancel()
			if err != nil {
				return nil, err
			}
			for _, u := range items {
				targets = append(targets, deleteTarget{t, u, ""})
			}
		}
	}
	return targets, nil
}

// deleteTargets deletes every target (none in a client dry run), prints a
// line for each, and returns those deleted, or the failures together.
func (c *CLI) deleteTargets(ctx context.Context, o *DeleteOptions, s *Session, targets []deleteTarget, policy metav1.DeletionPropagation, mode string) ([]Result, error) {
	suffix := dryRunSuffix(mode)
	progress := c.newProgress(len(targets), "delete")
	var deleted []Result
	var errs []error
	for i, tg := range targets {
		if c.interrupted(ctx) {
			break
		}
		r := Result{Type: tg.t, Object: tg.obj, Action: Deleted}
		if mode != "client" {
			rctx, cancel, err := c.requestContext(ctx)
			if err != nil {
				return nil, err
			}
			r = Delete(rctx, s.Client, tg.t, tg.obj, policy, mode == "server")
			cancel()
		}
		progress.set(i + 1)
		if r.Err != nil {
			if !apierrors.IsNotFound(r.Err) || !o.IgnoreNotFound && !o.All {
				errs = append(errs, withSource("deleting", tg.src, r.Err))
			}
			continue
		}
		deleted = append(deleted, r)
		progress.clear()
		c.printDeleted(o, tg, r, suffix)
	}
	progress.done()
	return deleted, utilerrors.NewAggregate(errs)
}

// printDeleted prints kubectl's line for a deleted object.
func (c *CLI) printDeleted(o *DeleteOptions, tg deleteTarget, r Result, suffix string) {
	if o.Output == "name" {
		_, _ = fmt.Fprintln(c.Out, r.Name())
		return
	}
	// kubectl names the kind here, not the resource: `item.inventory.example.com "x" deleted`.
	operation := "deleted"
	if o.GracePeriod == 0 {
		operation = "force deleted"
	}
	if tg.t.Namespaced {
		operation += " from " + r.Object.GetNamespace() + " namespace"
	}
	_, _ = fmt.Fprintf(c.Out, "%s %q %s%s\n", strings.ToLower(tg.t.Kind.GroupKind().String()), tg.obj.GetName(), operation, suffix)
}

// waitDeleted waits until every deleted object is gone, as kubectl's
// delete --wait does: an object that finalizers keep stays until the last
// one is removed, by this or another process. It reads each object and,
// while it is still there, watches it for its DELETED event. A new
// object of the same name (no deletionTimestamp) means the deleted one is
// gone. timeout 0 means a week; when it passes, the error is kubectl's.
func (c *CLI) waitDeleted(ctx context.Context, s *Session, deleted []Result, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 168 * time.Hour
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, r := range deleted {
		if err := c.waitGone(wctx, s, r.Type, r.Object.GetNamespace(), r.Object.GetName()); err != nil {
			if ctx.Err() != nil {
				c.interrupted(ctx)
				return nil
			}
			if wctx.Err() != nil {
				return fmt.Errorf("timed out waiting for the condition on %s/%s", r.Type.Resource, r.Object.GetName())
			}
			return err
		}
	}
	return nil
}

// waitGone returns once the object is gone; a watch that ends or fails
// on the way is started again from a fresh read.
func (c *CLI) waitGone(ctx context.Context, s *Session, t *registry.Type, namespace, name string) error {
	for {
		u, err := resource.Get(ctx, s.Client, t, namespace, name)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.GetDeletionTimestamp() == nil {
			return nil
		}
		c.logf(4, "waiting for %s %q to be deleted (finalizers %v)", t.QualifiedResource(), name, u.GetFinalizers())
		uid := u.GetUID()
		gone := false
		req := resource.ListRequest{Namespace: namespace, FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()}
		err = c.watchFrom(ctx, s, t, req, u.GetResourceVersion(), func(ev watch.EventType, obj *unstructured.Unstructured) error {
			// Its DELETED event, or any event of another object of the
			// name: the one deleted is gone.
			if ev == watch.Deleted || obj.GetUID() != uid {
				gone = true
				return errStopWatch
			}
			return nil
		})
		switch {
		case gone:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			// As kubectl, a watch error is reported and the wait goes on,
			// after a pause so that a lasting failure does not spin.
			_, _ = fmt.Fprintf(c.ErrOut, "error: An error occurred while waiting for the object to be deleted: %v\n", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
	}
}

// errStopWatch ends a watch from its event handler.
var errStopWatch = errors.New("stop watching")
