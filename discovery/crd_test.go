package discovery_test

import (
	"embed"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// A program's typed API, kubebuilder style: the Go type and, embedded,
// the CRD controller-gen generated for it.

//go:embed testdata/compiledin
var compiledIn embed.FS

var widgetGV = schema.GroupVersion{Group: "example.com", Version: "v1"}

type Widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              WidgetSpec   `json:"spec,omitempty"`
	Status            WidgetStatus `json:"status,omitempty"`
}

type WidgetSpec struct {
	Size  int32  `json:"size"`
	Color string `json:"color,omitempty"`
}

type WidgetStatus struct {
	Ready bool `json:"ready,omitempty"`
}

func (in *Widget) DeepCopyObject() runtime.Object {
	out := *in
	in.DeepCopyInto(&out.ObjectMeta)
	return &out
}

type WidgetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Widget `json:"items"`
}

func (in *WidgetList) DeepCopyObject() runtime.Object {
	out := *in
	in.DeepCopyInto(&out.ListMeta)
	out.Items = append([]Widget(nil), in.Items...)
	for i := range out.Items {
		in.Items[i].DeepCopyInto(&out.Items[i].ObjectMeta)
	}
	return &out
}

// TestCRDTypesCompiledIn: a Go type registered with its embedded CRD gets
// the CRD's scope, names, printer columns, and its schema's defaulting and
// validation, and is served as a custom resource.
func TestCRDTypesCompiledIn(t *testing.T) {
	types, err := discovery.CRDTypesFS(compiledIn)
	if err != nil {
		t.Fatal(err)
	}
	if len(types) != 1 {
		t.Fatalf("CRDTypesFS = %d types, want 1", len(types))
	}
	got := types[0]
	if got.Kind != widgetGV.WithKind("Widget") || got.Resource != "widgets" || got.Singular != "widget" || got.ListKind != "WidgetList" ||
		!got.Namespaced || !got.StatusSubresource || !got.Storage || got.Source != "" || !got.CustomResource ||
		!cmp.Equal(got.ShortNames, []string{"wd"}) || !cmp.Equal(got.Categories, []string{"all"}) || got.Schema == nil {
		t.Errorf("Widget type = %+v", got)
	}

	scheme := coretypes.NewScheme()
	scheme.AddKnownTypes(widgetGV, &Widget{}, &WidgetList{})
	metav1.AddToGroupVersion(scheme, widgetGV)
	reg := registry.New(nil)
	if err := reg.Add(append(coretypes.Types(), types...)...); err != nil {
		t.Fatal(err)
	}
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Scheme: scheme, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	typ, err := reg.ResolveOne("wd")
	if err != nil || typ.Kind.Kind != "Widget" {
		t.Fatalf("ResolveOne(wd) = %v, %v", typ, err)
	}
	cols, err := printers.ColumnsFor(typ)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, col := range cols {
		names = append(names, col.Name)
	}
	if want := []string{"Name", "Size", "Age"}; !cmp.Equal(names, want) {
		t.Errorf("columns = %v, want %v", names, want)
	}

	// The schema defaults the typed object...
	w := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "w1"}, Spec: WidgetSpec{Size: 3}}
	if err := c.Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	if w.Spec.Color != "blue" || w.Generation != 1 {
		t.Errorf("created Widget: color %q, generation %d; want the schema's default blue, generation 1", w.Spec.Color, w.Generation)
	}
	// ...and validates it, naming the field.
	bad := &Widget{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "w2"}}
	err = c.Create(ctx, bad)
	if want := `Widget.example.com "w2" is invalid: spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1`; !apierrors.IsInvalid(err) || err.Error() != want {
		t.Errorf("Create with size 0 = %v\nwant %s", err, want)
	}
	// A custom resource: no update without a resourceVersion.
	w.ResourceVersion = ""
	if err := c.Update(ctx, w); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "metadata.resourceVersion") {
		t.Errorf("Update without resourceVersion = %v, want Invalid naming metadata.resourceVersion", err)
	}
}

func TestCRDTypesErrors(t *testing.T) {
	const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: things, kind: Thing}
  versions:
  - {name: v1, served: true, storage: true}
`
	for _, tc := range []struct {
		name, data, want string
	}{
		{"no plural", strings.Replace(crd, "plural: things, ", "", 1),
			`crd/things.yaml: CustomResourceDefinition "things.example.com": spec.names.plural is required; the CRD is ignored`},
		{"other kind", crd + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
			`crd/things.yaml: document 2 is v1 ConfigMap "c", not a apiextensions.k8s.io/v1 CustomResourceDefinition`},
		{"old version", strings.Replace(crd, "/v1\n", "/v1beta1\n", 1),
			`crd/things.yaml: document 1 is apiextensions.k8s.io/v1beta1 CustomResourceDefinition "things.example.com", not a apiextensions.k8s.io/v1 CustomResourceDefinition`},
		{"empty", "# nothing\n", `crd/things.yaml: no CustomResourceDefinition`},
		{"broken YAML", "apiVersion: [\n", `crd/things.yaml`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			types, err := discovery.CRDTypes("crd/things.yaml", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) || types != nil {
				t.Errorf("CRDTypes = %v, %v; want no types and an error containing %q", types, err, tc.want)
			}
			_, err = discovery.CRDTypesFS(fstest.MapFS{"crd/things.yaml": {Data: []byte(tc.data)}, "crd/README.md": {Data: []byte("not read")}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CRDTypesFS = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := discovery.CRDTypesFS(fstest.MapFS{"README.md": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "no CustomResourceDefinition file") {
		t.Errorf("CRDTypesFS of no manifest = %v", err)
	}
	if _, err := discovery.CRDTypesFS(fstest.MapFS{}); err == nil {
		t.Error("CRDTypesFS of an empty file system: no error")
	}
}
