package cliruntime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// LastAppliedAnnotation holds the configuration last applied with
// `apply`, the "original" of the three-way merge.
const LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// Action is what a write did to an object.
type Action string

// The actions kubectl prints after an object's name.
const (
	Created    Action = "created"
	Configured Action = "configured"
	Unchanged  Action = "unchanged"
	Deleted    Action = "deleted"
	Patched    Action = "patched"
	// Modified is what label prints when it both set and removed labels.
	Modified Action = "modified"
	// Retrieving marks a failure to read the live object: kubectl
	// reports it as "error when retrieving current configuration of".
	Retrieving Action = "retrieving"
)

// Result is the outcome of a write to one object.
type Result struct {
	Type   *registry.Type
	Object *unstructured.Unstructured
	Action Action
	// Source is the file the object came from, if any.
	Source string
	Err    error
}

// Name is kubectl's type/name form of the result's object.
func (r Result) Name() string {
	return printers.ResourceName(r.Type.Kind.GroupKind(), r.Object.GetName())
}

// ApplyOptions change Apply.
type ApplyOptions struct {
	// DryRun validates and computes the result without storing it (the
	// server dry run).
	DryRun bool
	// ClientDryRun reads the live object and computes the outcome
	// locally, as kubectl's --dry-run=client: "created" for an object that
	// does not exist, else the three-way patch applied to the live object
	// ("unchanged" when it is empty). Nothing is validated or written.
	ClientDryRun bool
	// ServerSide sends obj as a server-side apply patch, as kubectl apply
	// --server-side, with FieldManager as its manager, taking over fields
	// that others manage when Force; to Subresource ("status") when set.
	ServerSide   bool
	Force        bool
	FieldManager string
	Subresource  string
	// Warn, when set, receives kubectl's warnings (without "Warning: "):
	// that of a live object without the last-applied annotation, naming
	// CommandName (the program, "kubectl" when empty) as kubectl does.
	Warn        func(text string)
	CommandName string
	// WithoutLastApplied computes the result as kubectl diff does: the
	// configuration is merged (or created) without the last-applied
	// annotation, so the annotation the live object has stays as it is.
	WithoutLastApplied bool
}

// missingLastApplied is kubectl apply's warning for a live object that
// was not created by apply: its patch then has no "original" to remove
// what the configuration no longer has.
const missingLastApplied = "resource %[1]s is missing the %[2]s annotation which is required by %[3]s apply. %[3]s apply should only be used on resources created declaratively by either %[3]s create --save-config or %[3]s apply. The missing annotation will be patched automatically."

// ServerSideApplied is the action kubectl prints for a server-side apply.
const ServerSideApplied Action = "serverside-applied"

// kubectl's field managers of apply, which k1s records under the same
// names so that managedFields read as a cluster's do.
const (
	// FieldManagerClientSideApply is client-side apply's manager.
	FieldManagerClientSideApply = "kubectl-client-side-apply"
	// FieldManagerServerSideApply is server-side apply's default manager.
	FieldManagerServerSideApply = "kubectl"
	// fieldManagerLastApplied owns the last-applied annotation kept
	// through a migration to server-side apply.
	fieldManagerLastApplied = "kubectl-last-applied"
	// maxPatchRetry bounds the migration's retries on a Conflict.
	maxPatchRetry = 5
)

// lastAppliedPath is the last-applied annotation's field path.
var lastAppliedPath = fieldpath.NewSet(fieldpath.MakePathOrDie("metadata", "annotations", LastAppliedAnnotation))

// ApplyFieldManager is kubectl's choice of apply's field manager: the
// --field-manager flag when set, else FieldManagerServerSideApply or
// FieldManagerClientSideApply.
func ApplyFieldManager(cmd *cobra.Command, serverSide bool) string {
	if f := cmd.Flags().Lookup("field-manager"); f != nil && f.Changed {
		return f.Value.String()
	}
	if serverSide {
		return FieldManagerServerSideApply
	}
	return FieldManagerClientSideApply
}

// conflictHint is what kubectl adds to a server-side apply's Conflict.
const conflictHint = `
Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the ` + "`--force-conflicts`" + ` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`

