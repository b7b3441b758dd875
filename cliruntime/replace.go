package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// Replaced is what replace prints after an object's name.
const Replaced Action = "replaced"

// ReplaceOptions change Replace.
type ReplaceOptions struct {
	// DryRun validates the update without storing it.
	DryRun bool
	// SaveConfig writes the last-applied annotation, as kubectl's
	// --save-config; without it an annotation already in the object is
	// brought up to date, as kubectl does.
	SaveConfig bool
	// FieldManager names the writer in managedFields.
	FieldManager string
}

// Replace updates the object obj names with obj as it is, as kubectl
// replace does: an object without a resourceVersion takes the live one's,
// so that it overwrites whatever is there; one with a resourceVersion is
// written only if that is still the live one (else the API server's
// Conflict). An object that does not exist is NotFound: PUT does not
// create.
func Replace(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, opts ReplaceOptions) Result {
	u := obj.DeepCopy()
	res := Result{Type: t, Object: u, Action: Replaced}
	if err := updateLastApplied(u, opts.SaveConfig); err != nil {
		res.Err = err
		return res
	}
	if u.GetResourceVersion() == "" {
		if live, err := resource.Get(ctx, c, t, u.GetNamespace(), u.GetName()); err == nil {
			u.SetResourceVersion(live.GetResourceVersion())
		}
	}
	var uopts []client.UpdateOption
	if opts.DryRun {
		uopts = append(uopts, client.DryRunAll)
	}
	if opts.FieldManager != "" {
		uopts = append(uopts, client.FieldOwner(opts.FieldManager))
	}
	res.Err = c.Update(ctx, u, uopts...)
	return res
}

// updateLastApplied sets the last-applied annotation of u to u itself
// when create is true or the annotation is there already, as kubectl's
// CreateOrUpdateAnnotation.
func updateLastApplied(u *unstructured.Unstructured, create bool) error {
	if _, ok := u.GetAnnotations()[LastAppliedAnnotation]; !ok && !create {
		return nil
	}
	data, err := modifiedConfiguration(u)
	if err != nil {
		return err
	}
	return u.UnmarshalJSON(data)
}

// replaceFlags are replace's own flags beyond WriteOptions.
type replaceFlags struct {
	force        bool
	saveConfig   bool
	cascade      string
	gracePeriod  int
	timeout      time.Duration
	fieldManager string
}

func (c *CLI) newReplaceCommand() *cobra.Command {
	o := &WriteOptions{}
	r := &replaceFlags{}
	cmd := &cobra.Command{
		Use:   "replace -f FILENAME",
		Short: "Replace a resource by file name or stdin",
		Long: `Replace a resource by file name or stdin.

JSON and YAML formats are accepted. If replacing an existing resource, the complete resource spec must be provided. This can be obtained by

  $ ` + c.Name + ` get TYPE NAME -o yaml

An object with a metadata.resourceVersion is replaced only if it is still the live one's (else a Conflict); without one it overwrites the live object. With --force the objects are deleted and created again.`,
		Example: `  # Replace a config map using the data in cm.yaml
  ` + c.Name + ` replace -f ./cm.yaml

  # Replace from stdin
  ` + c.Name + ` get configmap x -o yaml | sed 's/a: b/a: c/' | ` + c.Name + ` replace -f -

  # Force replace, delete and then re-create the resource
  ` + c.Name + ` replace --force -f ./cm.yaml`,
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			mode, err := o.dryRunMode()
			if err != nil {
				return err
			}
			if err := r.validate(mode, o); err != nil {
				return err
			}
			if r.force {
				return c.forceReplace(cmd.Context(), o, r)
			}
			return c.writeAll(cmd.Context(), "replace", o, func(ctx context.Context, cl client.Client, t *registry.Type, obj *unstructured.Unstructured, dryRun string) Result {
				if dryRun == "client" {
					return Result{Type: t, Object: obj, Action: Replaced}
				}
				return Replace(ctx, cl, t, obj, ReplaceOptions{DryRun: dryRun == "server", SaveConfig: r.saveConfig, FieldManager: r.fieldManager})
			})
		}),
	}
	o.addFlags(cmd, "replace")
	f := cmd.Flags()
	f.BoolVar(&r.force, "force", false, "If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.")
	f.StringVar(&r.cascade, "cascade", "background", `Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.`)
	f.Lookup("cascade").NoOptDefVal = "background"
	f.IntVar(&r.gracePeriod, "grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).")
	f.DurationVar(&r.timeout, "timeout", 0, "The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object")
	f.BoolVar(&r.saveConfig, "save-config", false, "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform kubectl apply on this object in the future.")
	f.StringVar(&r.fieldManager, "field-manager", "kubectl-replace", "Name of the manager used to track field ownership.")
	return cmd
}

