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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

// Patch implements client.Client: JSON merge patch, JSON patch (RFC 6902)
// and, for built-in typed kinds, strategic merge patch. Server-side apply
// is not implemented yet and is a BadRequest saying so.
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
	case types.ApplyPatchType, types.ApplyCBORPatchType:
		return apierrors.NewBadRequest(fmt.Sprintf(
			"%s %q: server-side apply is not implemented by k1s yet; use client-side apply (k1s apply) or a merge patch", gr, name))
	default:
		return unsupportedMediaType(fmt.Sprintf("patch type %q is not supported: use %s, %s or %s",
			pt, types.MergePatchType, types.JSONPatchType, types.StrategicMergePatchType))
	}
	data, err := patch.Data(obj)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("%s %q: computing the patch: %v", gr, name, err))
	}
	var (
		jp          jsonpatch.Patch
		conditional bool
	)
	if pt == types.JSONPatchType {
		if jp, err = jsonpatch.DecodePatch(data); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("%s %q: decoding the JSON patch: %v", gr, name, err))
		}
		for _, op := range jp {
			if p, err := op.Path(); err == nil && strings.HasPrefix(p, "/metadata/resourceVersion") {
				conditional = true
			}
		}
	} else {
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("%s %q: decoding the %s patch: %v", gr, name, pt, err))
		}
		_, conditional, _ = unstructured.NestedString(body, "metadata", "resourceVersion")
	}
	fc, err := newFieldCheck(o.FieldValidation, "PatchOptions")
	if err != nil {
		return err
	}
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
		orig, err := json.Marshal(cur)
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
		if err != nil {
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
		if u.GetName() != name || u.GetNamespace() != kvNamespace(kv.Key, t.Namespaced) {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s %q: a patch cannot change metadata.name or metadata.namespace", gr, name))
		}
		switch prv := u.GetResourceVersion(); {
		case prv == "":
			u.SetResourceVersion(rev)
		case prv != rev:
			return nil, conflictStale(gr, name)
		}
		return u, nil
	})
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
