package client

import (
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// Apply is the patch type of server-side apply, as controller-runtime's
// client.Apply: the object passed to Patch, encoded as JSON, is the apply
// configuration. It needs apiVersion and kind set (a typed object too), a
// FieldOwner, and ForceOwnership to take fields other managers own;
// Patch creates the object when it is not stored.
const Apply = applyPatchType("")

type applyPatchType string

func (applyPatchType) Type() types.PatchType { return types.ApplyPatchType }

func (applyPatchType) Data(obj Object) ([]byte, error) { return json.Marshal(obj) }

// RawPatch returns a patch of type pt with the literal body data.
func RawPatch(pt types.PatchType, data []byte) Patch {
	return rawPatch{patchType: pt, data: data}
}

type rawPatch struct {
	patchType types.PatchType
	data      []byte
}

func (p rawPatch) Type() types.PatchType       { return p.patchType }
func (p rawPatch) Data(Object) ([]byte, error) { return p.data, nil }

// MergeFromOption changes what MergeFromWithOptions computes.
type MergeFromOption interface{ ApplyToMergeFrom(*MergeFromOptions) }

// MergeFromOptions are the options of a merge patch computed from an
// original object.
type MergeFromOptions struct {
	// OptimisticLock adds the original's resourceVersion to the patch, so
	// that the patch is a Conflict if the object changed meanwhile.
	OptimisticLock bool
}

// MergeFromWithOptimisticLock sets MergeFromOptions.OptimisticLock.
type MergeFromWithOptimisticLock struct{}

// ApplyToMergeFrom implements MergeFromOption.
func (MergeFromWithOptimisticLock) ApplyToMergeFrom(o *MergeFromOptions) { o.OptimisticLock = true }

// MergeFrom returns a JSON merge patch (RFC 7386) that turns original into
// the object passed to Patch.
func MergeFrom(original Object) Patch {
	return &mergeFromPatch{patchType: types.MergePatchType, from: original}
}

// MergeFromWithOptions is MergeFrom with options.
func MergeFromWithOptions(original Object, opts ...MergeFromOption) Patch {
	p := &mergeFromPatch{patchType: types.MergePatchType, from: original}
	for _, opt := range opts {
		opt.ApplyToMergeFrom(&p.opts)
	}
	return p
}

// StrategicMergeFrom returns a strategic merge patch that turns original
// into the object passed to Patch. Only typed built-in objects carry the
// patch strategies it needs.
func StrategicMergeFrom(original Object, opts ...MergeFromOption) Patch {
	p := &mergeFromPatch{patchType: types.StrategicMergePatchType, from: original}
	for _, opt := range opts {
		opt.ApplyToMergeFrom(&p.opts)
	}
	return p
}

type mergeFromPatch struct {
	patchType types.PatchType
	from      Object
	opts      MergeFromOptions
}

func (p *mergeFromPatch) Type() types.PatchType { return p.patchType }

func (p *mergeFromPatch) Data(obj Object) ([]byte, error) {
	original, err := json.Marshal(p.from)
	if err != nil {
		return nil, err
	}
	modified, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var data []byte
	switch p.patchType {
	case types.StrategicMergePatchType:
		data, err = strategicpatch.CreateTwoWayMergePatch(original, modified, obj)
	default:
		data, err = jsonpatch.CreateMergePatch(original, modified)
	}
	if err != nil {
		return nil, fmt.Errorf("computing %s patch: %w", p.patchType, err)
	}
	if !p.opts.OptimisticLock {
		return data, nil
	}
	var patch map[string]any
	if err := json.Unmarshal(data, &patch); err != nil {
		return nil, err
	}
	meta, _ := patch["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["resourceVersion"] = p.from.GetResourceVersion()
	patch["metadata"] = meta
	return json.Marshal(patch)
}
