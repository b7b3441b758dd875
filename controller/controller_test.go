package controller_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage/memory"
)

func init() {
	ctrl.SetLogger(logr.Discard())
}

func newRuntime(t *testing.T, opts managed.Options) *managed.Runtime {
	t.Helper()
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	opts.CoreClientOptions = core.Options{Storage: store}
	rt, err := managed.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

func cm(name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Labels: labels}, Data: map[string]string{"k": name}}
}

func TestClientAdapter(t *testing.T) {
	rt := newRuntime(t, managed.Options{})
	c := controller.NewClient(rt.Client())
	ctx := context.Background()
	a := cm("a", map[string]string{"app": "x"})
	if err := c.Create(ctx, a, crclient.FieldOwner("t")); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, cm("dry", nil), crclient.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "dry"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("dry-run create stored the object: %v", err)
	}
	var got corev1.ConfigMap
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(a), &got); err != nil || got.Data["k"] != "a" {
		t.Fatalf("Get = %v %+v", err, got)
	}
	got.Data["k"] = "b"
	if err := c.Update(ctx, &got, crclient.FieldOwner("t")); err != nil {
		t.Fatal(err)
	}
	orig := got.DeepCopy()
	got.Data["p"] = "q"
	if err := c.Patch(ctx, &got, crclient.MergeFrom(orig)); err != nil {
		t.Fatal(err)
	}
	var l corev1.ConfigMapList
	if err := c.List(ctx, &l, crclient.InNamespace("default"), crclient.MatchingLabels{"app": "x"}); err != nil || len(l.Items) != 1 || l.Items[0].Data["p"] != "q" {
		t.Fatalf("List = %v %+v", err, l.Items)
	}
	w, err := c.Watch(ctx, &corev1.ConfigMapList{}, crclient.InNamespace("default"))
	if err != nil {
		t.Fatal(err)
	}
	if ev := <-w.ResultChan(); ev.Object.(*corev1.ConfigMap).Name != "a" {
		t.Errorf("first watch event: %v", ev)
	}
	w.Stop()

	// Server-side apply, through controller-runtime's Apply and the apply
	// patch: "t" owns data.k by its Update, so taking it is a Conflict
	// until forced.
	ac := corev1ac.ConfigMap("a", "default").WithData(map[string]string{"k": "ssa"})
	if err := c.Apply(ctx, ac, crclient.FieldOwner("ssa")); !apierrors.IsConflict(err) ||
		err.Error() != `Apply failed with 1 conflict: conflict with "t" using v1: .data.k` {
		t.Fatalf("Apply over t's field = %v, want the API server's conflict", err)
	}
	if err := c.Apply(ctx, ac, crclient.FieldOwner("ssa"), crclient.ForceOwnership); err != nil || ac.Data["k"] != "ssa" || ac.Data["p"] != "q" || ac.UID == nil {
		t.Fatalf("forced Apply = %v, result %+v", err, ac)
	}
	applied := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "default"}, Data: map[string]string{"x": "y"}}
	if err := c.Patch(ctx, applied, crclient.Apply, crclient.FieldOwner("ssa")); err != nil || applied.UID == "" { //nolint:staticcheck // the deprecated apply patch still works
		t.Fatalf("Patch with client.Apply = %v", err)
	}
	if mf := applied.ManagedFields; len(mf) != 1 || mf[0].Manager != "ssa" || mf[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Errorf("managedFields after apply: %+v", mf)
	}
	nsac := corev1ac.Namespace("default").WithStatus(corev1ac.NamespaceStatus().WithPhase(corev1.NamespaceActive))
	if err := c.Status().Apply(ctx, nsac, crclient.FieldOwner("ssa")); err != nil || nsac.Status == nil || nsac.Status.Phase == nil {
		t.Fatalf("Status().Apply = %v %+v", err, nsac)
	}
	if err := c.Status().Patch(ctx, &got, crclient.Apply, crclient.FieldOwner("ssa")); err == nil { //nolint:staticcheck // as above
		t.Error("status apply of a ConfigMap, which has no status subresource: succeeded")
	}
	if err := c.SubResource("scale").Apply(ctx, nsac); !apierrors.IsBadRequest(err) {
		t.Errorf("scale apply: %v", err)
	}
	// Subresources: status works, others are refused.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if err := c.SubResource("status").Get(ctx, ns, ns); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Update(ctx, ns, crclient.FieldOwner("t")); err != nil {
		t.Fatal(err)
	}
	if err := c.Status().Patch(ctx, ns, crclient.RawPatch(types.MergePatchType, []byte(`{"status":{}}`)), crclient.FieldOwner("t")); err != nil {
		t.Fatal(err)
	}
	_ = c.Status().Create(ctx, ns, ns)
	scale := c.SubResource("scale")
	for _, err := range []error{
		scale.Get(ctx, ns, ns), scale.Create(ctx, ns, ns), scale.Update(ctx, ns), scale.Patch(ctx, ns, crclient.MergeFrom(ns)),
	} {
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `"scale"`) {
			t.Errorf("scale subresource: %v", err)
		}
	}
	if err := c.Delete(ctx, &got, crclient.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, cm("z", nil)); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAllOf(ctx, &corev1.ConfigMap{}, crclient.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, &l, crclient.InNamespace("default")); err != nil || len(l.Items) != 0 {
		t.Errorf("after DeleteAllOf: %v, %d items", err, len(l.Items))
	}
	if c.Scheme() == nil || c.RESTMapper() == nil {
		t.Error("Scheme/RESTMapper")
	}
	if gvk, err := c.GroupVersionKindFor(&got); err != nil || gvk.Kind != "ConfigMap" {
		t.Errorf("GroupVersionKindFor: %v %v", gvk, err)
	}
	if ok, err := c.IsObjectNamespaced(&got); err != nil || !ok {
		t.Errorf("IsObjectNamespaced: %v %v", ok, err)
	}
	if err := crclient.IgnoreNotFound(c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "none"}, &got)); err != nil {
		t.Errorf("IgnoreNotFound did not recognise the k1s NotFound: %v", err)
	}
}

