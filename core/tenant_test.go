package core_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func TestTenantNames(t *testing.T) {
	for _, tenant := range []string{"a/core", "../x/..", "a b", "a/", "A", strings.Repeat("x", 64)} {
		_, err := core.New(core.Options{Storage: memory.New(), SkipPlugins: true, Tenant: tenant})
		if err == nil || !strings.Contains(err.Error(), "Options.Tenant: invalid tenant") {
			t.Errorf("core.New with tenant %q: %v, want an invalid tenant error", tenant, err)
		}
	}
	if _, err := core.New(core.Options{Storage: memory.New(), SkipPlugins: true, Tenant: "team-a"}); err != nil {
		t.Errorf("core.New with tenant team-a: %v", err)
	}
}

// TestReadsWriteNothing holds that reads under a tenant that has never
// been written leave the store's file byte for byte as it was, while its
// default Namespace behaves as existing.
func TestReadsWriteNothing(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "k1s.db")
	open := func(tenant string) (*core.Client, func()) {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		c, err := core.New(core.Options{Storage: s, SkipPlugins: true, Tenant: tenant})
		if err != nil {
			t.Fatal(err)
		}
		return c, func() {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, done := open("default")
	if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaIn("default", "seed")}); err != nil {
		t.Fatal(err)
	}
	done()
	before := files(t, path)

	c, done = open("fresh")
	var ns corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: "default"}, &ns); err != nil || ns.Status.Phase != corev1.NamespaceActive {
		t.Fatalf("Get of the default namespace before any write: %v, %+v", err, ns.Status)
	}
	uid := ns.UID
	var nsl corev1.NamespaceList
	if err := c.List(ctx, &nsl); err != nil || len(nsl.Items) != 1 || nsl.Items[0].Name != "default" || nsl.Items[0].UID != uid {
		t.Fatalf("List of namespaces before any write: %v, %+v", err, nsl.Items)
	}
	if err := c.List(ctx, &nsl, client.MatchingLabels{"x": "y"}); err != nil || len(nsl.Items) != 0 {
		t.Fatalf("List of namespaces by a label the default lacks: %v, %d items", err, len(nsl.Items))
	}
	var cms corev1.ConfigMapList
	if err := c.List(ctx, &cms, client.InNamespace("default")); err != nil || len(cms.Items) != 0 {
		t.Fatalf("List of configmaps: %v, %d", err, len(cms.Items))
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "seed"}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Fatalf("another tenant's object: %v", err)
	}
	// Failed and dry-run writes write nothing either.
	if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaIn("default", "Bad_Name")}); !apierrors.IsInvalid(err) {
		t.Fatalf("invalid Create: %v", err)
	}
	if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaIn("default", "dry")}, client.DryRunAll); err != nil {
		t.Fatalf("dry-run Create in the default namespace: %v", err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metaIn("", "default")}); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("Create of the default namespace: %v, want AlreadyExists", err)
	}
	if err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metaIn("", "default")}); !apierrors.IsForbidden(err) {
		t.Fatalf("Delete of the default namespace: %v, want Forbidden", err)
	}
	done()
	if after := files(t, path); !bytes.Equal(after, before) {
		t.Fatal("reads under a new tenant changed the store's files")
	}

	// The first write stores the default namespace, with the uid reads
	// showed.
	c, done = open("fresh")
	defer done()
	if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metaIn("default", "first")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: "default"}, &ns); err != nil || ns.UID != uid || ns.ResourceVersion == "" || ns.CreationTimestamp.IsZero() {
		t.Fatalf("default namespace after the first write: %v, uid %s (want %s), rv %q, created %v", err, ns.UID, uid, ns.ResourceVersion, ns.CreationTimestamp)
	}
}

