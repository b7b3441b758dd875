package controller

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/client"
)

// NewClient wraps a k1s client as a controller-runtime client.WithWatch.
// Every option is translated field by field; server-side apply (Apply
// with an apply configuration, and Patch with client.Apply) goes to the k1s
// client's apply patch.
func NewClient(c client.Client) crclient.WithWatch {
	return &adapter{c: c}
}

type adapter struct{ c client.Client }

var _ crclient.WithWatch = (*adapter)(nil)

func (a *adapter) Get(ctx context.Context, key crclient.ObjectKey, obj crclient.Object, opts ...crclient.GetOption) error {
	// crclient.GetOptions has nothing a k1s Get uses: Raw's
	// ResourceVersion is served by the latest state (the embedded store
	// has no watch cache to serve an older one), the others are client
	// side switches.
	return a.c.Get(ctx, key, obj)
}

func (a *adapter) List(ctx context.Context, list crclient.ObjectList, opts ...crclient.ListOption) error {
	lo, err := listOptions(opts)
	if err != nil {
		return err
	}
	return a.c.List(ctx, list, lo)
}

func (a *adapter) Watch(ctx context.Context, list crclient.ObjectList, opts ...crclient.ListOption) (watch.Interface, error) {
	lo, err := listOptions(opts)
	if err != nil {
		return nil, err
	}
	return a.c.Watch(ctx, list, lo)
}

func (a *adapter) Create(ctx context.Context, obj crclient.Object, opts ...crclient.CreateOption) error {
	o := (&crclient.CreateOptions{}).ApplyOptions(opts)
	return a.c.Create(ctx, obj, createOptions(o))
}

func (a *adapter) Update(ctx context.Context, obj crclient.Object, opts ...crclient.UpdateOption) error {
	o := (&crclient.UpdateOptions{}).ApplyOptions(opts)
	return a.c.Update(ctx, obj, updateOptions(o))
}

func (a *adapter) Patch(ctx context.Context, obj crclient.Object, patch crclient.Patch, opts ...crclient.PatchOption) error {
	o := (&crclient.PatchOptions{}).ApplyOptions(opts)
	return a.c.Patch(ctx, obj, patchAdapter{patch}, patchOptions(o))
}

// Apply sends obj, an apply configuration (client-go's
// applyconfigurations or client.ApplyConfigurationFromUnstructured), as a
// server-side apply patch and fills it with the result, as
// controller-runtime's client does.
func (a *adapter) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...crclient.ApplyOption) error {
	o := (&crclient.ApplyOptions{}).ApplyOptions(opts)
	return applyConfiguration(obj, obj, func(u *unstructured.Unstructured, data []byte) error {
		return a.c.Patch(ctx, u, client.RawPatch(types.ApplyPatchType, data), applyOptions(o))
	})
}

// applyConfiguration applies body (the patch) for the object named by
// obj's metadata, through patch, and decodes the result into obj.
func applyConfiguration(obj, body runtime.ApplyConfiguration, patch func(*unstructured.Unstructured, []byte) error) error {
	target, err := json.Marshal(obj)
	if err != nil {
		return fmt.Errorf("encoding the apply configuration %T: %w", obj, err)
	}
	data := target
	if body != obj {
		if data, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encoding the apply configuration %T: %w", body, err)
		}
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(target); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the apply configuration %T is not an object with apiVersion and kind: %v", obj, err))
	}
	if err := patch(u, data); err != nil {
		return err
	}
	out, err := u.MarshalJSON()
	if err != nil {
		return err
	}
	return json.Unmarshal(out, obj)
}

func applyOptions(o *crclient.ApplyOptions) *client.PatchOptions {
	return &client.PatchOptions{DryRun: o.DryRun, FieldManager: o.FieldManager, Force: o.Force}
}

func (a *adapter) Delete(ctx context.Context, obj crclient.Object, opts ...crclient.DeleteOption) error {
	o := (&crclient.DeleteOptions{}).ApplyOptions(opts)
	return a.c.Delete(ctx, obj, deleteOptions(o))
}