func TestCache(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableInformers: true})
	f, _ := rt.InformerFactory()
	c := controller.NewCache(f)
	ctx := context.Background()
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "a"}, &corev1.ConfigMap{}); !errors.As(err, new(*crcache.ErrCacheNotStarted)) {
		t.Errorf("Get before Start = %v, want ErrCacheNotStarted", err)
	}
	if err := c.IndexField(ctx, &corev1.ConfigMap{}, "data.k", func(o crclient.Object) []string {
		return []string{o.(*corev1.ConfigMap).Data["k"]}
	}); err != nil {
		t.Fatal(err)
	}
	if err := c.IndexField(ctx, &corev1.ConfigMap{}, "metadata.labels.app", func(o crclient.Object) []string {
		return []string{o.GetLabels()["app"]}
	}); err != nil {
		t.Fatal(err)
	}
	cl := rt.Client()
	for _, o := range []crclient.Object{&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}, cm("a", map[string]string{"app": "x"}), cm("b", map[string]string{"app": "y"})} {
		if err := cl.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	other := cm("a", nil)
	other.Namespace = "other"
	if err := cl.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = c.Start(cctx) }()
	for !f.Started() {
		time.Sleep(time.Millisecond)
	}
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	var got corev1.ConfigMap
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "a"}, &got); err != nil || got.Data["k"] != "a" {
		t.Fatalf("Get = %v %+v", err, got)
	}
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "none"}, &got); !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), "configmaps") {
		t.Errorf("Get missing = %v, want NotFound naming configmaps", err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	if err := c.Get(ctx, crclient.ObjectKey{Namespace: "default", Name: "b"}, u); err != nil || u.GetName() != "b" {
		t.Errorf("unstructured Get = %v %v", err, u.GetName())
	}
	names := func(opts ...crclient.ListOption) []string {
		t.Helper()
		var l corev1.ConfigMapList
		if err := c.List(ctx, &l, opts...); err != nil {
			t.Fatalf("List(%v): %v", opts, err)
		}
		var out []string
		for _, i := range l.Items {
			out = append(out, i.Namespace+"/"+i.Name)
		}
		return out
	}
	for _, tc := range []struct {
		opts []crclient.ListOption
		want []string
	}{
		{[]crclient.ListOption{crclient.InNamespace("default")}, []string{"default/a", "default/b"}},
		{[]crclient.ListOption{crclient.MatchingLabels{"app": "x"}}, []string{"default/a"}},
		{[]crclient.ListOption{crclient.MatchingFields{"data.k": "a"}}, []string{"default/a", "other/a"}},
		{[]crclient.ListOption{crclient.InNamespace("other"), crclient.MatchingFields{"data.k": "a"}}, []string{"other/a"}},
		{[]crclient.ListOption{crclient.MatchingFields{"data.k": "a", "metadata.namespace": "default"}}, []string{"default/a"}},
		{[]crclient.ListOption{crclient.InNamespace("other"), crclient.MatchingFields{"metadata.namespace": "default"}}, nil},
		{[]crclient.ListOption{crclient.MatchingFields{"metadata.name": "b"}}, []string{"default/b"}},
		{[]crclient.ListOption{crclient.MatchingFields{"data.k": "a", "metadata.labels.app": "x"}}, []string{"default/a"}},
		{[]crclient.ListOption{crclient.MatchingFields{"data.k": "b", "metadata.labels.app": "x"}}, nil},
		{[]crclient.ListOption{crclient.HasLabels{"app"}, crclient.InNamespace("default")}, []string{"default/a", "default/b"}},
		{[]crclient.ListOption{crclient.InNamespace("default"), crclient.Limit(1)}, []string{"default/a"}},
	} {
		got := names(tc.opts...)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("List(%v) (-want +got):\n%s", tc.opts, diff)
		}
	}
	var ul unstructured.UnstructuredList
	ul.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := c.List(ctx, &ul, crclient.InNamespace("default")); err != nil || len(ul.Items) != 2 {
		t.Errorf("unstructured List = %v, %d items", err, len(ul.Items))
	}
	var l corev1.ConfigMapList
	if err := c.List(ctx, &l, crclient.MatchingFields{"data.nothing": "a"}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "IndexField") {
		t.Errorf("List on an unindexed field = %v", err)
	}
	if err := c.List(ctx, &l, crclient.MatchingFieldsSelector{Selector: mustParseFields(t, "data.k!=a")}); !apierrors.IsBadRequest(err) {
		t.Errorf("List with != = %v", err)
	}
	if err := c.List(ctx, &l, crclient.MatchingFields{"data.k": "a", "metadata.name": "zzz"}); err != nil || len(l.Items) != 0 {
		t.Errorf("List with index and name = %v %d", err, len(l.Items))
	}
	inf, err := c.GetInformerForKind(ctx, corev1.SchemeGroupVersion.WithKind("Secret"))
	if err != nil || !inf.HasSynced() {
		t.Errorf("GetInformerForKind = %v (synced %v)", err, err == nil && inf.HasSynced())
	}
	ghost := schema.GroupVersionKind{Group: "ghost.example.com", Version: "v1", Kind: "Ghost"}
	if _, err := c.GetInformerForKind(ctx, ghost); err == nil {
		t.Error("GetInformerForKind of an unknown kind: no error")
	}
	if _, err := c.GetInformer(ctx, &corev1.ServiceAccount{}, crcache.BlockUntilSynced(false)); err != nil {
		t.Error(err)
	}
	if err := c.RemoveInformer(ctx, &corev1.ServiceAccount{}); err != nil {
		t.Error(err)
	}
	if err := c.RemoveInformer(ctx, &struct{ corev1.ConfigMap }{}); err == nil {
		t.Error("RemoveInformer of an unknown type: no error")
	}
	tctx, tcancel := context.WithCancel(ctx)
	tcancel()
	if err := c.Get(tctx, crclient.ObjectKey{Name: "x"}, &corev1.Namespace{}); err == nil {
		// The Namespace informer is new and the context is already
		// cancelled: the wait for its sync must fail.
		t.Error("Get with a cancelled context on an unsynced informer: no error")
	}
}

func mustParseFields(t *testing.T, s string) fields.Selector {
	t.Helper()
	sel, err := fields.ParseSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}
