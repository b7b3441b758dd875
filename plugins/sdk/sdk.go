package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// NamespacedName is types.NamespacedName's shape.
type NamespacedName struct {
	Namespace string
	Name      string
}

// String returns namespace/name, or name for a cluster-scoped object.
func (n NamespacedName) String() string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + "/" + n.Name
}

// ObjectKey names an object, as client.ObjectKey does.
type ObjectKey = NamespacedName

// Request is what a reconciler is asked to reconcile: controller-runtime's
// reconcile.Request (req.Name, req.Namespace, req.NamespacedName), with
// the object's apiVersion and kind beside it since one plugin may
// reconcile several kinds.
type Request struct {
	NamespacedName
	APIVersion string
	Kind       string
}

// Result is controller-runtime's reconcile.Result.
type Result struct {
	Requeue      bool
	RequeueAfter time.Duration
}

// AdmissionRequest is the admission/v1 request a hook gets.
type AdmissionRequest = abi.AdmissionRequest

// ValidateFunc is a validating hook: a non-nil error denies the request
// with the error's message; warnings go back to the client either way.
type ValidateFunc func(ctx context.Context, req *AdmissionRequest) (warnings []string, err error)

// MutateFunc is a mutating hook: it changes obj (the request's object)
// in place; the SDK sends the change back as the JSON patch the
// AdmissionResponse carries. A non-nil error denies the request.
type MutateFunc func(ctx context.Context, req *AdmissionRequest, obj *Unstructured) error

// ReconcileFunc is a reconciler, as controller-runtime's Reconcile.
type ReconcileFunc func(ctx context.Context, req Request) (Result, error)

// Plugin is what a module implements; nil members are entry points the
// module does not serve (its manifest must not declare them).
type Plugin struct {
	Reconcile ReconcileFunc
	Validate  ValidateFunc
	Mutate    MutateFunc
}

var registered *Plugin

// Register makes p the module's plugin. Call it from an init function:
// a reactor module's main never runs.
func Register(p Plugin) { registered = &p }

// Registered returns the plugin Register was given (nil before).
func Registered() *Plugin { return registered }

// Admit answers one AdmissionReview (JSON), as the module's k1s_admit
// export does: it decodes the review, runs the hook it names and encodes
// the response. It never fails: a problem is a denial whose message says
// what went wrong. A plugin's own tests may call it natively.
func (p *Plugin) Admit(ctx context.Context, payload []byte) []byte {
	return p.appendAdmit(ctx, nil, payload)
}

// appendAdmit is Admit appending its answer to out (the module reuses
// one buffer).
func (p *Plugin) appendAdmit(ctx context.Context, out, payload []byte) []byte {
	encodeReview := func(uid string, resp *abi.AdmissionResponse) []byte {
		resp.UID = uid
		return appendReview(out, resp)
	}
	review, err := decodeReview(payload)
	if err != nil || review.Request == nil {
		return encodeReview("", deny(fmt.Sprintf("the plugin could not decode the AdmissionReview: %v", errOrEmpty(err))))
	}
	req := review.Request
	resp := &abi.AdmissionResponse{UID: req.UID, Allowed: true}
	switch req.Hook {
	case "validate":
		if p.Validate == nil {
			return encodeReview(req.UID, deny("the plugin has no validating hook"))
		}
		warnings, err := p.Validate(ctx, req)
		resp.Warnings = warnings
		if err != nil {
			resp = deny(err.Error())
			resp.Warnings = warnings
		}
	case "mutate":
		if p.Mutate == nil {
			return encodeReview(req.UID, deny("the plugin has no mutating hook"))
		}
		obj := &Unstructured{}
		if err := json.Unmarshal(req.Object, obj); err != nil {
			return encodeReview(req.UID, deny("the plugin could not decode the object: "+err.Error()))
		}
		before := obj.DeepCopy()
		if err := p.Mutate(ctx, req, obj); err != nil {
			return encodeReview(req.UID, deny(err.Error()))
		}
		patch := topLevelPatch(before.Object, obj.Object)
		if len(patch) > 0 {
			resp.Patch, _ = json.Marshal(patch)
			resp.PatchType = "JSONPatch"
		}
	default:
		return encodeReview(req.UID, deny(fmt.Sprintf("unknown hook %q", req.Hook)))
	}
	resp.UID = req.UID
	return encodeReview(req.UID, resp)
}

func errOrEmpty(err error) error {
	if err == nil {
		return fmt.Errorf("no request")
	}
	return err
}

func deny(msg string) *abi.AdmissionResponse {
	return &abi.AdmissionResponse{Allowed: false, Result: &abi.Status{Code: 403, Reason: "Forbidden", Message: msg}}
}

// ReconcileJSON answers one ReconcileRequest (JSON), as the module's
// k1s_reconcile export does.
func (p *Plugin) ReconcileJSON(ctx context.Context, payload []byte) []byte {
	return p.appendReconcile(ctx, nil, payload)
}

// appendReconcile is ReconcileJSON appending its answer to out.
func (p *Plugin) appendReconcile(ctx context.Context, out, payload []byte) []byte {
	var in abi.ReconcileRequest
	var res abi.ReconcileResult
	switch err := decodeReconcile(payload, &in); {
	case err != nil:
		res.Error = "the plugin could not decode the reconcile request: " + err.Error()
	case p.Reconcile == nil:
		res.Error = "the plugin has no reconciler"
	default:
		r, err := p.Reconcile(ctx, Request{NamespacedName: NamespacedName{Namespace: in.Namespace, Name: in.Name}, APIVersion: in.APIVersion, Kind: in.Kind})
		res.Requeue, res.RequeueAfterMS = r.Requeue, r.RequeueAfter.Milliseconds()
		if err != nil {
			res.Error = err.Error()
		}
	}
	return appendResult(out, &res)
}

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// topLevelPatch is a JSON patch turning before into after, one operation
// per top-level field that changed: small enough for any change a hook
// makes, and what the host checks and applies.
func topLevelPatch(before, after map[string]any) []patchOp {
	var ops []patchOp
	for _, k := range sortedKeys(before) {
		if _, ok := after[k]; !ok {
			ops = append(ops, patchOp{Op: "remove", Path: "/" + escape(k)})
		}
	}
	for _, k := range sortedKeys(after) {
		v := after[k]
		old, ok := before[k]
		switch {
		case !ok:
			ops = append(ops, patchOp{Op: "add", Path: "/" + escape(k), Value: v})
		case !jsonEqual(old, v):
			ops = append(ops, patchOp{Op: "replace", Path: "/" + escape(k), Value: v})
		}
	}
	return ops
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// escape is RFC 6901's escaping of a reference token.
func escape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			out = append(out, '~', '0')
		case '/':
			out = append(out, '~', '1')
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}
