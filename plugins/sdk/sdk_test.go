package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/plugins/abi"
	"github.com/k1s-dev/k1s/plugins/sdk"
	"github.com/k1s-dev/k1s/storage/memory"
)

func review(t *testing.T, hook, name string, obj string) []byte {
	t.Helper()
	b, err := json.Marshal(abi.AdmissionReview{Request: &abi.AdmissionRequest{UID: "u1", Hook: hook, Name: name, Operation: abi.Create, Object: json.RawMessage(obj)}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func answer(t *testing.T, out []byte) *abi.AdmissionResponse {
	t.Helper()
	var r abi.AdmissionReview
	if err := json.Unmarshal(out, &r); err != nil || r.Response == nil {
		t.Fatalf("answer %s: %v", out, err)
	}
	return r.Response
}

func TestAdmit(t *testing.T) {
	p := &sdk.Plugin{
		Validate: func(_ context.Context, req *sdk.AdmissionRequest) ([]string, error) {
			if req.Name == "bad" {
				return []string{"careful"}, errors.New("bad is bad")
			}
			return []string{"fine"}, nil
		},
		Mutate: func(_ context.Context, req *sdk.AdmissionRequest, obj *sdk.Unstructured) error {
			if req.Name == "bad" {
				return errors.New("cannot mutate bad")
			}
			obj.SetLabels(map[string]string{"a/b": "c"})
			delete(obj.Object, "drop")
			obj.SetNested("new", "spec", "x~y")
			return nil
		},
	}
	ctx := t.Context()
	obj := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"n"},"drop":1,"keep":2}`
	if r := answer(t, p.Admit(ctx, review(t, "validate", "ok", obj))); !r.Allowed || r.UID != "u1" || r.Warnings[0] != "fine" {
		t.Errorf("validate ok: %+v", r)
	}
	if r := answer(t, p.Admit(ctx, review(t, "validate", "bad", obj))); r.Allowed || r.Result.Message != "bad is bad" || r.Result.Reason != "Forbidden" || r.Warnings[0] != "careful" {
		t.Errorf("validate bad: %+v", r)
	}
	r := answer(t, p.Admit(ctx, review(t, "mutate", "ok", obj)))
	if !r.Allowed || r.PatchType != "JSONPatch" {
		t.Fatalf("mutate: %+v", r)
	}
	jp, err := jsonpatch.DecodePatch(r.Patch)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jp.Apply([]byte(obj))
	if err != nil {
		t.Fatalf("applying %s: %v", r.Patch, err)
	}
	var m map[string]any
	_ = json.Unmarshal(got, &m)
	if _, ok := m["drop"]; ok || m["keep"] != 2.0 || m["spec"].(map[string]any)["x~y"] != "new" || m["metadata"].(map[string]any)["labels"].(map[string]any)["a/b"] != "c" {
		t.Errorf("patched object %s", got)
	}
	if r := answer(t, p.Admit(ctx, review(t, "mutate", "noop", `{}`))); r.Allowed && len(r.Patch) != 0 && r.UID == "u1" {
		// an unchanged object gets no patch... unless the mutator changed it
		var ops []map[string]any
		_ = json.Unmarshal(r.Patch, &ops)
		if len(ops) == 0 {
			t.Errorf("empty patch sent: %s", r.Patch)
		}
	}
	for _, tc := range []struct {
		plugin  *sdk.Plugin
		payload []byte
		want    string
	}{
		{p, review(t, "mutate", "bad", obj), "cannot mutate bad"},
		{p, review(t, "mutate", "x", `[1]`), "could not decode the object"},
		{p, review(t, "other", "x", obj), `unknown hook "other"`},
		{p, []byte("{"), "could not decode the AdmissionReview"},
		{p, []byte("{}"), "no request"},
		{&sdk.Plugin{}, review(t, "validate", "x", obj), "no validating hook"},
		{&sdk.Plugin{}, review(t, "mutate", "x", obj), "no mutating hook"},
	} {
		if r := answer(t, tc.plugin.Admit(ctx, tc.payload)); r.Allowed || !strings.Contains(r.Result.Message, tc.want) {
			t.Errorf("%s: %+v, want a denial containing %q", tc.payload, r, tc.want)
		}
	}
}

func TestReconcileJSON(t *testing.T) {
	var got sdk.Request
	p := &sdk.Plugin{Reconcile: func(_ context.Context, req sdk.Request) (sdk.Result, error) {
		got = req
		if req.Name == "bad" {
			return sdk.Result{Requeue: true}, errors.New("no")
		}
		return sdk.Result{RequeueAfter: 2 * time.Second}, nil
	}}
	ctx := t.Context()
	decode := func(b []byte) abi.ReconcileResult {
		var r abi.ReconcileResult
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := decode(p.ReconcileJSON(ctx, []byte(`{"apiVersion":"v1","kind":"ConfigMap","namespace":"ns","name":"a"}`)))
	if r.RequeueAfterMS != 2000 || r.Error != "" || got.String() != "ns/a" || got.Kind != "ConfigMap" || got.APIVersion != "v1" {
		t.Errorf("reconcile a: %+v %+v", r, got)
	}
	if r := decode(p.ReconcileJSON(ctx, []byte(`{"name":"bad"}`))); !r.Requeue || r.Error != "no" || got.String() != "bad" {
		t.Errorf("reconcile bad: %+v", r)
	}
	if r := decode(p.ReconcileJSON(ctx, []byte(`[`))); !strings.Contains(r.Error, "could not decode") {
		t.Errorf("malformed: %+v", r)
	}
	if r := decode((&sdk.Plugin{}).ReconcileJSON(ctx, []byte(`{}`))); r.Error != "the plugin has no reconciler" {
		t.Errorf("no reconciler: %+v", r)
	}
	sdk.Register(*p)
	if sdk.Registered() == nil || sdk.Registered().Reconcile == nil {
		t.Error("Register did not register")
	}
}

func TestUnstructured(t *testing.T) {
	u := &sdk.Unstructured{}
	if u.GetName() != "" || u.GetLabels() != nil || u.Nested("a", "b") != nil {
		t.Error("an empty object has values")
	}
	u.SetAPIVersionKind("example.com/v1", "Thing")
	u.SetNested("n", "metadata", "name")
	u.SetNested("ns", "metadata", "namespace")
	u.SetNested(map[string]any{"k": "v", "num": 1}, "metadata", "labels")
	u.SetNested("x", "spec", "a", "b")
	u.SetNested("y", "spec", "a", "b", "c") // replaces a non-map on the way
	if u.GetAPIVersion() != "example.com/v1" || u.GetKind() != "Thing" || u.GetName() != "n" || u.GetNamespace() != "ns" || len(u.GetLabels()) != 1 || u.NestedString("spec", "a", "b", "c") != "y" {
		t.Errorf("object %v", u.Object)
	}
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	back := &sdk.Unstructured{Object: map[string]any{"stale": true}}
	if err := json.Unmarshal(raw, back); err != nil || back.Object["stale"] != nil || back.GetName() != "n" {
		t.Errorf("round trip: %v %v", back.Object, err)
	}
	cp := u.DeepCopy()
	cp.SetNested("changed", "metadata", "name")
	if u.GetName() != "n" {
		t.Error("DeepCopy shares maps")
	}
}

// hostPlugin returns a plugin whose Serve is the real host, over a
// CoreClient, with the permissions given (its module is never loaded).
func hostPlugin(t *testing.T, permissions string) *plugins.Plugin {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "p")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := "apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata: {name: p}\nspec:\n  module: {path: p.wasm, sha256: '" + strings.Repeat("0", 64) + "'}\n  permissions:\n" + permissions
	if err := os.WriteFile(filepath.Join(dir, plugins.ManifestFile), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := core.New(core.Options{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	m := plugins.New(plugins.Options{Paths: []string{root}, Client: c})
	if len(m.Warnings()) > 0 {
		t.Fatal(m.Warnings())
	}
	return m.Plugin("p")
}

// typedConfigMap is how a plugin author's typed struct looks: TypeMeta
// and ObjectMeta's JSON, without apimachinery.
type typedConfigMap struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name            string `json:"name"`
		Namespace       string `json:"namespace,omitempty"`
		ResourceVersion string `json:"resourceVersion,omitempty"`
	} `json:"metadata"`
	Data map[string]string `json:"data,omitempty"`
}

func TestClient(t *testing.T) {
	p := hostPlugin(t, `  - {apiGroups: [""], resources: [configmaps], verbs: [get, create, update, delete], namespaces: [default]}
`)
	c := sdk.NewClientWithTransport(p.Serve)
	ctx := t.Context()
	cm := &typedConfigMap{APIVersion: "v1", Kind: "ConfigMap", Data: map[string]string{"a": "b"}}
	cm.Metadata.Name, cm.Metadata.Namespace = "typed", "default"
	if err := c.Create(ctx, cm); err != nil || cm.Metadata.ResourceVersion == "" {
		t.Fatalf("typed create: %v %+v", err, cm)
	}
	got := &typedConfigMap{APIVersion: "v1", Kind: "ConfigMap"}
	if err := c.Get(ctx, sdk.ObjectKey{Namespace: "default", Name: "typed"}, got); err != nil || got.Data["a"] != "b" {
		t.Errorf("typed get: %v %+v", err, got)
	}
	cm.Metadata.Namespace = "other"
	cm.Metadata.ResourceVersion = ""
	if err := c.Create(ctx, cm); !sdk.IsForbidden(err) || !strings.Contains(err.Error(), `plugin "p" cannot create resource "configmaps" in API group "" in the namespace "other"`) {
		t.Errorf("create in another namespace: %v", err)
	}
	list := &sdk.UnstructuredList{APIVersion: "v1", Kind: "ConfigMapList"}
	if err := c.List(ctx, list, sdk.InNamespace("default")); !sdk.IsForbidden(err) {
		t.Errorf("list without the verb: %v", err)
	}
	if err := c.Update(ctx, got); err != nil {
		t.Errorf("typed update: %v", err)
	}
	got.Metadata.ResourceVersion = "1"
	if err := c.Update(ctx, got); !sdk.IsConflict(err) {
		t.Errorf("stale update: %v", err)
	}
	if err := c.Patch(ctx, got, "application/merge-patch+json", []byte(`{}`)); !sdk.IsForbidden(err) {
		t.Errorf("patch without the verb: %v", err)
	}
	// Objects without a kind never reach the host.
	for name, f := range map[string]func() error{
		"get":    func() error { return c.Get(ctx, sdk.ObjectKey{Name: "x"}, &sdk.Unstructured{}) },
		"list":   func() error { return c.List(ctx, &sdk.UnstructuredList{}) },
		"create": func() error { return c.Create(ctx, map[string]any{"apiVersion": "v1"}) },
		"delete": func() error { return c.Delete(ctx, "a string") },
		"patch":  func() error { return c.Patch(ctx, &sdk.Unstructured{}, "", nil) },
		"event":  func() error { return c.Event(ctx, make(chan int), "Normal", "", "") },
		"status": func() error { return c.UpdateStatus(ctx, &sdk.Unstructured{}) },
	} {
		if err := f(); err == nil || sdk.ReasonOf(err) != "" {
			t.Errorf("%s of an object without a kind: %v", name, err)
		}
	}
	// A transport that fails, or answers garbage.
	broken := sdk.NewClientWithTransport(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("cut") })
	if err := broken.Log(ctx, "x"); err == nil || err.Error() != "cut" {
		t.Errorf("broken transport: %v", err)
	}
	garbage := sdk.NewClientWithTransport(func(context.Context, []byte) ([]byte, error) { return []byte("<html>"), nil })
	if err := garbage.Log(ctx, "x"); err == nil || !strings.Contains(err.Error(), "decoding the host's answer") {
		t.Errorf("garbage answer: %v", err)
	}
	if err := c.Delete(ctx, got); err != nil {
		t.Errorf("delete: %v", err)
	}
	if sdk.IsNotFound(errors.New("plain")) || sdk.IgnoreNotFound(errors.New("plain")) == nil {
		t.Error("a plain error is taken for a StatusError")
	}
}

func TestNewClientNative(t *testing.T) {
	if err := sdk.NewClient().Log(t.Context(), "x"); err == nil || !strings.Contains(err.Error(), "not running in a k1s plugin host") {
		t.Errorf("a native NewClient: %v", err)
	}
}
