package plugins_test

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/plugins/abi"
	"github.com/k1s-dev/k1s/plugins/sdk"
)

const reconcileSpec = `  reconcile:
  - {apiVersion: v1, kind: ConfigMap}
  permissions:
  - {apiGroups: [""], resources: [configmaps], verbs: [get, list, update]}
  - {apiGroups: [""], resources: [events], verbs: [create]}
`

func TestReconcileAll(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, reconcileSpec)
	m, c := newManager(t, root)
	ctx := t.Context()
	for _, n := range []string{"a", "b", "fail"} {
		if err := c.Create(ctx, newCM(n)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := m.ReconcileAll(ctx)
	if err == nil || !strings.Contains(err.Error(), `plugin "guest": reconcile ConfigMap default/fail: this one always fails`) {
		t.Fatalf("ReconcileAll: %v, want the failure of fail", err)
	}
	if rep.Passes != 2 || rep.Writes != 4 || len(rep.Errors) != 1 {
		t.Errorf("report %+v, want 2 passes, 4 writes (2 updates, 2 events), 1 error", rep)
	}
	for _, n := range []string{"a", "b"} {
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: n}, cm); err != nil || cm.Data["seen"] != "yes" {
			t.Errorf("%s after ReconcileAll: %v %v", n, cm.Data, err)
		}
	}
	var events corev1.EventList
	if err := c.List(ctx, &events, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, e := range events.Items {
		reasons[e.Reason+"/"+e.InvolvedObject.Name+"/"+e.Source.Component]++
	}
	if reasons["Seen/a/plugin/guest"] != 1 || reasons["Seen/b/plugin/guest"] != 1 || reasons["PluginFailed/fail/plugin/guest"] != 2 {
		t.Errorf("events %v", reasons)
	}
	// Reconciling a deleted object is fine (IgnoreNotFound in the guest).
	res, writes, err := m.Plugin("guest").Reconcile(ctx, corev1.SchemeGroupVersion.WithKind("ConfigMap"), types.NamespacedName{Namespace: "default", Name: "gone"})
	if err != nil || writes != 0 || res.Requeue {
		t.Errorf("reconcile of a missing object: %+v %d %v", res, writes, err)
	}
}