// modifiedConfiguration returns obj's JSON with the last-applied
// annotation set to the JSON of obj without it, as kubectl computes it
// (the annotation's value ends with a newline and keeps an empty
// annotations map).
func modifiedConfiguration(obj *unstructured.Unstructured) ([]byte, error) {
	u := stripLastApplied(obj)
	original, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	annots := u.GetAnnotations() // non-nil: stripLastApplied set the map
	annots[LastAppliedAnnotation] = string(original) + "\n"
	if err := unstructured.SetNestedStringMap(u.Object, annots, "metadata", "annotations"); err != nil {
		return nil, err
	}
	return json.Marshal(u.Object)
}

// stripLastApplied is a copy of obj without the last-applied annotation,
// and with an empty annotations map where it has none: kubectl's
// modified configuration when it does not annotate (diff).
func stripLastApplied(obj *unstructured.Unstructured) *unstructured.Unstructured {
	u := obj.DeepCopy()
	annots := u.GetAnnotations()
	if annots == nil {
		annots = map[string]string{}
	}
	delete(annots, LastAppliedAnnotation)
	_ = unstructured.SetNestedStringMap(u.Object, annots, "metadata", "annotations") // a map of strings always sets
	return u
}

// setLastApplied sets obj's last-applied annotation as apply would, for
// create --save-config.
func setLastApplied(obj *unstructured.Unstructured) error {
	modified, err := modifiedConfiguration(obj)
	if err != nil {
		return err
	}
	return obj.UnmarshalJSON(modified)
}

// Apply applies obj of type t with kubectl's client-side three-way merge:
// a missing object is created carrying the last-applied annotation; an
// existing one is patched with the difference between the last applied
// configuration, obj and the live object — a strategic merge patch for
// built-in Go types, a JSON merge patch for the others. An empty patch
// is "unchanged".
func Apply(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, opts ApplyOptions) Result {
	res := Result{Type: t, Object: obj}
	if opts.ServerSide {
		return serverSideApply(ctx, c, t, obj, opts)
	}
	var modified []byte
	var err error
	if opts.WithoutLastApplied {
		modified, err = json.Marshal(stripLastApplied(obj).Object)
	} else {
		modified, err = modifiedConfiguration(obj)
	}
	if err != nil {
		res.Err = err
		return res
	}
	current, err := resource.Get(ctx, c, t, obj.GetNamespace(), obj.GetName())
	if apierrors.IsNotFound(err) {
		u := &unstructured.Unstructured{}
		if opts.WithoutLastApplied {
			u = obj.DeepCopy()
		} else if err := u.UnmarshalJSON(modified); err != nil {
			res.Err = err
			return res
		}
		res.Action = Created // an error is one "when creating"
		if opts.ClientDryRun {
			res.Object = u
			return res
		}
		copts := []client.CreateOption{client.FieldOwner(csaManager(opts))}
		if opts.DryRun {
			copts = append(copts, client.DryRunAll)
		}
		if err := c.Create(ctx, u, copts...); err != nil {
			res.Err = err
			return res
		}
		res.Object, res.Action = u, Created
		return res
	}
	if err != nil {
		res.Err, res.Action = err, Retrieving
		return res
	}
	last, ok := current.GetAnnotations()[LastAppliedAnnotation]
	if !ok && opts.Warn != nil {
		cmd := opts.CommandName
		if cmd == "" {
			cmd = "kubectl"
		}
		opts.Warn(fmt.Sprintf(missingLastApplied, t.Resource+"/"+current.GetName(), LastAppliedAnnotation, cmd))
	}
	original := []byte(last)
	currentJSON, err := json.Marshal(current.Object)
	if err != nil {
		res.Err = err
		return res
	}
	patchType, patch, err := threeWayPatch(c.Scheme(), t, original, modified, currentJSON)
	if err != nil {
		o, m, cur := string(original), string(modified), string(currentJSON)
		if isSecret(t.Kind.GroupKind()) {
			o, m, cur = redactSecret(original), redactSecret(modified), redactSecret(currentJSON)
		}
		res.Err = fmt.Errorf("creating patch with:\noriginal:\n%s\nmodified:\n%s\ncurrent:\n%s\nfor: %s: %w",
			o, m, cur, res.Name(), err)
		return res
	}
	if string(patch) == "{}" {
		res.Object, res.Action = current, Unchanged
		return res
	}
	if opts.ClientDryRun {
		res.Object, res.Err = patchLocal(c.Scheme(), t, currentJSON, patchType, patch)
		res.Action = Configured
		return res
	}
	popts := []client.PatchOption{client.FieldOwner(csaManager(opts))}
	if opts.DryRun {
		popts = append(popts, client.DryRunAll)
	}
	if err := c.Patch(ctx, current, client.RawPatch(patchType, patch), popts...); err != nil {
		res.Err = err
		return res
	}
	res.Object, res.Action = current, Configured
	return res
}

