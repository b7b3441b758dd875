package core

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/fieldmanager"
	"github.com/k1s-dev/k1s/registry"
)

// managedFields: every create, update, patch and status write records
// what its manager set in metadata.managedFields, as kube-apiserver does
// (an Update operation, or Apply for server-side apply), with
// k8s.io/apimachinery's FieldManager. The manager is the request's
// FieldOwner, else Options.FieldManager, else the program's name (as
// kube-apiserver derives it from a client-go program's user agent). Each
// kind's FieldManager, with its type information, is built on the kind's
// first write and kept: reads never build one.

// fmKey names one FieldManager: a type on one subresource.
type fmKey struct {
	t   *registry.Type
	sub subresource
}

// fieldManager returns the FieldManager of type t (kind gvk) on sub. A
// custom schema the converter cannot use (not structural) falls back to
// fields deduced from the values, as for a CRD without a schema.
func (c *Client) fieldManager(t *registry.Type, gvk schema.GroupVersionKind, sub subresource) (*fieldmanager.Manager, error) {
	key := fmKey{t, sub}
	if v, ok := c.fieldManagers.Load(key); ok {
		return v.(*fieldmanager.Manager), nil
	}
	opts := fieldmanager.Options{
		Kind:              gvk,
		Scheme:            c.scheme,
		CustomResource:    t.IsCustomResource() || !c.scheme.Recognizes(gvk),
		StatusSubresource: t.StatusSubresource,
	}
	if sub == statusResource {
		opts.Subresource = "status"
	}
	if opts.CustomResource {
		props, err := t.OpenAPISchema()
		if err != nil {
			return nil, fmt.Errorf("schema of %s: %w", t.Kind, err)
		}
		opts.Schema = props
	}
	m, err := fieldmanager.New(opts)
	if err != nil && opts.Schema != nil {
		opts.Schema = nil
		m, err = fieldmanager.New(opts)
	}
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	v, _ := c.fieldManagers.LoadOrStore(key, m)
	return v.(*fieldmanager.Manager), nil
}

// managerOf returns the manager a write records: the request's, else the
// client's default.
func (c *Client) managerOf(requested string) string {
	if requested != "" {
		return requested
	}
	return c.defaultManager
}

// trackUpdate records in w what manager changed from old (nil on
// create), as an Update operation.
func (c *Client) trackUpdate(w, old client.Object, t *registry.Type, gvk schema.GroupVersionKind, sub subresource, manager string) (client.Object, error) {
	m, err := c.fieldManager(t, gvk, sub)
	if err != nil {
		return nil, err
	}
	if old == nil {
		if old, err = c.newEmpty(gvk); err != nil {
			return nil, err
		}
	}
	out, ok := m.Update(old, w, manager).(client.Object)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("the field manager of %s returned no object", gvk))
	}
	out.GetObjectKind().SetGroupVersionKind(gvk)
	secondTimes(out)
	return out, nil
}

// secondTimes cuts managedFields' times to the second they are stored
// with, so that what a write returns equals what a read returns.
func secondTimes(w client.Object) {
	mf := w.GetManagedFields()
	for i := range mf {
		if mf[i].Time != nil {
			mf[i].Time = &metav1.Time{Time: mf[i].Time.Truncate(1e9)}
		}
	}
	w.SetManagedFields(mf)
}

// checkPatchOptions refuses what kube-apiserver refuses in a patch's
// options: an apply patch without a field manager, force on any other
// patch, a field manager that is too long or unprintable.
func checkPatchOptions(o *client.PatchOptions, pt types.PatchType) error {
	errs := metav1validation.ValidatePatchOptions(&metav1.PatchOptions{FieldManager: o.FieldManager, Force: o.Force, DryRun: o.DryRun}, pt)
	if len(errs) > 0 {
		return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "PatchOptions"}, "", errs)
	}
	return nil
}

// checkManager refuses a create's or update's field manager as
// kube-apiserver does (optionsKind is CreateOptions or UpdateOptions).
func checkManager(manager, optionsKind string) error {
	if errs := metav1validation.ValidateFieldManager(manager, nil); len(errs) > 0 {
		for _, e := range errs {
			e.Field = "fieldManager"
		}
		return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: optionsKind}, "", errs)
	}
	return nil
}

// applyConfiguration decodes a server-side apply patch (YAML or JSON) as
// kube-apiserver does.
func applyConfiguration(data []byte) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	if u.Object == nil {
		u.Object = map[string]any{}
	}
	return u, nil
}

// apply merges the apply configuration into live (a new empty object
// when nothing is stored) for manager.
func (c *Client) apply(live client.Object, cfg *unstructured.Unstructured, t *registry.Type, gvk schema.GroupVersionKind, sub subresource, manager string, force bool) (client.Object, error) {
	m, err := c.fieldManager(t, gvk, sub)
	if err != nil {
		return nil, err
	}
	out, err := m.Apply(live, cfg, manager, force)
	if err != nil {
		if _, ok := err.(apierrors.APIStatus); ok {
			return nil, err
		}
		return nil, unknownError(err)
	}
	w, ok := out.(client.Object)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("the field manager of %s returned %T", gvk, out))
	}
	w.GetObjectKind().SetGroupVersionKind(gvk)
	secondTimes(w)
	return w, nil
}