// TestServe drives the host side of the ABI natively, through the SDK's
// client: what a plugin's own tests do.
func TestServe(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, `  permissions:
  - {apiGroups: [""], resources: [configmaps], verbs: ["*"], namespaces: [default]}
  - {apiGroups: [""], resources: [configmaps/status, namespaces], verbs: [update, get]}
  - {apiGroups: [""], resources: [events], verbs: [create], namespaces: [default]}
`)
	m, _ := newManager(t, root)
	p := m.Plugin("guest")
	ctx := t.Context()
	sc := sdk.NewClientWithTransport(p.Serve)
	obj := &sdk.Unstructured{}
	obj.SetAPIVersionKind("v1", "ConfigMap")
	obj.SetNested("one", "metadata", "name")
	obj.SetNested("default", "metadata", "namespace")
	obj.SetLabels(map[string]string{"app": "x"})
	if err := sc.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if obj.NestedString("metadata", "uid") == "" {
		t.Error("Create did not read back the stored object")
	}
	again := &sdk.Unstructured{}
	again.SetAPIVersionKind("v1", "ConfigMap")
	again.SetNested("one", "metadata", "name")
	again.SetNested("default", "metadata", "namespace")
	if err := sc.Create(ctx, again); !sdk.IsAlreadyExists(err) {
		t.Errorf("second create: %v", err)
	}
	obj.SetNested("v", "data", "k")
	if err := sc.Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if err := sc.Patch(ctx, obj, "application/merge-patch+json", []byte(`{"data":{"p":"q"}}`)); err != nil || obj.NestedString("data", "p") != "q" {
		t.Errorf("patch: %v %v", err, obj.Object["data"])
	}
	list := &sdk.UnstructuredList{APIVersion: "v1", Kind: "ConfigMapList"}
	if err := sc.List(ctx, list, sdk.InNamespace("default"), sdk.MatchingLabels(map[string]string{"app": "x"})); err != nil || len(list.Items) != 1 {
		t.Errorf("list: %v %d", err, len(list.Items))
	}
	if err := sc.List(ctx, list, sdk.InNamespace("default"), sdk.MatchingLabels(map[string]string{"app": "y"})); err != nil || len(list.Items) != 0 {
		t.Errorf("list of no match: %v %d", err, len(list.Items))
	}
	if err := sc.UpdateStatus(ctx, obj); err == nil || sdk.IsForbidden(err) {
		t.Errorf("status update of a kind without status: %v, want a non-Forbidden error", err)
	}
	if err := sc.Event(ctx, obj, "Normal", "Tested", "hello"); err != nil {
		t.Errorf("event: %v", err)
	}
	if err := sc.Event(ctx, obj, "Loud", "Tested", "hello"); err == nil {
		t.Error("an event of type Loud was recorded")
	}
	if err := sc.Log(ctx, "a line"); err != nil {
		t.Error(err)
	}
	if err := sc.Delete(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if err := sc.Get(ctx, sdk.ObjectKey{Namespace: "default", Name: "one"}, obj); !sdk.IsNotFound(err) || sdk.IgnoreNotFound(err) != nil {
		t.Errorf("get after delete: %v", err)
	}
	ns := &sdk.Unstructured{}
	ns.SetAPIVersionKind("v1", "Namespace")
	if err := sc.Get(ctx, sdk.ObjectKey{Name: "default"}, ns); err != nil {
		t.Errorf("get of a cluster-scoped object granted in every namespace: %v", err)
	}
	// Requests the SDK would not send, sent by hand.
	for _, tc := range []struct {
		req  abi.HostRequest
		raw  string
		want string
	}{
		{raw: "{", want: "the request is not a HostRequest"},
		{req: abi.HostRequest{Verb: "steal", APIVersion: "v1", Kind: "ConfigMap"}, want: `unknown verb "steal"`},
		{req: abi.HostRequest{Verb: "get", APIVersion: "a/b/c", Kind: "X"}, want: `apiVersion "a/b/c" kind "X": not a kind`},
		{req: abi.HostRequest{Verb: "get", APIVersion: "v1", Kind: "Nope"}, want: "v1, Kind=Nope"},
		{req: abi.HostRequest{Verb: "list", APIVersion: "v1", Kind: "ConfigMap", Namespace: "default", LabelSelector: "=="}, want: `labelSelector "=="`},
		{req: abi.HostRequest{Verb: "create", APIVersion: "v1", Kind: "ConfigMap", Namespace: "default", Name: "x", Object: json.RawMessage(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y","namespace":"default"}}`)}, want: "the request names"},
		{req: abi.HostRequest{Verb: "create", APIVersion: "v1", Kind: "ConfigMap", Object: json.RawMessage(`[]`)}, want: "create: the object"},
		{req: abi.HostRequest{Verb: "event", APIVersion: "v1", Kind: "Secret", Namespace: "kube-system", Name: "s", EventType: "Normal"}, want: `cannot create resource "events" in API group "" in the namespace "kube-system"`},
		{req: abi.HostRequest{Verb: "event", APIVersion: "v1", Kind: "Nope"}, want: "Kind=Nope"},
	} {
		raw := []byte(tc.raw)
		if tc.raw == "" {
			raw, _ = json.Marshal(tc.req)
		}
		out, err := p.Serve(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		var resp abi.HostResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.Error == nil || !strings.Contains(resp.Error.Message, tc.want) {
			t.Errorf("%s: %s, want an error containing %q", raw, out, tc.want)
		}
	}
	// A manager without a client answers ServiceUnavailable.
	bare, _ := newManager(t, root)
	bare.SetClient(nil)
	if err := sdk.NewClientWithTransport(bare.Plugin("guest").Serve).Get(ctx, sdk.ObjectKey{Name: "x"}, ns); sdk.ReasonOf(err) != "ServiceUnavailable" {
		t.Errorf("a manager without a client: %v", err)
	}
	if _, err := bare.ReconcileAll(ctx); err == nil {
		t.Error("ReconcileAll without a client succeeded")
	}
}

// TestServeLogAndClusterEvent: a long log line is cut, and an event about
// a cluster-scoped object goes to the default namespace.
func TestServeLogAndClusterEvent(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, "  permissions:\n  - {apiGroups: [\"\"], resources: [events], verbs: [create], namespaces: [default]}\n")
	m, c := newManager(t, root)
	p := m.Plugin("guest")
	for _, req := range []abi.HostRequest{
		{Verb: "log", Message: strings.Repeat("x", 5000)},
		{Verb: "event", APIVersion: "v1", Kind: "Namespace", Name: "", EventType: "Warning", Reason: "R", Message: "m"},
	} {
		raw, _ := json.Marshal(req)
		out, err := p.Serve(t.Context(), raw)
		if err != nil || strings.Contains(string(out), `"error"`) {
			t.Errorf("%s: %s %v", req.Verb, out, err)
		}
	}
	var events corev1.EventList
	if err := c.List(t.Context(), &events, client.InNamespace("default")); err != nil || len(events.Items) != 1 || !strings.HasPrefix(events.Items[0].Name, "plugin.") {
		t.Errorf("events %+v %v", events.Items, err)
	}
}