// serverSideApply is Apply with opts.ServerSide: the whole object is the
// patch, merged by the server with what other managers own.
func serverSideApply(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, opts ApplyOptions) Result {
	res := Result{Type: t, Object: obj.DeepCopy(), Action: ServerSideApplied}
	if res.Err = CheckSubresource(t, opts.Subresource, obj.GetName()); res.Err != nil {
		return res
	}
	owner := client.FieldOwner(opts.FieldManager)
	if opts.Subresource != "" {
		sopts := []client.SubResourcePatchOption{owner}
		if opts.Force {
			sopts = append(sopts, client.ForceOwnership)
		}
		if opts.DryRun {
			sopts = append(sopts, client.DryRunAll)
		}
		res.Err = c.Status().Patch(ctx, res.Object, client.Apply, sopts...)
		return res
	}
	popts := []client.PatchOption{owner}
	if opts.Force {
		popts = append(popts, client.ForceOwnership)
	}
	if opts.DryRun {
		popts = append(popts, client.DryRunAll)
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		res.Err = err
		return res
	}
	if res.Err = c.Patch(ctx, res.Object, client.RawPatch(types.ApplyPatchType, data), popts...); res.Err != nil {
		if apierrors.IsConflict(res.Err) {
			res.Err = fmt.Errorf("%v%s", res.Err, conflictHint) //nolint:errorlint // kubectl prints it as a plain error, with "error: "
		}
		return res
	}
	if opts.DryRun {
		return res
	}
	// As kubectl: keep the last-applied annotation under its own manager,
	// then move what client-side apply owned to this manager, and if that
	// moved anything apply again, so that fields the configuration no
	// longer has go.
	if err := saveLastApplied(ctx, c, res.Object, opts.FieldManager); err != nil {
		res.Err = fmt.Errorf("saving the last-applied-configuration annotation of %s: %w", res.Name(), err)
		return res
	}
	migrated, err := migrateToSSA(ctx, c, t, res.Object, opts.FieldManager)
	if err != nil {
		res.Err = fmt.Errorf("migrating %s from client-side apply: %w", res.Name(), err)
		return res
	}
	if migrated {
		res.Err = c.Patch(ctx, res.Object, client.RawPatch(types.ApplyPatchType, data), popts...)
	}
	return res
}

// csaManager is client-side apply's field manager.
func csaManager(opts ApplyOptions) string {
	if opts.FieldManager != "" {
		return opts.FieldManager
	}
	return FieldManagerClientSideApply
}

// saveLastApplied applies the last-applied annotation alone as
// kubectl-last-applied when the manager is kubectl's default and no
// apply owns the annotation yet, so that the server-side apply manager's
// next applies (which do not carry it) leave it in place, as kubectl does.
func saveLastApplied(ctx context.Context, c client.Client, obj *unstructured.Unstructured, manager string) error {
	if manager != FieldManagerServerSideApply {
		return nil
	}
	value, ok := obj.GetAnnotations()[LastAppliedAnnotation]
	if !ok || len(csaupgrade.FindFieldsOwners(obj.GetManagedFields(), metav1.ManagedFieldsOperationApply, lastAppliedPath)) > 0 {
		return nil
	}
	just := &unstructured.Unstructured{}
	just.SetGroupVersionKind(obj.GroupVersionKind())
	just.SetName(obj.GetName())
	just.SetNamespace(obj.GetNamespace())
	just.SetAnnotations(map[string]string{LastAppliedAnnotation: value})
	data, err := json.Marshal(just.Object)
	if err != nil {
		return err
	}
	return c.Patch(ctx, obj, client.RawPatch(types.ApplyPatchType, data), client.FieldOwner(fieldManagerLastApplied))
}

