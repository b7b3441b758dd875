package core_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// admissionLog records what the hooks of TestAdmissionOrder saw.
type admissionLog struct{ lines []string }

func (l *admissionLog) add(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *admissionLog) attrs(ctx context.Context) string {
	a, ok := admission.AttributesFrom(ctx)
	if !ok {
		return "no attributes"
	}
	return fmt.Sprintf("%s %s %s %s/%s old=%t", a.Operation, a.Kind.Kind, a.Resource.Resource, a.Namespace, a.Name, a.OldObject != nil)
}

// TestAdmissionOrder holds the order of a write (package admission's
// documentation): the mutating hook sees the schema's defaults and not
// the unknown fields, what it adds beyond the schema is pruned, the
// schema validates what it set, and the validating hook sees the result;
// hooks added to a running Client apply, and deletes are admitted with
// the stored object.
func TestAdmissionOrder(t *testing.T) {
	ctx := context.Background()
	log := &admissionLog{}
	mutate := admission.DefaulterFunc(func(ctx context.Context, obj runtime.Object) error {
		u := obj.(*unstructured.Unstructured)
		color, _, _ := unstructured.NestedString(u.Object, "spec", "color")
		_, bogus, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "bogus")
		log.add("mutate %s color=%s bogus=%t", log.attrs(ctx), color, bogus)
		_ = unstructured.SetNestedField(u.Object, "added", "spec", "extra")
		q, _, _ := unstructured.NestedInt64(u.Object, "spec", "quantity")
		return unstructured.SetNestedField(u.Object, q-1, "spec", "quantity")
	})
	validate := admission.ValidatorFuncs{
		Create: func(ctx context.Context, obj runtime.Object) ([]string, error) {
			_, extra, _ := unstructured.NestedFieldNoCopy(obj.(*unstructured.Unstructured).Object, "spec", "extra")
			log.add("validate %s extra=%t", log.attrs(ctx), extra)
			return nil, nil
		},
		Update: func(ctx context.Context, _, obj runtime.Object) ([]string, error) {
			log.add("validate %s", log.attrs(ctx))
			return nil, nil
		},
		Delete: func(ctx context.Context, obj runtime.Object) ([]string, error) {
			log.add("validate %s", log.attrs(ctx))
			return nil, apierrors.NewForbidden(schema.GroupResource{Group: "inventory.example.com", Resource: "items"}, "a", fmt.Errorf("kept"))
		},
	}
	c, err := core.New(core.Options{Storage: memory.New(), Registry: coretest.NewRegistry(),
		Admission: admission.NewChain().AddMutating(coretest.ItemGVK, mutate)})
	if err != nil {
		t.Fatal(err)
	}
	c.Admission().AddValidatingForAll(validate)

	u := itemObject("a")
	u.SetAPIVersion(coretest.ItemGVK.GroupVersion().String())
	u.Object["spec"] = map[string]any{"quantity": int64(2), "bogus": true}
	if err := c.Create(ctx, u, client.FieldValidation("Ignore")); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]any{"quantity": int64(1), "color": "grey"}, u.Object["spec"]); d != "" {
		t.Errorf("created spec (-want +got):\n%s", d)
	}
	// A quantity the hook takes below the schema's minimum is refused by
	// the schema, which runs after it.
	low := itemObject("low")
	low.SetAPIVersion(coretest.ItemGVK.GroupVersion().String())
	low.Object["spec"] = map[string]any{"quantity": int64(0)}
	if err := c.Create(ctx, low); !apierrors.IsInvalid(err) {
		t.Errorf("hook's value below the minimum: got %v, want Invalid", err)
	}
	u.SetLabels(map[string]string{"x": "y"})
	if err := c.Update(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, u); !apierrors.IsForbidden(err) {
		t.Errorf("delete: got %v, want Forbidden", err)
	}
	want := []string{
		"mutate CREATE Item items default/a old=false color=grey bogus=false",
		"validate CREATE Item items default/a old=false extra=false",
		"mutate CREATE Item items default/low old=false color=grey bogus=false",
		"mutate UPDATE Item items default/a old=true color=grey bogus=false",
		"validate UPDATE Item items default/a old=true",
		"validate DELETE Item items default/a old=true",
	}
	if d := cmp.Diff(want, log.lines); d != "" {
		t.Errorf("hooks saw (-want +got):\n%s", d)
	}
}

