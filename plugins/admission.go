package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"github.com/google/uuid"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/plugins/abi"
)

// Hook kinds, as AdmissionRequest.Hook carries them.
const (
	HookValidate = "validate"
	HookMutate   = "mutate"
)

// Admission runs the plugins' admission hooks, as the API server runs
// admission webhooks: the mutating hooks (Mutate, or Default in the shape
// of a defaulting.Defaulter), then after schema validation the validating
// ones (Validate, or ValidateCreate/Update/Delete in the shape of a
// validation.Validator). A kind no plugin declares a hook for costs a map
// lookup: no module is loaded for it.
type Admission struct {
	m *Manager
}

// Admission returns the manager's admission hooks.
func (m *Manager) Admission() *Admission { return &Admission{m: m} }

// HasHooks reports whether any plugin declares a hook of kind hook
// (HookValidate or HookMutate) for gvk and op.
func (m *Manager) HasHooks(hook string, gvk schema.GroupVersionKind, op string) bool {
	return len(m.hooks(hook, gvk, op)) > 0
}

func (m *Manager) hooks(hook string, gvk schema.GroupVersionKind, op string) []*Plugin {
	m.discover()
	var out []*Plugin
	for _, p := range m.plugins {
		specs := p.Manifest.Spec.Validate
		if hook == HookMutate {
			specs = p.Manifest.Spec.Mutate
		}
		for _, h := range specs {
			if h.GroupVersionKind() == gvk && contains(h.Operations, op) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (a *Admission) gvkOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Kind != "" {
		return gvk, nil
	}
	c := a.m.getClient()
	if c == nil {
		return gvk, apierrors.NewInternalError(fmt.Errorf("plugin admission: the kind of a %T is unknown", obj))
	}
	return c.GroupVersionKindFor(obj)
}

// review builds the AdmissionReview of a request.
func (a *Admission) review(hook, op string, gvk schema.GroupVersionKind, obj, old runtime.Object) (*abi.AdmissionReview, error) {
	req := &abi.AdmissionRequest{
		UID:       uuid.NewString(),
		Kind:      abi.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Operation: op,
		Hook:      hook,
	}
	if c := a.m.getClient(); c != nil {
		if mapping, err := c.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version); err == nil {
			req.Resource = abi.GroupVersionResource{Group: mapping.Resource.Group, Version: mapping.Resource.Version, Resource: mapping.Resource.Resource}
		}
	}
	named := obj
	if named == nil {
		named = old
	}
	if acc, err := meta.Accessor(named); err == nil {
		req.Name, req.Namespace = acc.GetName(), acc.GetNamespace()
	}
	var err error
	if obj != nil {
		if req.Object, err = encodeWithKind(obj, gvk); err != nil {
			return nil, err
		}
	}
	if old != nil {
		if req.OldObject, err = encodeWithKind(old, gvk); err != nil {
			return nil, err
		}
	}
	return &abi.AdmissionReview{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Request: req}, nil
}

func encodeWithKind(obj runtime.Object, gvk schema.GroupVersionKind) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	// The usual cases need no second pass: the object carries its kind,
	// or a typed object carries none and its JSON has neither field.
	switch have := obj.GetObjectKind().GroupVersionKind(); {
	case have == gvk:
		return raw, nil
	case have.Empty() && !isUnstructured(obj) && bytes.HasPrefix(raw, []byte("{")) && !bytes.Contains(raw, []byte(`"apiVersion"`)) && !bytes.Contains(raw, []byte(`"kind"`)):
		head, _ := json.Marshal(map[string]string{"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind})
		if len(raw) == 2 { // {}
			return head, nil
		}
		return append(append(head[:len(head)-1:len(head)-1], ','), raw[1:]...), nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	m["apiVersion"], m["kind"] = gvk.GroupVersion().String(), gvk.Kind
	return json.Marshal(m)
}

func isUnstructured(obj runtime.Object) bool {
	_, ok := obj.(runtime.Unstructured)
	return ok
}

// admit calls p's hook and returns its response.
func (a *Admission) admit(ctx context.Context, p *Plugin, review *abi.AdmissionReview) (*abi.AdmissionResponse, error) {
	payload, err := json.Marshal(review)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	out, _, err := p.call(ctx, abi.ExportAdmit, payload)
	if err != nil {
		return nil, failedCalling(p, err)
	}
	var answer abi.AdmissionReview
	if err := json.Unmarshal(out, &answer); err != nil {
		return nil, failedCalling(p, p.errorf("the AdmissionReview it answered is malformed: %v", err))
	}
	if answer.Response == nil || answer.Response.UID != review.Request.UID {
		return nil, failedCalling(p, p.errorf("the AdmissionReview it answered has no response for request %s", review.Request.UID))
	}
	return answer.Response, nil
}

// failedCalling is the API server's error for a webhook it could not
// call (failurePolicy Fail); it becomes the plugin's last error.
func failedCalling(p *Plugin, err error) error {
	p.recordFailure(err)
	return apierrors.NewInternalError(fmt.Errorf("failed calling webhook %q: %w", p.Name(), err))
}

// denied is the API server's error for a denied admission
// (webhookerrors.ToStatusErr).
func denied(p *Plugin, r *abi.AdmissionResponse) error {
	st := metav1.Status{Status: metav1.StatusFailure, Code: http.StatusBadRequest}
	msg := "without explanation"
	if r.Result != nil {
		if r.Result.Code >= http.StatusBadRequest {
			st.Code = r.Result.Code
		}
		st.Reason = metav1.StatusReason(r.Result.Reason)
		if r.Result.Message != "" {
			msg = r.Result.Message
		}
	}
	st.Message = fmt.Sprintf("admission webhook %q denied the request: %s", p.Name(), msg)
	return &apierrors.StatusError{ErrStatus: st}
}

// Mutate runs the mutating hooks declared for obj's kind and op (CREATE
// or UPDATE), in plugin order, each seeing the previous one's result, and
// changes obj in place. A hook may not change the object's apiVersion,
// kind, name or namespace.
func (a *Admission) Mutate(ctx context.Context, op string, obj, old runtime.Object) ([]string, error) {
	gvk, err := a.gvkOf(obj)
	if err != nil {
		return nil, err
	}
	var warnings []string
	for _, p := range a.m.hooks(HookMutate, gvk, op) {
		review, resp, err := a.call(ctx, p, HookMutate, op, gvk, obj, old, &warnings)
		if err != nil {
			return warnings, err
		}
		if len(resp.Patch) == 0 {
			continue
		}
		if resp.PatchType != "JSONPatch" {
			return warnings, failedCalling(p, p.errorf("patchType %q is not JSONPatch", resp.PatchType))
		}
		if err := applyPatch(p, obj, review.Request.Object, resp.Patch); err != nil {
			return warnings, err
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
	}
	return warnings, nil
}

// applyPatch applies a hook's JSON patch to obj (whose JSON is raw).
func applyPatch(p *Plugin, obj runtime.Object, raw, patch []byte) error {
	jp, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return failedCalling(p, p.errorf("its JSON patch: %v", err))
	}
	patched, err := jp.Apply(raw)
	if err != nil {
		return failedCalling(p, p.errorf("applying its JSON patch: %v", err))
	}
	var before, after unstructured.Unstructured
	_ = before.UnmarshalJSON(raw)
	if err := after.UnmarshalJSON(patched); err != nil {
		return failedCalling(p, p.errorf("its JSON patch made the object invalid: %v", err))
	}
	if before.GetAPIVersion() != after.GetAPIVersion() || before.GetKind() != after.GetKind() || before.GetName() != after.GetName() || before.GetNamespace() != after.GetNamespace() {
		return failedCalling(p, p.errorf("its JSON patch changes the object's apiVersion, kind, name or namespace"))
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.Object = after.Object
		return nil
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return apierrors.NewInternalError(fmt.Errorf("plugin admission: cannot patch a %T", obj))
	}
	v.Elem().Set(reflect.Zero(v.Elem().Type()))
	if err := json.Unmarshal(patched, obj); err != nil {
		return failedCalling(p, p.errorf("its JSON patch does not fit a %T: %v", obj, err))
	}
	return nil
}

// Validate runs the validating hooks declared for the kind and op, in
// plugin order; the first denial is the error. obj is nil on DELETE, old
// nil on CREATE.
func (a *Admission) Validate(ctx context.Context, op string, obj, old runtime.Object) ([]string, error) {
	named := obj
	if named == nil {
		named = old
	}
	gvk, err := a.gvkOf(named)
	if err != nil {
		return nil, err
	}
	var warnings []string
	for _, p := range a.m.hooks(HookValidate, gvk, op) {
		if _, _, err := a.call(ctx, p, HookValidate, op, gvk, obj, old, &warnings); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

// call sends plugin p's hook the review of obj and returns the review
// and p's response once p allowed it (a denial is the error), adding
// p's warnings to warnings either way.
func (a *Admission) call(ctx context.Context, p *Plugin, hook, op string, gvk schema.GroupVersionKind, obj, old runtime.Object, warnings *[]string) (*abi.AdmissionReview, *abi.AdmissionResponse, error) {
	review, err := a.review(hook, op, gvk, obj, old)
	if err != nil {
		return nil, nil, err
	}
	resp, err := a.admit(ctx, p, review)
	if err != nil {
		return nil, nil, err
	}
	*warnings = append(*warnings, resp.Warnings...)
	if !resp.Allowed {
		return nil, nil, denied(p, resp)
	}
	return review, resp, nil
}

// Register adds the plugins' hooks to chain, after the hooks already in
// it (a program's Go hooks run first). They are added for every kind and
// look up the plugins declaring a hook when a write comes: registering
// reads no manifest.
func (m *Manager) Register(chain *admission.Chain) {
	a := m.Admission()
	chain.AddMutatingForAll(a).AddValidatingForAll(a)
}

// Default implements admission.Defaulter: the operation and the old
// object come from the request's admission.Attributes. Without them (a
// call outside a Client), an object without a resourceVersion is being
// created, one with it updated.
func (a *Admission) Default(ctx context.Context, obj runtime.Object) error {
	op, old := abi.Update, runtime.Object(nil)
	attrs, ok := admission.AttributesFrom(ctx)
	if ok {
		op, old = string(attrs.Operation), attrs.OldObject
	} else if acc, err := meta.Accessor(obj); err == nil && acc.GetResourceVersion() == "" {
		op = abi.Create
	}
	// A Defaulter returns no warnings: the request's Warn takes them.
	warnings, err := a.Mutate(ctx, op, obj, old)
	if attrs.Warn != nil {
		for _, w := range warnings {
			attrs.Warn(w)
		}
	}
	return err
}

// ValidateCreate implements admission.Validator.
func (a *Admission) ValidateCreate(ctx context.Context, obj runtime.Object) ([]string, error) {
	return a.Validate(ctx, abi.Create, obj, nil)
}

// ValidateUpdate implements admission.Validator.
func (a *Admission) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	return a.Validate(ctx, abi.Update, newObj, oldObj)
}

// ValidateDelete implements admission.Validator.
func (a *Admission) ValidateDelete(ctx context.Context, obj runtime.Object) ([]string, error) {
	return a.Validate(ctx, abi.Delete, nil, obj)
}