// validate checks the flags as kubectl replace's Validate does, in its
// order.
func (r *replaceFlags) validate(mode string, o *WriteOptions) error {
	if r.gracePeriod >= 0 && !r.force {
		return errors.New("--grace-period must have --force specified")
	}
	if r.timeout != 0 && !r.force {
		return errors.New("--timeout must have --force specified")
	}
	if r.force && mode != "" {
		return errors.New("--dry-run can not be used when --force is set")
	}
	if len(o.Files.Filenames) == 0 {
		return errors.New("must specify --filename to replace")
	}
	if _, err := ParseCascade(r.cascade); err != nil {
		return err
	}
	return nil
}

// forceReplace deletes every object of the files (those missing are
// skipped; none found prints "No resources found" as kubectl), waits
// until they are gone, then creates them from the files, as kubectl
// replace --force.
func (c *CLI) forceReplace(ctx context.Context, o *WriteOptions, r *replaceFlags) error {
	if err := checkWriteOutput(o.Output); err != nil {
		return err
	}
	policy, _ := ParseCascade(r.cascade)
	o.Files.FieldValidation, o.Files.Warn = c.fieldValidation, c.printWarning
	infos, err := o.Files.Read(c.In)
	if err != nil {
		return err
	}
	s, err := c.preparedSession(ctx, infos)
	if err != nil {
		return err
	}
	// kubectl deletes first and loses the object when its new version
	// is invalid; here every new version is validated first by a dry-run
	// create under a generated name (the live one still holds its name),
	// and nothing is deleted if any fails.
	var errs []error
	for _, info := range infos {
		u := info.Object.DeepCopy()
		u.SetResourceVersion("")
		u.SetName("")
		u.SetGenerateName("k1s-replace-")
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		err = s.Client.Create(rctx, u, client.DryRunAll)
		cancel()
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		_, _ = fmt.Fprintf(c.ErrOut, "Nothing was deleted: %d of %d objects failed validation.\n", len(errs), len(infos))
		return utilerrors.NewAggregate(errs)
	}
	var deleted []Result
	for _, info := range infos {
		if c.interrupted(ctx) {
			return nil
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		d := Delete(rctx, s.Client, info.Type, info.Object, policy, false)
		cancel()
		if apierrors.IsNotFound(d.Err) {
			continue
		}
		if d.Err != nil {
			errs = append(errs, withSource("deleting", info.Source, d.Err))
			continue
		}
		deleted = append(deleted, d)
		operation := "deleted"
		if r.gracePeriod == 0 {
			operation = "force deleted"
		}
		if info.Type.Namespaced {
			operation += " from " + info.Object.GetNamespace() + " namespace"
		}
		_, _ = fmt.Fprintf(c.Out, "%s %q %s\n", strings.ToLower(info.Type.Kind.GroupKind().String()), info.Object.GetName(), operation)
	}
	if len(errs) > 0 {
		return utilerrors.NewAggregate(errs)
	}
	if len(deleted) == 0 {
		_, _ = fmt.Fprintln(c.Out, "No resources found")
	}
	timeout := r.timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	if err := c.waitDeleted(ctx, s, deleted, timeout); err != nil || c.cancelled {
		return err
	}
	for _, info := range infos {
		if c.interrupted(ctx) {
			return nil
		}
		u := info.Object.DeepCopy()
		u.SetResourceVersion("")
		if err := updateLastApplied(u, r.saveConfig); err != nil {
			return err
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		err = s.Client.Create(rctx, u, client.FieldOwner(r.fieldManager))
		cancel()
		if err != nil {
			return err
		}
		if err := c.printResult(Result{Type: info.Type, Object: u, Action: Replaced}, o.Output, ""); err != nil {
			return err
		}
	}
	return nil
}
