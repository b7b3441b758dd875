package core_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage/memory"
)

// warnings collects what a client reports as warnings.
type warnings []string

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) { *w = append(*w, text) }

func newFieldClient(t *testing.T, h core.WarningHandler) *core.Client {
	t.Helper()
	c, err := core.New(core.Options{Storage: memory.New(), Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry(), WarningHandler: h})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func obj(content map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: content}
}

func configMapWith(name string, extra map[string]any) *unstructured.Unstructured {
	u := obj(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": "default"}, "data": map[string]any{"a": "b"}})
	for k, v := range extra {
		u.Object[k] = v
	}
	return u
}

func warehouseWith(name string, spec map[string]any) *unstructured.Unstructured {
	return obj(map[string]any{"apiVersion": "inventory.example.com/v1alpha1", "kind": "Warehouse",
		"metadata": map[string]any{"name": name}, "spec": spec})
}

// TestFieldValidation holds the API server's fieldValidation: Strict
// refuses fields the type does not have with its strict decoding error
// (wrapped for create and update, bare for patch), Warn (the default)
// drops them with one warning each, Ignore drops them silently — for
// built-in kinds (through their Go type), for schema kinds (through
// pruning) and for the metadata of both.
func TestFieldValidation(t *testing.T) {
	ctx := t.Context()
	var got warnings
	c := newFieldClient(t, &got)

	bogusCM := func(name string) *unstructured.Unstructured {
		u := configMapWith(name, map[string]any{"spec": map[string]any{"bogus": int64(1)}})
		u.Object["metadata"].(map[string]any)["colour"] = "red"
		return u
	}
	err := c.Create(ctx, bogusCM("strict"), client.FieldValidationStrict)
	wantMsg(t, err, `ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.colour", unknown field "spec"`)
	if !apierrors.IsBadRequest(err) {
		t.Errorf("strict create: %v is not a BadRequest", err)
	}
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "strict"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused create wrote the object: %v", err)
	}

	got = nil
	if err := c.Create(ctx, bogusCM("warn")); err != nil {
		t.Fatal(err)
	}
	wantWarnings(t, got, `unknown field "metadata.colour"`, `unknown field "spec"`)
	stored := &unstructured.Unstructured{}
	stored.SetAPIVersion("v1")
	stored.SetKind("ConfigMap")
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "warn"}, stored); err != nil {
		t.Fatal(err)
	}
	if _, has := stored.Object["spec"]; has {
		t.Errorf("the unknown field was stored: %v", stored.Object)
	}

	got = nil
	if err := c.Create(ctx, bogusCM("ignore"), client.FieldValidationIgnore); err != nil {
		t.Fatal(err)
	}
	wantWarnings(t, got)

	// Update, then patch (whose strict error is not wrapped), then the
	// status subresource of a kind that has one.
	upd := bogusCM("warn")
	upd.SetResourceVersion(stored.GetResourceVersion())
	err = c.Update(ctx, upd, client.FieldValidationStrict)
	wantMsg(t, err, `ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.colour", unknown field "spec"`)
	// As the API server's patchers: Invalid on the patch, quoting the
	// patched object (JSON and merge patches) or the patch (strategic).
	err = c.Patch(ctx, configMapWith("warn", nil), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"bogus":1}}`)), client.FieldValidationStrict)
	wantMsg(t, err, `"" is invalid: patch: Invalid value: "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"b\"},\"kind\":\"ConfigMap\",\"metadata\":{`)
	wantMsg(t, err, `,\"spec\":{\"bogus\":1}}": strict decoding error: unknown field "spec"`)
	if !apierrors.IsInvalid(err) || strings.Contains(err.Error(), "cannot be handled") {
		t.Errorf("strict patch: %v, want Invalid", err)
	}
	err = c.Patch(ctx, configMapWith("warn", nil), client.RawPatch(types.StrategicMergePatchType, []byte(`{"spec":{"bogus":1},"data":{"a":"c"}}`)), client.FieldValidationStrict)
	wantMsg(t, err, `patch: Invalid value: "map[data:map[a:c] spec:map[bogus:1]]": strict decoding error: unknown field "spec"`)
	secret := obj(map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "default"},
		"stringData": map[string]any{"password": "hunter2"}})
	if err := c.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	err = c.Patch(ctx, secret, client.RawPatch(types.MergePatchType, []byte(`{"stringData":{"password":"hunter3"},"bogus":1}`)), client.FieldValidationStrict)
	wantMsg(t, err, `strict decoding error: unknown field "bogus"`)
	if err == nil || strings.Contains(err.Error(), "hunter") || strings.Contains(err.Error(), "aHVudGVy") {
		t.Errorf("strict patch of a Secret quotes its values: %v", err)
	}
	got = nil
	if err := c.Patch(ctx, configMapWith("warn", nil), client.RawPatch(types.MergePatchType, []byte(`{"spec":{"bogus":1}}`))); err != nil {
		t.Fatal(err)
	}
	wantWarnings(t, got, `unknown field "spec"`)

	// A schema kind: what pruning drops is what is unknown.
	err = c.Create(ctx, warehouseWith("w1", map[string]any{"city": "Oslo", "bogus": int64(1)}), client.FieldValidationStrict)
	wantMsg(t, err, `Warehouse in version "v1alpha1" cannot be handled as a Warehouse: strict decoding error: unknown field "spec.bogus"`)
	got = nil
	w := warehouseWith("w1", map[string]any{"city": "Oslo", "bogus": int64(1)})
	w.Object["metadata"].(map[string]any)["colour"] = "red"
	if err := c.Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	wantWarnings(t, got, `unknown field "metadata.colour"`, `unknown field "spec.bogus"`)
	if _, has := w.Object["metadata"].(map[string]any)["colour"]; has {
		t.Errorf("unknown metadata field stored: %v", w.Object["metadata"])
	}
	// Status of a schema kind with a Go type.
	item := obj(map[string]any{"apiVersion": "inventory.example.com/v1alpha1", "kind": "Item",
		"metadata": map[string]any{"name": "i1", "namespace": "default"}, "spec": map[string]any{"quantity": int64(1)}})
	if err := c.Create(ctx, item); err != nil {
		t.Fatal(err)
	}
	item.Object["status"] = map[string]any{"phase": "ok", "bogus": "x"}
	err = c.Status().Update(ctx, item, client.FieldValidationStrict)
	wantMsg(t, err, `strict decoding error: unknown field "status.bogus"`)
	err = c.Status().Patch(ctx, item, client.RawPatch(types.MergePatchType, []byte(`{"status":{"bogus":1}}`)), client.FieldValidationStrict)
	wantMsg(t, err, `strict decoding error: unknown field "status.bogus"`)

	// A context's handler wins over the client's.
	got = nil
	var own warnings
	if err := c.Create(core.WithWarningHandler(ctx, &own), bogusCM("ctx")); err != nil {
		t.Fatal(err)
	}
	wantWarnings(t, got)
	wantWarnings(t, own, `unknown field "metadata.colour"`, `unknown field "spec"`)

	// No handler at all: warnings go nowhere, the write succeeds.
	quiet := newFieldClient(t, nil)
	if err := quiet.Create(ctx, bogusCM("quiet")); err != nil {
		t.Fatal(err)
	}
}

