package coretest

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
)

func patchCases() []Case {
	return []Case{
		{Name: "MergePatch", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", map[string]any{"k": "v", "gone": "x"}))
			rv := rvOf(e, obj)
			orig := obj.DeepCopyObject().(client.Object)
			obj = setField(e, obj, "w", "data", "k")
			e.OK(e.C.Patch(e.Ctx, obj, client.MergeFrom(orig)), "MergeFrom patch")
			Equal(e, e.Field(obj, "data.k"), any("w"), "patched data")
			e.Check(rvOf(e, obj) > rv, "resourceVersion not bumped")
			raw := client.RawPatch(types.MergePatchType, []byte(`{"data":{"gone":null,"new":"n"}}`))
			e.OK(e.C.Patch(e.Ctx, obj, raw), "raw merge patch")
			Equal(e, e.Field(e.MustGet(ConfigMapGVK, "default", "a"), "data"), any(map[string]any{"k": "w", "new": "n"}), "data after merge patch")
		}},
		{Name: "MergePatchOptimisticLock", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", nil))
			orig := obj.DeepCopyObject().(client.Object)
			other := obj.DeepCopyObject().(client.Object)
			other.SetLabels(map[string]string{"x": "1"})
			e.OK(e.C.Update(e.Ctx, other), "concurrent Update")
			obj.SetLabels(map[string]string{"y": "2"})
			before := e.Rev()
			err := e.C.Patch(e.Ctx, obj, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{}))
			e.Fails(err, Conflict, "optimistic-lock patch over a newer object")
			e.Unchanged(before, "conflicting patch")
			fresh := e.MustGet(ConfigMapGVK, "default", "a")
			base := fresh.DeepCopyObject().(client.Object)
			fresh.SetLabels(map[string]string{"y": "2"})
			e.OK(e.C.Patch(e.Ctx, fresh, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})), "optimistic-lock patch on the current object")
		}},
		{Name: "JSONPatch", Run: func(e *Env) {
			obj := e.Create(item(e, "default", "a", 1))
			p := client.RawPatch(types.JSONPatchType, []byte(`[{"op":"replace","path":"/spec/quantity","value":4},{"op":"add","path":"/metadata/labels","value":{"a":"b"}}]`))
			e.OK(e.C.Patch(e.Ctx, obj, p), "JSON patch")
			Equal(e, e.Field(obj, "spec.quantity"), any(int64(4)), "quantity")
			Equal(e, obj.GetLabels(), map[string]string{"a": "b"}, "labels")
			Equal(e, obj.GetGeneration(), int64(2), "generation after a spec patch")
			before := e.Rev()
			failing := client.RawPatch(types.JSONPatchType, []byte(`[{"op":"test","path":"/spec/quantity","value":99}]`))
			e.Fails(e.C.Patch(e.Ctx, obj, failing), Invalid, "JSON patch with a failing test")
			e.Fails(e.C.Patch(e.Ctx, obj, client.RawPatch(types.JSONPatchType, []byte(`{not json`))), BadRequest, "malformed JSON patch")
			e.Fails(e.C.Patch(e.Ctx, obj, client.RawPatch(types.MergePatchType, []byte(`[1,2`))), BadRequest, "malformed merge patch")
			invalid := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"quantity":-5}}`))
			e.Fails(e.C.Patch(e.Ctx, obj, invalid), Invalid, "patch making the object invalid")
			rename := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"name":"b"}}`))
			e.Fails(e.C.Patch(e.Ctx, obj, rename), BadRequest, "patch renaming the object")
			stale := client.RawPatch(types.JSONPatchType, []byte(`[{"op":"replace","path":"/metadata/resourceVersion","value":"1"}]`))
			e.Fails(e.C.Patch(e.Ctx, obj, stale), Conflict, "JSON patch with a stale resourceVersion")
			e.Unchanged(before, "failed patches")
		}},
		{Name: "StrategicMergePatch", Run: func(e *Env) {
			obj := e.Create(cm(e, "default", "a", map[string]any{"k": "v"}))
			e.OK(e.C.Patch(e.Ctx, obj, client.RawPatch(types.StrategicMergePatchType, []byte(`{"data":{"s":"t"}}`))), "strategic patch of a ConfigMap")
			Equal(e, e.Field(obj, "data"), any(map[string]any{"k": "v", "s": "t"}), "data")
			if e.Mode.Typed {
				// StrategicMergeFrom computes the patch from the Go type.
				orig := obj.DeepCopyObject().(client.Object)
				obj.SetLabels(map[string]string{"l": "1"})
				e.OK(e.C.Patch(e.Ctx, obj, client.StrategicMergeFrom(orig)), "StrategicMergeFrom")
			}
			it := e.Create(item(e, "default", "i", 1))
			err := e.C.Patch(e.Ctx, it, client.RawPatch(types.StrategicMergePatchType, []byte(`{"spec":{"quantity":2}}`)))
			e.Fails(err, Unsupported, "strategic patch of a plugin kind")
			e.Message(err, "merge patch")
		}},
		{Name: "PatchNotFoundAndDryRun", Run: func(e *Env) {
			err := e.C.Patch(e.Ctx, cm(e, "default", "missing", nil), client.RawPatch(types.MergePatchType, []byte(`{}`)))
			e.Fails(err, NotFound, "patch of a missing object")
			obj := e.Create(cm(e, "default", "a", nil))
			before := e.Rev()
			e.OK(e.C.Patch(e.Ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"data":{"d":"r"}}`)), client.DryRunAll), "dry-run patch")
			Equal(e, e.Field(obj, "data.d"), any("r"), "dry-run result")
			e.Unchanged(before, "dry-run patch")
		}},
		{Name: "ConcurrentPatchesAllApply", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			const writers = 8
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for i := range writers {
				obj := cm(e, "default", "a", nil)
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := string(rune('a' + i))
					p := client.RawPatch(types.MergePatchType, []byte(`{"data":{"`+key+`":"x"}}`))
					errs <- e.C.Patch(e.Ctx, obj, p)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				e.OK(err, "concurrent patch")
			}
			data, _ := e.Field(e.MustGet(ConfigMapGVK, "default", "a"), "data").(map[string]any)
			Equal(e, len(data), writers, "keys written by concurrent patches")
		}},
	}
}