// TestUpdateUnstoredDefaultNamespace updates (labels) the default
// namespace of a tenant that has not stored it: the update applies to it
// as reads show it, and a failing one stores nothing.
func TestUpdateUnstoredDefaultNamespace(t *testing.T) {
	ctx := t.Context()
	s := memory.New()
	c, err := core.New(core.Options{Storage: s, SkipPlugins: true})
	if err != nil {
		t.Fatal(err)
	}
	var ns corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: "default"}, &ns); err != nil {
		t.Fatal(err)
	}
	bad := client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"-bad-"}}}`))
	if err := c.Patch(ctx, &ns, bad); !apierrors.IsInvalid(err) {
		t.Fatalf("invalid patch: %v", err)
	}
	if rev, _ := s.Count(ctx, "/"); rev != 0 {
		t.Fatalf("a failed patch stored %d keys", rev)
	}
	if err := c.Patch(ctx, &ns, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`)), client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx, "/"); n != 0 {
		t.Fatalf("a dry-run patch stored %d keys", n)
	}
	uid := ns.UID
	if err := c.Patch(ctx, &ns, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`))); err != nil {
		t.Fatal(err)
	}
	if ns.Labels["a"] != "b" || ns.UID != uid || ns.ResourceVersion == "" {
		t.Fatalf("patched default namespace: %+v", ns.ObjectMeta)
	}
	// Another client that has not seen it stored updates the stored one.
	other, err := core.New(core.Options{Storage: s, SkipPlugins: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Labels["a"] = "c"
	if err := other.Update(ctx, &ns); err != nil || ns.Labels["a"] != "c" {
		t.Fatalf("Update: %v, %v", err, ns.Labels)
	}
}

func TestKeySegments(t *testing.T) {
	ctx := t.Context()
	c, err := core.New(core.Options{Storage: memory.New(), Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ns, name, want string
	}{
		{"default", "..", `invalid resource name "..": [may not be '..']`},
		{"default", ".", `invalid resource name ".": [may not be '.']`},
		{"default", "a/b", `invalid resource name "a/b": [may not contain '/']`},
		{"default", "", "resource name may not be empty"},
		{"a/b", "x", `invalid namespace "a/b": [may not contain '/']`},
	} {
		key := client.ObjectKey{Namespace: tc.ns, Name: tc.name}
		cm := &corev1.ConfigMap{ObjectMeta: metaIn(tc.ns, tc.name)}
		for what, err := range map[string]error{
			"Get":    c.Get(ctx, key, &corev1.ConfigMap{}),
			"Delete": c.Delete(ctx, cm),
			"Update": c.Update(ctx, cm),
			"Patch":  c.Patch(ctx, cm, client.RawPatch(types.MergePatchType, []byte(`{}`))),
		} {
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s %s/%s: %v, want %q", what, tc.ns, tc.name, err, tc.want)
			}
		}
	}
	if err := c.List(ctx, &corev1.ConfigMapList{}, client.InNamespace("a/b")); err == nil || !strings.Contains(err.Error(), `invalid namespace "a/b"`) {
		t.Errorf("List in namespace a/b: %v", err)
	}

	// Types whose keys would reach other types' objects are refused.
	for _, gv := range []schema.GroupVersion{{Group: "core", Version: "v1"}, {Group: "k1s.io", Version: "v1"}, {Group: "x.k1s.io", Version: "v1"}, {Group: "Bad_Group", Version: "v1"}} {
		r := registry.New(nil)
		typ := registry.Type{Kind: gv.WithKind("Secret"), Resource: "secrets", Namespaced: true, ListKind: "SecretList", Storage: true, Source: "x.yaml"}
		if err := r.Add(typ); err != nil {
			t.Fatal(err)
		}
		rc, err := core.New(core.Options{Storage: memory.New(), Registry: r})
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(typ.Kind)
		u.SetNamespace("default")
		u.SetName("s")
		if err := rc.Create(ctx, u); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "cannot be stored") {
			t.Errorf("Create of a %s type: %v", gv.Group, err)
		}
		ul := &unstructured.UnstructuredList{}
		ul.SetGroupVersionKind(gv.WithKind("SecretList"))
		if err := rc.List(ctx, ul); !apierrors.IsBadRequest(err) {
			t.Errorf("List of a %s type: %v", gv.Group, err)
		}
	}
}

func files(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		data, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(append(all, []byte(p+"\n")...), data...)
	}
	return all
}

func metaIn(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}