func TestFieldValidationInvalidDirective(t *testing.T) {
	ctx := t.Context()
	c := newFieldClient(t, nil)
	err := c.Create(ctx, configMapWith("x", nil), client.FieldValidation("Loud"))
	wantMsg(t, err, `CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"`)
	err = c.Update(ctx, configMapWith("x", nil), client.FieldValidation("Loud"))
	wantMsg(t, err, `UpdateOptions.meta.k8s.io "" is invalid`)
	err = c.Patch(ctx, configMapWith("x", nil), client.RawPatch(types.MergePatchType, []byte(`{}`)), client.FieldValidation("Loud"))
	wantMsg(t, err, `PatchOptions.meta.k8s.io "" is invalid`)
}

// TestDecodeErrors holds the API server's decode errors for values that
// do not fit their Go field: never wrapped, truncated or dropped.
func TestDecodeErrors(t *testing.T) {
	ctx := t.Context()
	c := newFieldClient(t, nil)
	event := func(count any) *unstructured.Unstructured {
		return obj(map[string]any{"apiVersion": "v1", "kind": "Event",
			"metadata":       map[string]any{"name": "e", "namespace": "default"},
			"involvedObject": map[string]any{"kind": "ConfigMap", "name": "x"}, "count": count})
	}
	for _, tc := range []struct {
		obj  *unstructured.Unstructured
		want string
	}{
		{event(int64(2147483648)), `Event in version "v1" cannot be handled as a Event: json: cannot unmarshal number 2147483648 into Go struct field Event.count of type int32`},
		{event(int64(4294967297)), `json: cannot unmarshal number 4294967297 into Go struct field Event.count of type int32`},
		{event(int64(-2147483649)), `json: cannot unmarshal number -2147483649 into Go struct field Event.count of type int32`},
		{event(1e20), `json: cannot unmarshal number 100000000000000000000 into Go struct field Event.count of type int32`},
		{event(2.5), `json: cannot unmarshal number 2.5 into Go struct field Event.count of type int32`},
		{configMapWith("c", map[string]any{"data": map[string]any{"a": int64(1)}}),
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string`},
		{configMapWith("c", map[string]any{"immutable": "yes"}),
			`ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.immutable of type bool`},
	} {
		err := c.Create(ctx, tc.obj)
		wantMsg(t, err, tc.want)
		if !apierrors.IsBadRequest(err) {
			t.Errorf("%v is not a BadRequest", err)
		}
	}
	// The largest int32 fits.
	if err := c.Create(ctx, event(int64(2147483647))); err != nil {
		t.Fatal(err)
	}
	var e corev1.Event
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "e"}, &e); err != nil || e.Count != 2147483647 {
		t.Fatalf("count = %d, %v", e.Count, err)
	}
}

func wantMsg(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want one containing %q", err, want)
	}
}

func wantWarnings(t *testing.T, got warnings, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}

// TestObjectSizeLimit holds the 1.5 MiB limit on stored objects: an
// object just under it is stored, one over it is RequestEntityTooLarge
// naming the object, on create and on update, and nothing is written.
func TestObjectSizeLimit(t *testing.T) {
	ctx := t.Context()
	c := newFieldClient(t, nil)
	big := func(name string, n int) *unstructured.Unstructured {
		return warehouseWith(name, map[string]any{"city": strings.Repeat("x", n)})
	}
	near := big("near", 1400*1024)
	if err := c.Create(ctx, near); err != nil {
		t.Fatalf("a 1.4 MiB object: %v", err)
	}
	err := c.Create(ctx, big("over", 1600*1024))
	if !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("a 1.6 MiB object: %v, want RequestEntityTooLarge", err)
	}
	wantMsg(t, err, `Request entity too large: the Warehouse "over" is 1638`)
	wantMsg(t, err, "bytes encoded, over the limit of 1572864 bytes for an object")
	grown := big("near", 1600*1024)
	grown.SetResourceVersion(near.GetResourceVersion())
	if err := c.Update(ctx, grown); !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("Update past the limit: %v", err)
	}
	// A ConfigMap's own limit (1 MiB of data) is checked first, by its
	// validation, as on the API server.
	cm := configMapWith("c", map[string]any{"data": map[string]any{"a": strings.Repeat("y", 1600*1024)}})
	err = c.Create(ctx, cm)
	if !apierrors.IsInvalid(err) {
		t.Fatalf("a 1.6 MiB ConfigMap: %v, want Invalid", err)
	}
	wantMsg(t, err, "may not be more than 1048576 bytes")
}
