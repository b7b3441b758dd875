package resource_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// newClient is a core client over a memory store: built-in types only.
func newClient(t *testing.T) *core.Client {
	t.Helper()
	c, err := core.New(core.Options{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func typeOf(t *testing.T, reg *registry.Registry, group, version, kind string) *registry.Type {
	t.Helper()
	typ, err := reg.TypeFor(schema.GroupVersionKind{Group: group, Version: version, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func names(refs []resource.Ref) []string {
	var out []string
	for _, r := range refs {
		var ts []string
		for _, t := range r.Types {
			ts = append(ts, t.Resource)
		}
		out = append(out, strings.Join(ts, ",")+":"+strings.Join(r.Names, ","))
	}
	return out
}

func TestParseArgs(t *testing.T) {
	reg := newClient(t).Registry()
	for _, tc := range []struct {
		args []string
		want []string
		err  string
	}{
		{args: nil, want: nil},
		{args: []string{"configmaps", "a", "b"}, want: []string{"configmaps:a,b"}},
		{args: []string{"cm,secrets"}, want: []string{"configmaps,secrets:"}},
		{args: []string{"cm/a", "secret/b"}, want: []string{"configmaps:a", "secrets:b"}},
		{args: []string{"cm", "cm/a"}, err: "no need to specify a resource type as a separate argument"},
		{args: []string{"cm/"}, err: "must have a single resource and name"},
		{args: []string{"nosuch/a"}, err: `doesn't have a resource type "nosuch"`},
		{args: []string{"nosuch"}, err: `doesn't have a resource type "nosuch"`},
		{args: []string{","}, err: "no name was specified"},
	} {
		refs, err := resource.ParseArgs(reg, tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseArgs(%q) error = %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseArgs(%q): %v", tc.args, err)
			continue
		}
		if got := names(refs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseArgs(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

const twoMaps = `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
`

func sources(infos []resource.Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, filepath.Base(i.Source)+":"+i.Object.GetName())
	}
	return out
}

// TestReadFiles holds what -f reads: files, stdin, directories (their
// manifest files only, sorted; sub-directories with -R only).
func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "b.yaml"), twoMaps)
	write(t, filepath.Join(dir, "a.JSON"), `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"}}`)
	write(t, filepath.Join(dir, "notes.txt"), "not a manifest")
	write(t, filepath.Join(dir, "sub", "c.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")

	o := &resource.FilenameOptions{Filenames: []string{dir, "-"}}
	infos, err := o.Read(strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: in}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.JSON:s", "b.yaml:a", "b.yaml:b", "STDIN:in"}
	if got := sources(infos); !reflect.DeepEqual(got, want) {
		t.Errorf("Read = %q, want %q", got, want)
	}

	o = &resource.FilenameOptions{Filenames: []string{dir}, Recursive: true}
	infos, err = o.Read(nil)
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"a.JSON:s", "b.yaml:a", "b.yaml:b", "c.yml:c"}
	if got := sources(infos); !reflect.DeepEqual(got, want) {
		t.Errorf("Read -R = %q, want %q", got, want)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	write(t, bad, twoMaps+"---\nkind: ConfigMap\nmetadata: {name: c}\n")
	for _, tc := range []struct {
		files []string
		stdin string
		err   string
	}{
		{files: []string{filepath.Join(dir, "missing.yaml")}, err: "does not exist"},
		{files: []string{bad}, err: "bad.yaml"},
		{files: []string{"-"}, stdin: "kind: ConfigMap\n", err: "STDIN"},
		{files: []string{filepath.Join(dir, "nul\x00")}, err: "invalid argument"},
	} {
		o := &resource.FilenameOptions{Filenames: tc.files}
		infos, err := o.Read(strings.NewReader(tc.stdin))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Read(%q) error = %v, want %q", tc.files, err, tc.err)
		}
		if infos != nil {
			t.Errorf("Read(%q) returned %d objects with its error", tc.files, len(infos))
		}
	}

	if err := os.Mkdir(filepath.Join(dir, "locked"), 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(dir, "locked"), 0o755) })
	if os.Geteuid() != 0 {
		o := &resource.FilenameOptions{Filenames: []string{dir}, Recursive: true}
		if _, err := o.Read(nil); err == nil || !strings.Contains(err.Error(), "locked") {
			t.Errorf("Read of a directory with an unreadable sub-directory: error = %v", err)
		}
	}
}

// TestDecodeDuplicateFields holds --validate's three answers to a field
// given twice: strict fails, warn keeps the last and says so, ignore
// keeps the last.
func TestDecodeDuplicateFields(t *testing.T) {
	const dup = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: one}\ndata: {k: two}\n"
	for _, fv := range []string{"", metav1.FieldValidationStrict} {
		o := &resource.FilenameOptions{FieldValidation: fv}
		if _, err := o.Decode(strings.NewReader(dup), "f.yaml"); err == nil || !strings.Contains(err.Error(), "duplicate field") {
			t.Errorf("FieldValidation %q: error = %v, want a duplicate field error", fv, err)
		}
	}
	var warnings []string
	for _, fv := range []string{metav1.FieldValidationWarn, metav1.FieldValidationIgnore} {
		o := &resource.FilenameOptions{FieldValidation: fv, Warn: func(s string) { warnings = append(warnings, s) }}
		objs, err := o.Decode(strings.NewReader(dup), "f.yaml")
		if err != nil {
			t.Fatalf("FieldValidation %q: %v", fv, err)
		}
		if len(objs) != 1 || objs[0].Object["data"].(map[string]any)["k"] != "two" {
			t.Errorf("FieldValidation %q: objects = %v, want the last data", fv, objs)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], `duplicate field "data"`) {
		t.Errorf("warnings = %q, want one for data (Warn only)", warnings)
	}
	// A document that is bad beyond duplicates fails whatever --validate says.
	o := &resource.FilenameOptions{FieldValidation: metav1.FieldValidationIgnore}
	if _, err := o.Decode(strings.NewReader(dup+"---\nkind: ConfigMap\n"), "f.yaml"); err == nil {
		t.Error("Ignore passed a document without apiVersion")
	}
}

func TestPrepare(t *testing.T) {
	reg := newClient(t).Registry()
	read := func(manifest string) []resource.Info {
		t.Helper()
		o := &resource.FilenameOptions{Filenames: []string{"-"}}
		infos, err := o.Read(strings.NewReader(manifest))
		if err != nil {
			t.Fatal(err)
		}
		return infos
	}
	infos := read(twoMaps + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: team, namespace: x}\n")
	if err := resource.Prepare(reg, infos, "ns", false); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, i := range infos {
		got = append(got, i.Type.Kind.Kind+" "+i.Object.GetNamespace()+"/"+i.Object.GetName())
	}
	want := []string{"ConfigMap ns/a", "ConfigMap ns/b", "ConfigMap other/c", "Namespace /team"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Prepare = %q, want %q", got, want)
	}

	err := resource.Prepare(reg, read("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n"), "ns", true)
	if err == nil || err.Error() != `the namespace from the provided object "other" does not match the namespace "ns". You must pass '--namespace=other' to perform this operation.` {
		t.Errorf("explicit namespace mismatch: error = %v", err)
	}
	err = resource.Prepare(reg, read("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"), "ns", false)
	if err == nil || !strings.Contains(err.Error(), `resource mapping not found for name: "w" namespace: "" from "STDIN": no matches for kind "Widget" in version "example.com/v1"`) {
		t.Errorf("unknown kind: error = %v", err)
	}
}

func TestListAndGet(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	cm := typeOf(t, c.Registry(), "", "v1", "ConfigMap")
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct{ ns, name, env string }{{"default", "a", "dev"}, {"default", "b", "prod"}, {"default", "c", "dev"}, {"other", "d", "dev"}} {
		if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: o.ns, Name: o.name, Labels: map[string]string{"env": o.env}}}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(r resource.ListRequest) []string {
		t.Helper()
		items, rv, err := resource.List(ctx, c, cm, r)
		if err != nil {
			t.Fatal(err)
		}
		if rv == "" {
			t.Error("List returned no resourceVersion")
		}
		var out []string
		for _, u := range items {
			if u.GetKind() != "ConfigMap" {
				t.Errorf("item %s has kind %q", u.GetName(), u.GetKind())
			}
			out = append(out, u.GetNamespace()+"/"+u.GetName())
		}
		return out
	}
	for _, tc := range []struct {
		req  resource.ListRequest
		want []string
	}{
		{resource.ListRequest{Namespace: "default"}, []string{"default/a", "default/b", "default/c"}},
		{resource.ListRequest{Namespace: "default", Limit: 1}, []string{"default/a", "default/b", "default/c"}},
		{resource.ListRequest{AllNamespaces: true, LabelSelector: "env=dev", Limit: 2}, []string{"default/a", "default/c", "other/d"}},
		{resource.ListRequest{Namespace: "default", FieldSelector: "metadata.name=b"}, []string{"default/b"}},
	} {
		if got := list(tc.req); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("List(%+v) = %q, want %q", tc.req, got, tc.want)
		}
	}
	for _, r := range []resource.ListRequest{{LabelSelector: "a in ("}, {FieldSelector: "a=b=c="}} {
		if _, _, err := resource.List(ctx, c, cm, r); err == nil {
			t.Errorf("List(%+v) accepted a bad selector", r)
		}
	}
	if _, _, err := resource.List(ctx, c, cm, resource.ListRequest{FieldSelector: "spec.nosuch=x"}); err == nil {
		t.Error("List with an unsupported field selector succeeded")
	}

	u, err := resource.Get(ctx, c, cm, "other", "d")
	if err != nil {
		t.Fatal(err)
	}
	if u.GetKind() != "ConfigMap" || u.GetLabels()["env"] != "dev" {
		t.Errorf("Get = %v", u.Object)
	}
	if _, err := resource.Get(ctx, c, cm, "default", "d"); !apierrors.IsNotFound(err) {
		t.Errorf("Get of a missing object: error = %v, want NotFound", err)
	}

	ns := typeOf(t, c.Registry(), "", "v1", "Namespace")
	if n := resource.NewObject(ns, "ignored", "x"); n.GetNamespace() != "" || n.GetName() != "x" || n.GetKind() != "Namespace" {
		t.Errorf("NewObject of a cluster-scoped type = %v", n.Object)
	}
}
