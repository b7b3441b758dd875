package admission_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/admission"
)

var secretGVK = corev1.SchemeGroupVersion.WithKind("Secret")

// recorder returns hooks that append name to *calls, and fail when fail
// is set.
func recorder(calls *[]string, name string, fail error) (admission.Defaulter, admission.Validator) {
	d := admission.DefaulterFunc(func(_ context.Context, obj runtime.Object) error {
		*calls = append(*calls, "mutate "+name)
		// A typed hook may clear the kind; the chain restores it.
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
		return fail
	})
	record := func(op string) ([]string, error) {
		*calls = append(*calls, op+" "+name)
		return []string{op + " warning from " + name}, fail
	}
	v := admission.ValidatorFuncs{
		Create: func(context.Context, runtime.Object) ([]string, error) { return record("create") },
		Update: func(context.Context, runtime.Object, runtime.Object) ([]string, error) { return record("update") },
		Delete: func(context.Context, runtime.Object) ([]string, error) { return record("delete") },
	}
	return d, v
}

func TestChainOrder(t *testing.T) {
	ctx := context.Background()
	var calls []string
	c := admission.NewChain()
	for _, h := range []struct {
		name string
		all  bool
		gvk  schema.GroupVersionKind
	}{{"go-cm", false, cmGVK}, {"go-all", true, schema.GroupVersionKind{}}, {"plugin-secret", false, secretGVK}, {"plugin-cm", false, cmGVK}} {
		d, v := recorder(&calls, h.name, nil)
		if h.all {
			c.AddMutatingForAll(d).AddValidatingForAll(v)
		} else {
			c.AddMutating(h.gvk, d).AddValidating(h.gvk, v)
		}
	}

	cm := configMap(nil)
	if err := c.Default(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if got := cm.GroupVersionKind(); got != cmGVK {
		t.Errorf("kind after mutation: %v", got)
	}
	w, err := c.ValidateCreate(ctx, cm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateUpdate(ctx, cm, cm); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateDelete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"mutate go-cm", "mutate go-all", "mutate plugin-cm",
		"create go-cm", "create go-all", "create plugin-cm",
		"update go-cm", "update go-all", "update plugin-cm",
		"delete go-cm", "delete go-all", "delete plugin-cm",
	}
	if d := cmp.Diff(want, calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	wantW := []string{"create warning from go-cm", "create warning from go-all", "create warning from plugin-cm"}
	if d := cmp.Diff(wantW, w); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func TestChainStopsAtFirstError(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var calls []string
	d1, v1 := recorder(&calls, "first", boom)
	d2, v2 := recorder(&calls, "second", nil)
	c := admission.NewChain().AddMutating(cmGVK, d1).AddMutating(cmGVK, d2).
		AddValidating(cmGVK, v1).AddValidating(cmGVK, v2)
	cm := configMap(nil)
	if err := c.Default(ctx, cm); !errors.Is(err, boom) {
		t.Errorf("default: %v", err)
	}
	w, err := c.ValidateCreate(ctx, cm)
	if !errors.Is(err, boom) {
		t.Errorf("create: %v", err)
	}
	if d := cmp.Diff([]string{"mutate first", "create first"}, calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"create warning from first"}, w); d != "" {
		t.Errorf("warnings of the refusing hook are kept (-want +got):\n%s", d)
	}
}

func TestChainHas(t *testing.T) {
	var nilChain *admission.Chain
	for _, c := range []*admission.Chain{nilChain, {}, admission.NewChain()} {
		if c.HasMutating(cmGVK) || c.HasValidating(cmGVK) {
			t.Errorf("empty chain %p has hooks", c)
		}
		if err := c.Default(context.Background(), configMap(nil)); err != nil {
			t.Errorf("empty chain default: %v", err)
		}
		if w, err := c.ValidateCreate(context.Background(), configMap(nil)); w != nil || err != nil {
			t.Errorf("empty chain validate: %v %v", w, err)
		}
	}
	var calls []string
	d, v := recorder(&calls, "x", nil)
	c := admission.NewChain().AddMutating(cmGVK, d).AddValidating(secretGVK, v)
	if !c.HasMutating(cmGVK) || c.HasMutating(secretGVK) || c.HasValidating(cmGVK) || !c.HasValidating(secretGVK) {
		t.Error("per-kind hooks reported for the wrong kinds")
	}
	c.AddValidatingForAll(v)
	if !c.HasValidating(cmGVK) || c.HasMutating(secretGVK) {
		t.Error("a hook for all kinds applies to every kind, of its own sort only")
	}
}

// Hooks added while writes run (a plugin loaded late) apply to the calls
// that start afterwards; run with -race.
func TestChainConcurrentAdd(t *testing.T) {
	c := admission.NewChain()
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	count := admission.DefaulterFunc(func(context.Context, runtime.Object) error {
		mu.Lock()
		n++
		mu.Unlock()
		return nil
	})
	for range 4 {
		wg.Go(func() {
			for range 25 {
				c.AddMutating(cmGVK, count)
				if err := c.Default(context.Background(), configMap(nil)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := c.Default(context.Background(), configMap(nil)); err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("last call ran %d hooks in all, want at least the 100 added", n)
	}
}

func TestAttributes(t *testing.T) {
	if _, ok := admission.AttributesFrom(context.Background()); ok {
		t.Error("a bare context has attributes")
	}
	old := configMap(nil)
	a := admission.Attributes{
		Operation: admission.Update,
		Kind:      cmGVK,
		Resource:  corev1.SchemeGroupVersion.WithResource("configmaps"),
		Namespace: "default", Name: "cm", OldObject: old,
	}
	got, ok := admission.AttributesFrom(admission.NewContext(context.Background(), a))
	if !ok || !cmp.Equal(fmt.Sprint(got), fmt.Sprint(a)) || got.OldObject != old {
		t.Errorf("got %+v %v, want %+v", got, ok, a)
	}
}
