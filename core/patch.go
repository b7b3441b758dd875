package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Patch implements client.Client: JSON merge patch, JSON patch (RFC 6902),
// for built-in typed kinds strategic merge patch, and server-side apply
// (client.Apply; see fieldmanager.go), which creates the object when it
// is not stored.
func (c *Client) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	o := (&client.PatchOptions{}).ApplyOptions(opts)
	return c.patch(ctx, obj, patch, mainResource, o)
}

func (c *Client) patch(ctx context.Context, obj client.Object, patch client.Patch, sub subresource, o *client.PatchOptions) error {
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	gr := t.GroupResource()
	name, namespace := obj.GetName(), obj.GetNamespace()
	if sub == statusResource && !t.StatusSubresource {
		return noStatusSubresource(t, name)
	}
	pt := patch.Type()
	var schemaObj any
	switch pt {
	case types.JSONPatchType, types.MergePatchType:
	case types.StrategicMergePatchType:
		if t.IsCustomResource() || !c.scheme.Recognizes(gvk) {
			return unsupportedMediaType(fmt.Sprintf(
				"strategic merge patch is not supported for %s: it has no Go type with patch strategies; use a JSON merge patch (application/merge-patch+json) or a JSON patch (application/json-patch+json)",
				t.QualifiedResource()))
		}
		if schemaObj, err = c.scheme.New(gvk); err != nil {
			return err
		}
	case types.ApplyPatchType:
		return c.applyPatch(ctx, obj, patch, gvk, t, sub, o)
	default:
		return unsupportedMediaType(fmt.Sprintf("patch type %q is not supported: use %s, %s or %s",
			pt, types.MergePatchType, types.JSONPatchType, types.StrategicMergePatchType))
	}
	if err := checkPatchOptions(o, pt); err != nil {
		return err
	}
	data, err := patch.Data(obj)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("%s %q: computing the patch: %v", gr, name, err))
	}
	jp, conditional, err := decodePatchBody(pt, data)
	if err != nil {
		return err
	}
	fc, err := newFieldCheck(o.FieldValidation, "PatchOptions")
	if err != nil {
		return err
	}
	fc.manager = c.managerOf(o.FieldManager)
	defer fc.warnAll(ctx, c)
	key, err := c.objectKey(t, namespace, name)
	if err != nil {
		return err
	}
	return c.write(ctx, obj, gvk, t, key, sub, o.IsDryRun(), conditional, fc, func(kv storage.KeyValue) (client.Object, error) {
		var cur map[string]any
		if err := jsonUnmarshal(kv.Value, &cur); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		rev := strconv.FormatInt(kv.Revision, 10)
		_ = unstructured.SetNestedField(cur, rev, "metadata", "resourceVersion")
		orig, err := c.patchBase(cur, gvk, t)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		var patched []byte
		switch pt {
		case types.JSONPatchType:
			patched, err = jp.Apply(orig)
		case types.MergePatchType:
			patched, err = jsonpatch.MergePatch(orig, data)
		default:
			patched, err = strategicpatch.StrategicMergePatch(orig, data, schemaObj)
		}
		switch {
		case err != nil && pt == types.JSONPatchType:
			return nil, jsonPatchRejected()
		case err != nil:
			return nil, unprocessable(gr, name, err)
		}
		switch {
		case gvk == secretGVK:
			// The API server would quote the patch; a Secret's holds values.
			fc.patchValue = "<the patched Secret: not shown, it holds secret values>"
		case pt == types.StrategicMergePatchType:
			var pm map[string]any
			_ = jsonUnmarshal(data, &pm) // it applied, so it decodes
			fc.patchValue = fmt.Sprintf("%+v", pm)
		default:
			fc.patchValue = string(patched)
		}
		u := &unstructured.Unstructured{}
		if err := jsonUnmarshal(patched, &u.Object); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s %q: the patched object is not a JSON object: %v", gr, name, err))
		}
		u.SetGroupVersionKind(gvk)
		ns := kvNamespace(kv.Key, t.Namespaced)
		if err := checkName(u, name, ns); err != nil {
			return nil, err
		}
		u.SetNamespace(ns) // a patch that drops it leaves the URL's
		switch prv := u.GetResourceVersion(); {
		case prv == "":
			u.SetResourceVersion(rev)
		case prv != rev:
			return nil, conflictStale(gr, name)
		}
		return u, nil
	})
}

// decodePatchBody checks a patch body as the API server does before it
// reads the object: valid JSON, then the shape of its type (a list of
// operations, or an object). It returns the decoded JSON patch, and
// whether the patch names a resourceVersion (it is then conditional).
func decodePatchBody(pt types.PatchType, data []byte) (jsonpatch.Patch, bool, error) {
	if !json.Valid(data) {
		// The API server's first check of every patch body.
		return nil, false, apierrors.NewBadRequest("invalid JSON patch")
	}
	if pt == types.JSONPatchType {
		if err := decodeJSONPatchOps(data); err != nil {
			return nil, false, err
		}
		jp, err := jsonpatch.DecodePatch(data)
		if err != nil {
			return nil, false, apierrors.NewBadRequest(err.Error())
		}
		conditional := false
		for _, op := range jp {
			if p, err := op.Path(); err == nil && strings.HasPrefix(p, "/metadata/resourceVersion") {
				conditional = true
			}
		}
		return jp, conditional, nil
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil {
		if pt == types.StrategicMergePatchType {
			return nil, false, apierrors.NewBadRequest(err.Error())
		}
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("error decoding patch: %v", err))
	}
	_, conditional, _ := unstructured.NestedString(body, "metadata", "resourceVersion")
	return nil, conditional, nil
}