// TestAdmissionTyped: a typed object with a schema is defaulted by the
// schema before a typed mutating hook sees it.
func TestAdmissionTyped(t *testing.T) {
	var seen string
	d := admission.TypedDefaulter(func(_ context.Context, it *coretest.Item) {
		seen = it.Spec.Color
		it.Spec.Color = "blue"
	})
	c, err := core.New(core.Options{Storage: memory.New(), Registry: coretest.NewRegistry(), Scheme: coretest.NewScheme(),
		Admission: admission.NewChain().AddMutating(coretest.ItemGVK, d)})
	if err != nil {
		t.Fatal(err)
	}
	it := &coretest.Item{Spec: coretest.ItemSpec{Quantity: 1}}
	it.SetNamespace("default")
	it.SetName("typed")
	if err := c.Create(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	if seen != "grey" || it.Spec.Color != "blue" {
		t.Errorf("hook saw color %q, stored %q; want grey, blue", seen, it.Spec.Color)
	}
}

// TestAdmissionBrokenSchema: a mutating hook on a type whose schema does
// not load still runs, and the write is refused for the schema, with
// nothing stored.
func TestAdmissionBrokenSchema(t *testing.T) {
	types := coretest.Types()
	for i := range types {
		if types[i].Kind == coretest.ItemGVK {
			types[i].Schema = nil
			types[i].LoadSchema = func() (*apiextensionsv1.JSONSchemaProps, error) { return nil, errors.New("items.yaml: bad schema") }
		}
	}
	reg := registry.New(nil)
	if err := reg.Add(types...); err != nil {
		t.Fatal(err)
	}
	ran := false
	c, err := core.New(core.Options{Storage: memory.New(), Registry: reg,
		Admission: admission.NewChain().AddMutatingForAll(admission.DefaulterFunc(func(context.Context, runtime.Object) error {
			ran = true
			return nil
		}))})
	if err != nil {
		t.Fatal(err)
	}
	u := itemObject("a")
	u.SetAPIVersion(coretest.ItemGVK.GroupVersion().String())
	u.Object["spec"] = map[string]any{"quantity": int64(1)}
	err = c.Create(context.Background(), u)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "items.yaml: bad schema") {
		t.Errorf("got %v, want Invalid naming the schema's error", err)
	}
	if !ran {
		t.Error("the mutating hook did not run")
	}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(u), itemObject("a")); !apierrors.IsNotFound(err) {
		t.Errorf("stored anyway: %v", err)
	}
}

// TestAdmissionWarnings passes the hooks' warnings to the request's
// warning handler, as the API server passes an admission webhook's to
// its client: a validating hook's on create, update and delete, a denial
// included, and a mutating hook's through Attributes.Warn.
func TestAdmissionWarnings(t *testing.T) {
	mutate := admission.DefaulterFunc(func(ctx context.Context, obj runtime.Object) error {
		if a, ok := admission.AttributesFrom(ctx); ok && a.Warn != nil {
			a.Warn("mutate " + string(a.Operation))
		}
		return nil
	})
	validate := admission.ValidatorFuncs{
		Create: func(context.Context, runtime.Object) ([]string, error) { return []string{"validate CREATE"}, nil },
		Update: func(context.Context, runtime.Object, runtime.Object) ([]string, error) {
			return []string{"validate UPDATE"}, errors.New("no updates")
		},
		Delete: func(context.Context, runtime.Object) ([]string, error) { return []string{"validate DELETE"}, nil },
	}
	var got []string
	c, err := core.New(core.Options{Storage: memory.New(), Registry: coretest.NewRegistry(),
		Admission:      admission.NewChain().AddMutating(coretest.ItemGVK, mutate).AddValidating(coretest.ItemGVK, validate),
		WarningHandler: core.WarningFunc(func(text string) { got = append(got, text) })})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u := itemObject("w")
	if err := c.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := c.Update(ctx, u); err == nil {
		t.Fatal("the denied update passed")
	}
	if err := c.Delete(ctx, u); err != nil {
		t.Fatal(err)
	}
	want := []string{"mutate CREATE", "validate CREATE", "mutate UPDATE", "validate UPDATE", "validate DELETE"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