// migrateToSSA moves the fields of the managers whose Update owns the
// last-applied annotation (client-side apply's) to manager, with
// client-go's csaupgrade and a JSON patch of managedFields, as kubectl's
// migrateToSSAIfNecessary; it reports whether it changed anything.
func migrateToSSA(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, manager string) (bool, error) {
	names := sets.New[string]()
	for _, e := range csaupgrade.FindFieldsOwners(obj.GetManagedFields(), metav1.ManagedFieldsOperationUpdate, lastAppliedPath) {
		names.Insert(e.Manager)
	}
	var err error
	for range maxPatchRetry {
		var patch []byte
		if patch, err = csaupgrade.UpgradeManagedFieldsPatch(obj, names, manager); err != nil || patch == nil {
			return false, err
		}
		if err = c.Patch(ctx, obj, client.RawPatch(types.JSONPatchType, patch), client.FieldOwner(manager)); err == nil {
			return true, nil
		}
		if !apierrors.IsConflict(err) {
			return false, err
		}
		cur, gerr := resource.Get(ctx, c, t, obj.GetNamespace(), obj.GetName())
		if gerr != nil {
			return false, gerr
		}
		obj.Object = cur.Object
	}
	return false, err
}

// patchLocal applies a patch Apply computed to the live object's JSON, as
// the server would, for a client dry run.
func patchLocal(scheme *runtime.Scheme, t *registry.Type, current []byte, pt types.PatchType, patch []byte) (*unstructured.Unstructured, error) {
	var (
		patched []byte
		err     error
	)
	if pt == types.StrategicMergePatchType {
		patched, err = strategicpatch.StrategicMergePatch(current, patch, typedObject(scheme, t))
	} else {
		patched, err = jsonpatch.MergePatch(current, patch)
	}
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{}
	return u, u.UnmarshalJSON(patched)
}

// typedObject returns a new Go object for t's kind when the scheme has
// one and it is a built-in type, else nil: a custom resource's Go type has
// no patch strategies the server would honour.
func typedObject(scheme *runtime.Scheme, t *registry.Type) runtime.Object {
	if scheme == nil || t.IsCustomResource() {
		return nil
	}
	obj, err := scheme.New(t.Kind)
	if err != nil {
		return nil
	}
	if _, ok := obj.(runtime.Unstructured); ok {
		return nil
	}
	return obj
}

func threeWayPatch(scheme *runtime.Scheme, t *registry.Type, original, modified, current []byte) (types.PatchType, []byte, error) {
	if typed := typedObject(scheme, t); typed != nil {
		meta, err := strategicpatch.NewPatchMetaFromStruct(typed)
		if err != nil {
			return "", nil, err
		}
		patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, meta, true)
		return types.StrategicMergePatchType, patch, err
	}
	patch, err := jsonmergepatch.CreateThreeWayJSONMergePatch(original, modified, current,
		mergepatch.RequireKeyUnchanged("apiVersion"), mergepatch.RequireKeyUnchanged("kind"), mergepatch.RequireMetadataKeyUnchanged("name"))
	return types.MergePatchType, patch, err
}

// Create creates obj of type t.
func Create(ctx context.Context, c client.Client, t *registry.Type, obj *unstructured.Unstructured, dryRun bool) Result {
	var opts []client.CreateOption
	if dryRun {
		// A dry run must fail as the real create would; not every client
		// checks existence on a dry run, so check here.
		if _, err := resource.Get(ctx, c, t, obj.GetNamespace(), obj.GetName()); err == nil {
			return Result{Type: t, Object: obj, Action: Created, Err: apierrors.NewAlreadyExists(t.GroupResource(), obj.GetName())}
		}
		opts = append(opts, client.DryRunAll)
	}
	u := obj.DeepCopy()
	err := c.Create(ctx, u, opts...)
	return Result{Type: t, Object: u, Action: Created, Err: err}
}