// jsonPatchOp is one operation of a JSON patch, as the API server decodes
// it first (its handlers' jsonPatchOp), so that a body of the wrong
// shape gets its error.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from"`
	Value any    `json:"value"`
}

// decodeJSONPatchOps is the API server's first decoding of a JSON patch:
// "error decoding patch: json: cannot unmarshal object into Go value of
// type []handlers.jsonPatchOp" for a body that is not a list of
// operations (the type named as the server's package names it).
func decodeJSONPatchOps(data []byte) error {
	var ops []jsonPatchOp
	if err := json.Unmarshal(data, &ops); err != nil {
		msg := strings.ReplaceAll(err.Error(), "core.jsonPatchOp", "handlers.jsonPatchOp")
		return apierrors.NewBadRequest("error decoding patch: " + msg)
	}
	return nil
}

// patchBase is the stored object as the API server encodes it before it
// applies a patch: a built-in kind in its Go type's field order (which a
// patch keeps where it changes nothing, and which the errors that quote
// the patched object show), a custom resource as its JSON.
func (c *Client) patchBase(cur map[string]any, gvk schema.GroupVersionKind, t *registry.Type) ([]byte, error) {
	if t.IsCustomResource() || !c.scheme.Recognizes(gvk) {
		return json.Marshal(cur)
	}
	typed, err := c.scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(cur, typed); err != nil {
		return nil, err
	}
	typed.GetObjectKind().SetGroupVersionKind(gvk)
	return json.Marshal(typed)
}

// checkName is the API server's check that a patched object is still the
// one its URL names.
func checkName(u *unstructured.Unstructured, name, namespace string) error {
	if u.GetName() != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", u.GetName(), name))
	}
	if namespace != "" && u.GetNamespace() != "" && u.GetNamespace() != namespace {
		return apierrors.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", u.GetNamespace(), namespace))
	}
	return nil
}

// applyPatch is a server-side apply: the apply configuration merged into
// the stored object by its field manager, or, when nothing is stored
// (main resource only), into an empty object that is then created.
func (c *Client) applyPatch(ctx context.Context, obj client.Object, patch client.Patch, gvk schema.GroupVersionKind, t *registry.Type, sub subresource, o *client.PatchOptions) error {
	gr := t.GroupResource()
	name, namespace := obj.GetName(), obj.GetNamespace()
	if err := checkPatchOptions(o, types.ApplyPatchType); err != nil {
		return err
	}
	data, err := patch.Data(obj)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("%s %q: computing the patch: %v", gr, name, err))
	}
	cfg, err := applyConfiguration(data)
	if err != nil {
		return err
	}
	if n := cfg.GetName(); n != "" && n != name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, name))
	}
	force := o.Force != nil && *o.Force
	manager := o.FieldManager
	fc, err := newFieldCheck(o.FieldValidation, "PatchOptions")
	if err != nil {
		return err
	}
	fc.manager, fc.applied = manager, true
	defer fc.warnAll(ctx, c)
	key, err := c.objectKey(t, namespace, name)
	if err != nil {
		return err
	}
	_, conditional, _ := unstructured.NestedString(cfg.Object, "metadata", "resourceVersion")
	err = c.write(ctx, obj, gvk, t, key, sub, o.IsDryRun(), conditional, fc, func(kv storage.KeyValue) (client.Object, error) {
		live, err := c.decodeWork(kv.Value, kv.Revision, gvk)
		if err != nil {
			return nil, err
		}
		fc.patchValue = string(data)
		w, err := c.apply(live, cfg.DeepCopy(), t, gvk, sub, manager, force)
		if err != nil {
			return nil, err
		}
		if w.GetName() != name || w.GetNamespace() != kvNamespace(kv.Key, t.Namespaced) {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s %q: a patch cannot change metadata.name or metadata.namespace", gr, name))
		}
		rev := strconv.FormatInt(kv.Revision, 10)
		switch prv := w.GetResourceVersion(); {
		case prv == "":
			w.SetResourceVersion(rev)
		case prv != rev:
			return nil, conflictStale(gr, name)
		}
		return w, nil
	})
	if !apierrors.IsNotFound(err) || sub != mainResource || conditional {
		return err
	}
	if _, gerr := c.store.Get(ctx, key); !apierrors.IsNotFound(gerr) {
		return err // the NotFound is of something else (the namespace)
	}
	empty, err := c.newEmpty(gvk)
	if err != nil {
		return err
	}
	w, err := c.apply(empty, cfg, t, gvk, sub, manager, force)
	if err != nil {
		return err
	}
	if t.Namespaced && w.GetNamespace() == "" {
		w.SetNamespace(namespace)
	}
	if err := output(obj, w, mustEncode(w, gvk), 0, gvk); err != nil {
		return err
	}
	copts := &client.CreateOptions{DryRun: o.DryRun, FieldManager: manager, FieldValidation: o.FieldValidation}
	return c.create(ctx, obj, copts, true)
}

// mustEncode is encode for an object that came out of a decoder.
func mustEncode(w client.Object, gvk schema.GroupVersionKind) []byte {
	data, _ := encode(w, gvk)
	return data
}

// kvNamespace returns the namespace segment of a key.
func kvNamespace(key string, namespaced bool) string {
	if !namespaced {
		return ""
	}
	kp, err := storage.ParseKey(key)
	if err != nil {
		return ""
	}
	return kp.Namespace
}
