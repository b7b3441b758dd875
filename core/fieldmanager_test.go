package core_test

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// ssaClient is a client over a memory store with the suite's types and
// defaultManager.
func ssaClient(t *testing.T, defaultManager string) *core.Client {
	t.Helper()
	reg := registry.New(nil)
	if err := reg.Add(coretest.Types()...); err != nil {
		t.Fatal(err)
	}
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Scheme: coretest.NewScheme(), Registry: reg, FieldManager: defaultManager})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rawApply(c *core.Client, t *testing.T, gvk schema.GroupVersionKind, ns, name, body string, opts ...client.PatchOption) (*unstructured.Unstructured, error) {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	u.SetNamespace(ns)
	u.SetName(name)
	return u, c.Patch(t.Context(), u, client.RawPatch(types.ApplyPatchType, []byte(body)), opts...)
}

func TestApplyRefusals(t *testing.T) {
	c := ssaClient(t, "")
	cm := coretest.ConfigMapGVK
	owner := client.FieldOwner("m")
	for _, tc := range []struct {
		name, ns, body string
		opts           []client.PatchOption
		is             func(error) bool
		msg            string
	}{
		{"bad YAML", "default", "{", []client.PatchOption{owner}, apierrors.IsBadRequest, "error decoding YAML"},
		{"other name", "default", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}`, []client.PatchOption{owner}, apierrors.IsBadRequest,
			"the name of the object (b) does not match the name on the URL (a)"},
		{"other kind", "default", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}}`, []client.PatchOption{owner}, apierrors.IsBadRequest, "invalid object type"},
		{"other version", "default", `{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"a"}}`, []client.PatchOption{owner}, apierrors.IsBadRequest,
			"invalid object type: /v2, Kind=ConfigMap"},
		{"managedFields set", "default", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","managedFields":[{"manager":"x"}]}}`, []client.PatchOption{owner},
			apierrors.IsBadRequest, "metadata.managedFields must be nil"},
		{"missing namespace", "nowhere", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`, []client.PatchOption{owner}, apierrors.IsNotFound, `namespaces "nowhere" not found`},
		{"stale resourceVersion", "default", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}`, []client.PatchOption{owner}, apierrors.IsNotFound, "not found"},
	} {
		_, err := rawApply(c, t, cm, tc.ns, "a", tc.body, tc.opts...)
		if !tc.is(err) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.msg)
		}
	}
	// The status of an object that is not stored cannot be applied.
	it := &unstructured.Unstructured{}
	it.SetGroupVersionKind(coretest.ItemGVK)
	it.SetNamespace("default")
	it.SetName("missing")
	if err := c.Status().Patch(t.Context(), it, client.RawPatch(types.ApplyPatchType, []byte(`{"apiVersion":"inventory.example.com/v1alpha1","kind":"Item","metadata":{"name":"missing"},"status":{"phase":"x"}}`)), client.FieldOwner("m")); !apierrors.IsNotFound(err) {
		t.Errorf("status apply of a missing Item: %v, want NotFound", err)
	}
	// A stale resourceVersion on a stored object is a Conflict.
	if _, err := rawApply(c, t, cm, "default", "a", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := rawApply(c, t, cm, "default", "a", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"1"}}`, owner); !apierrors.IsConflict(err) {
		t.Errorf("apply with a stale resourceVersion: %v, want Conflict", err)
	}
}

func TestApplyUntypedKinds(t *testing.T) {
	c := ssaClient(t, "tool")
	// A kind with no schema: the fields are deduced from the values (maps
	// granular, lists atomic), as for a CRD without a schema.
	for _, gvk := range []schema.GroupVersionKind{coretest.ShelfGVK} {
		body := `{"apiVersion":"` + gvk.GroupVersion().String() + `","kind":"` + gvk.Kind + `","metadata":{"name":"g"},"spec":{"a":{"b":1}}}`
		u, err := rawApply(c, t, gvk, "default", "g", body, client.FieldOwner("alice"))
		if err != nil {
			t.Fatalf("%s: %v", gvk.Kind, err)
		}
		if mf := u.GetManagedFields(); len(mf) != 1 || string(mf[0].FieldsV1.Raw) != `{"f:spec":{".":{},"f:a":{".":{},"f:b":{}}}}` {
			t.Errorf("%s managedFields: %+v", gvk.Kind, mf)
		}
		_, err = rawApply(c, t, gvk, "default", "g", strings.Replace(body, `"b":1`, `"b":2`, 1), client.FieldOwner("bob"))
		if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `conflict with "alice": .spec.a.b`) {
			t.Errorf("%s: %v, want a conflict on .spec", gvk.Kind, err)
		}
		// Options.FieldManager names the writes that name none.
		u.Object["spec"] = map[string]any{"d": int64(1)}
		if err := c.Update(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range u.GetManagedFields() {
			found = found || m.Manager == "tool"
		}
		if !found {
			t.Errorf("%s: no entry of the default manager tool: %+v", gvk.Kind, u.GetManagedFields())
		}
	}
}