func (a *adapter) DeleteAllOf(ctx context.Context, obj crclient.Object, opts ...crclient.DeleteAllOfOption) error {
	o := (&crclient.DeleteAllOfOptions{}).ApplyOptions(opts)
	lo, err := listOptionsFrom(&o.ListOptions)
	if err != nil {
		return err
	}
	do := deleteOptions(&o.DeleteOptions)
	return a.c.DeleteAllOf(ctx, obj, &client.DeleteAllOfOptions{ListOptions: *lo, DeleteOptions: *do})
}

func (a *adapter) Status() crclient.SubResourceWriter { return a.SubResource("status") }

func (a *adapter) SubResource(subResource string) crclient.SubResourceClient {
	return &subResourceClient{a: a, name: subResource}
}

func (a *adapter) Scheme() *runtime.Scheme { return a.c.Scheme() }

func (a *adapter) RESTMapper() meta.RESTMapper { return a.c.RESTMapper() }

func (a *adapter) GroupVersionKindFor(obj runtime.Object) (schema.GroupVersionKind, error) {
	return a.c.GroupVersionKindFor(obj)
}

func (a *adapter) IsObjectNamespaced(obj runtime.Object) (bool, error) {
	return a.c.IsObjectNamespaced(obj)
}

// patchAdapter gives a controller-runtime Patch the k1s Patch method set:
// the two Object interfaces have the same methods but are distinct types.
type patchAdapter struct{ p crclient.Patch }

func (p patchAdapter) Type() types.PatchType { return p.p.Type() }

func (p patchAdapter) Data(obj client.Object) ([]byte, error) { return p.p.Data(obj) }

// subResourceClient serves the status subresource; k1s has no other.
type subResourceClient struct {
	a    *adapter
	name string
}

func (s *subResourceClient) check(obj any) error {
	if s.name == "status" {
		return nil
	}
	return apierrors.NewBadRequest(fmt.Sprintf("subresource %q of %T is not supported by k1s (only \"status\" is)", s.name, obj))
}

func (s *subResourceClient) Get(ctx context.Context, obj, subResource crclient.Object, opts ...crclient.SubResourceGetOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	// GET .../status returns the whole object, as the API server does.
	return s.a.c.Get(ctx, crclient.ObjectKeyFromObject(obj), subResource)
}

func (s *subResourceClient) Create(ctx context.Context, obj, subResource crclient.Object, opts ...crclient.SubResourceCreateOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	o := (&crclient.SubResourceCreateOptions{}).ApplyOptions(opts)
	return s.a.c.Status().Create(ctx, obj, subResource, &client.SubResourceCreateOptions{CreateOptions: *createOptions(&o.CreateOptions)})
}

func (s *subResourceClient) Update(ctx context.Context, obj crclient.Object, opts ...crclient.SubResourceUpdateOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	o := (&crclient.SubResourceUpdateOptions{}).ApplyOptions(opts)
	ko := &client.SubResourceUpdateOptions{UpdateOptions: *updateOptions(&o.UpdateOptions)}
	if o.SubResourceBody != nil {
		ko.SubResourceBody = o.SubResourceBody
	}
	return s.a.c.Status().Update(ctx, obj, ko)
}

func (s *subResourceClient) Patch(ctx context.Context, obj crclient.Object, patch crclient.Patch, opts ...crclient.SubResourcePatchOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	o := (&crclient.SubResourcePatchOptions{}).ApplyOptions(opts)
	ko := &client.SubResourcePatchOptions{PatchOptions: *patchOptions(&o.PatchOptions)}
	if o.SubResourceBody != nil {
		ko.SubResourceBody = o.SubResourceBody
	}
	return s.a.c.Status().Patch(ctx, obj, patchAdapter{patch}, ko)
}

