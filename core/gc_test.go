package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/memory"
)

// faultStore is a real memory store that fails the calls touching keys
// under prefix once armed, as a store whose disk went away part way would.
type faultStore struct {
	storage.Interface
	prefix string
	op     string // "get", "list", "create" or "" for all
}

var errInjected = apierrors.NewServiceUnavailable("injected fault")

func (f *faultStore) fails(op, key string) bool {
	return f.prefix != "" && strings.HasPrefix(key, f.prefix) && (f.op == "" || f.op == op)
}

func (f *faultStore) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	if f.fails("get", key) {
		return storage.KeyValue{}, errInjected
	}
	return f.Interface.Get(ctx, key)
}

func (f *faultStore) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if f.fails("list", prefix) {
		return storage.ListResult{}, errInjected
	}
	return f.Interface.List(ctx, prefix, opts)
}

func (f *faultStore) Create(ctx context.Context, key string, value []byte) (int64, error) {
	if f.fails("create", key) {
		return 0, errInjected
	}
	return f.Interface.Create(ctx, key, value)
}

var (
	typesPrefix      = storage.Prefix(storage.DefaultTenant, schema.GroupResource{Group: "k1s.io", Resource: "types"}, "")
	dependentsPrefix = storage.Prefix(storage.DefaultTenant, schema.GroupResource{Group: "k1s.io", Resource: "dependents"}, "")
)

func newFaultClient(t *testing.T) (*core.Client, *faultStore) {
	t.Helper()
	fs := &faultStore{Interface: memory.New()}
	c, err := core.New(core.Options{Storage: fs, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return c, fs
}

func configMap(ns, name string, refs ...metav1.OwnerReference) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: refs}}
}

// TestCatalogAndCollectionFailures checks that a store failing under the
// catalog or the dependents index fails the request with the store's
// error, rather than writing half of it or deleting on a guess.
func TestCatalogAndCollectionFailures(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, prefix, op string
		run              func(c *core.Client) error
	}{
		{"create reads the catalog", typesPrefix, "get", func(c *core.Client) error {
			return c.Create(ctx, &coretest.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "i"}})
		}},
		{"create writes the catalog", typesPrefix, "create", func(c *core.Client) error {
			return c.Create(ctx, &coretest.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "i"}})
		}},
		{"namespace deletion lists the catalog", typesPrefix, "list", func(c *core.Client) error {
			return c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}})
		}},
		{"an owner of an unknown kind looks in the catalog", typesPrefix, "list", func(c *core.Client) error {
			return c.Create(ctx, configMap("default", "d", metav1.OwnerReference{APIVersion: "x.example.com/v1", Kind: "X", Name: "x", UID: "u"}))
		}},
		{"a sweep lists the index", dependentsPrefix, "list", func(c *core.Client) error {
			_, err := c.CollectGarbage(ctx)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fs := newFaultClient(t)
			if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}); err != nil {
				t.Fatal(err)
			}
			if err := c.Create(ctx, configMap("team", "c")); err != nil {
				t.Fatal(err)
			}
			// A fresh client has nothing cached; its catalog comes from the store.
			c, err := core.New(core.Options{Storage: fs, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
			if err != nil {
				t.Fatal(err)
			}
			fs.prefix, fs.op = tc.prefix, tc.op
			if err := tc.run(c); !errors.Is(err, errInjected) {
				t.Fatalf("got %v, want the store's error", err)
			}
		})
	}
}

// TestCatalogDamaged checks that a catalog entry that is not what k1s
// wrote is reported, naming the entry, not taken for a type.
func TestCatalogDamaged(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	if _, err := store.Create(ctx, typesPrefix+"items.inventory.example.com", []byte("not json")); err != nil {
		t.Fatal(err)
	}
	c, err := core.New(core.Options{Storage: store, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Create(ctx, &coretest.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "i"}})
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "items.inventory.example.com") {
		t.Fatalf("create over a damaged catalog entry: got %v, want an internal error naming the entry", err)
	}
	err = c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default"}})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("deleting the default namespace: %v", err)
	}
	if _, err := c.CollectGarbage(ctx); err != nil {
		t.Fatalf("a sweep with nothing to collect: %v", err)
	}
}

// TestCatalogSkipsWhatIsNotAnObject checks the one-time scan of a store
// without a catalog: values that are not objects of a kind are skipped,
// the rest recorded, and the namespace deletion it serves goes ahead.
func TestCatalogSkipsWhatIsNotAnObject(t *testing.T) {
	ctx := t.Context()
	store := memory.New()
	c, err := core.New(core.Options{Storage: store, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}); err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{
		"/default/acme.example.com/blobs/team/b":    "not json",
		"/default/acme.example.com/kindless/team/k": `{"metadata":{"name":"k"}}`,
		"/default/acme.example.com/gadgets/team/g":  `{"apiVersion":"acme.example.com/v1","kind":"Gadget","metadata":{"name":"g","namespace":"team"}}`,
		"/default/odd-key":                          `{}`,
	}
	for k, v := range raw {
		if _, err := store.Create(ctx, k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 600 { // more than one page of the scan
		if _, err := store.Create(ctx, storage.Key("default", schema.GroupResource{Group: "acme.example.com", Resource: "bits"}, "other", strings.Repeat("b", 1+i%50)+string(rune('a'+i%26))+string(rune('a'+i/26))),
			[]byte(`{"apiVersion":"acme.example.com/v1","kind":"Bit"}`)); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	if err := c.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, "/default/acme.example.com/gadgets/team/g"); !apierrors.IsNotFound(err) {
		t.Errorf("gadget in the deleted namespace: %v, want NotFound", err)
	}
	for _, k := range []string{"/default/acme.example.com/blobs/team/b", "/default/acme.example.com/kindless/team/k"} {
		if _, err := store.Get(ctx, k); err != nil {
			t.Errorf("%s, which is no object of a known kind: %v, want it left alone", k, err)
		}
	}
}