// Apply applies obj (or SubResourceBody) to the status subresource.
func (s *subResourceClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...crclient.SubResourceApplyOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	o := (&crclient.SubResourceApplyOptions{}).ApplyOpts(opts)
	body := obj
	if o.SubResourceBody != nil {
		body = o.SubResourceBody
	}
	return applyConfiguration(obj, body, func(u *unstructured.Unstructured, data []byte) error {
		return s.a.c.Status().Patch(ctx, u, client.RawPatch(types.ApplyPatchType, data), &client.SubResourcePatchOptions{PatchOptions: *applyOptions(&o.ApplyOptions)})
	})
}

// Option translation, field by field. Raw options fill what the typed
// fields leave unset, as controller-runtime's own client does.

func listOptions(opts []crclient.ListOption) (*client.ListOptions, error) {
	return listOptionsFrom((&crclient.ListOptions{}).ApplyOptions(opts))
}

// listOptionsFrom reads Raw through client.ListOptionsFromMeta, so that a
// Raw selector that does not parse is the API server's BadRequest (never
// dropped, which would widen a List or DeleteAllOf to every object). A
// typed selector takes the place of Raw's, as controller-runtime's
// AsListOptions does before sending, so a Raw one it replaces is not
// parsed.
func listOptionsFrom(o *crclient.ListOptions) (*client.ListOptions, error) {
	var raw metav1.ListOptions
	if o.Raw != nil {
		raw = *o.Raw
	}
	if o.LabelSelector != nil {
		raw.LabelSelector = ""
	}
	if o.FieldSelector != nil {
		raw.FieldSelector = ""
	}
	lo, err := client.ListOptionsFromMeta(raw, o.Namespace)
	if err != nil {
		return nil, err
	}
	if o.LabelSelector != nil {
		lo.LabelSelector = o.LabelSelector
	}
	if o.FieldSelector != nil {
		lo.FieldSelector = o.FieldSelector
	}
	if o.Limit != 0 {
		lo.Limit = o.Limit
	}
	if o.Continue != "" {
		lo.Continue = o.Continue
	}
	return lo, nil
}

func createOptions(o *crclient.CreateOptions) *client.CreateOptions {
	co := &client.CreateOptions{DryRun: o.DryRun, FieldManager: o.FieldManager}
	if raw := o.Raw; raw != nil {
		co.DryRun = orStrings(co.DryRun, raw.DryRun)
		co.FieldManager = orString(co.FieldManager, raw.FieldManager)
	}
	return co
}

func updateOptions(o *crclient.UpdateOptions) *client.UpdateOptions {
	uo := &client.UpdateOptions{DryRun: o.DryRun, FieldManager: o.FieldManager}
	if raw := o.Raw; raw != nil {
		uo.DryRun = orStrings(uo.DryRun, raw.DryRun)
		uo.FieldManager = orString(uo.FieldManager, raw.FieldManager)
	}
	return uo
}

func patchOptions(o *crclient.PatchOptions) *client.PatchOptions {
	po := &client.PatchOptions{DryRun: o.DryRun, FieldManager: o.FieldManager, Force: o.Force}
	if raw := o.Raw; raw != nil {
		po.DryRun = orStrings(po.DryRun, raw.DryRun)
		po.FieldManager = orString(po.FieldManager, raw.FieldManager)
		if po.Force == nil {
			po.Force = raw.Force
		}
	}
	return po
}

func deleteOptions(o *crclient.DeleteOptions) *client.DeleteOptions {
	do := &client.DeleteOptions{
		GracePeriodSeconds: o.GracePeriodSeconds,
		Preconditions:      o.Preconditions,
		PropagationPolicy:  o.PropagationPolicy,
		DryRun:             o.DryRun,
	}
	if raw := o.Raw; raw != nil {
		do.DryRun = orStrings(do.DryRun, raw.DryRun)
		if do.GracePeriodSeconds == nil {
			do.GracePeriodSeconds = raw.GracePeriodSeconds
		}
		if do.Preconditions == nil {
			do.Preconditions = raw.Preconditions
		}
		if do.PropagationPolicy == nil {
			do.PropagationPolicy = raw.PropagationPolicy
		}
	}
	return do
}

func orStrings(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

func orString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
