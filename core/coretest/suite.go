package coretest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
)

// Kinds the cases use.
var (
	ConfigMapGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")
	SecretGVK    = corev1.SchemeGroupVersion.WithKind("Secret")
	NamespaceGVK = corev1.SchemeGroupVersion.WithKind("Namespace")
)

// eventTimeout bounds waits for watch events; it detects hangs and is
// not a latency assertion.
const eventTimeout = 10 * time.Second

// Mode says how a case builds and reads objects: as Go types (for kinds
// in the scheme) or as unstructured objects.
type Mode struct {
	Name  string
	Typed bool
}

// Modes are the two ways every case runs.
var Modes = []Mode{{Name: "typed", Typed: true}, {Name: "unstructured"}}

// Case is one rule of the client's contract.
type Case struct {
	Name string
	// Once runs the case in the typed mode only: representation does not
	// matter to it.
	Once bool
	Run  func(e *Env)
}

// Env is what a case works with: a fresh client over a fresh store.
type Env struct {
	T      *testing.T
	Ctx    context.Context
	C      *core.Client
	Store  storage.Interface
	Mode   Mode
	Scheme *runtime.Scheme
	// NewStorage makes another store, for cases that need more than one.
	NewStorage func(t *testing.T) storage.Interface
}

// Run runs every case, in both modes, each against a client over a new
// store from newStorage.
func Run(t *testing.T, newStorage func(t *testing.T) storage.Interface) {
	for _, c := range Cases() {
		for _, m := range Modes {
			if c.Once && !m.Typed {
				continue
			}
			t.Run(c.Name+"/"+m.Name, func(t *testing.T) {
				e := NewEnv(t, newStorage, m, core.Options{})
				c.Run(e)
			})
		}
	}
}

// NewEnv returns an Env with a client over a new store; opts may set
// hooks, the store, scheme and registry are the suite's.
func NewEnv(t *testing.T, newStorage func(t *testing.T) storage.Interface, m Mode, opts core.Options) *Env {
	t.Helper()
	store := newStorage(t)
	opts.Storage = store
	if opts.Scheme == nil {
		opts.Scheme = NewScheme()
	}
	if opts.Registry == nil {
		opts.Registry = NewRegistry()
	}
	c, err := core.New(opts)
	if err != nil {
		t.Fatalf("core.New: %v", err)
	}
	return &Env{T: t, Ctx: t.Context(), C: c, Store: store, Mode: m, Scheme: opts.Scheme, NewStorage: newStorage}
}

// withHooks returns a new Env over a new store whose client has the hooks.
func (e *Env) withHooks(chain *admission.Chain) *Env {
	return NewEnv(e.T, e.NewStorage, e.Mode, core.Options{Admission: chain})
}

// Obj builds an object of kind gvk named namespace/name with the given
// top-level fields, typed when the mode is and the scheme knows the kind.
func (e *Env) Obj(gvk schema.GroupVersionKind, namespace, name string, fields map[string]any) client.Object {
	e.T.Helper()
	u := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(fields)}
	if u.Object == nil {
		u.Object = map[string]any{}
	}
	u.SetGroupVersionKind(gvk)
	if name != "" {
		u.SetName(name)
	}
	if namespace != "" {
		u.SetNamespace(namespace)
	}
	return e.convert(u)
}

// convert returns u in the mode's form.
func (e *Env) convert(u *unstructured.Unstructured) client.Object {
	e.T.Helper()
	gvk := u.GroupVersionKind()
	if !e.Mode.Typed || !e.Scheme.Recognizes(gvk) {
		return u
	}
	typed, err := e.Scheme.New(gvk)
	if err != nil {
		e.T.Fatalf("scheme.New(%s): %v", gvk, err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		e.T.Fatalf("converting %s to %T: %v", gvk.Kind, typed, err)
	}
	typed.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	return typed.(client.Object)
}

// Empty returns an empty object of kind gvk in the mode's form.
func (e *Env) Empty(gvk schema.GroupVersionKind) client.Object {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	return e.convert(u)
}

// EmptyList returns an empty list of kind gvk's items in the mode's form.
func (e *Env) EmptyList(gvk schema.GroupVersionKind) client.ObjectList {
	lgvk := gvk.GroupVersion().WithKind(gvk.Kind + "List")
	if e.Mode.Typed && e.Scheme.Recognizes(lgvk) {
		l, err := e.Scheme.New(lgvk)
		if err != nil {
			e.T.Fatalf("scheme.New(%s): %v", lgvk, err)
		}
		return l.(client.ObjectList)
	}
	ul := &unstructured.UnstructuredList{}
	ul.SetGroupVersionKind(lgvk)
	return ul
}

// Content returns obj's unstructured content.
func (e *Env) Content(obj runtime.Object) map[string]any {
	e.T.Helper()
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		e.T.Fatalf("ToUnstructured(%T): %v", obj, err)
	}
	return m
}

// Field returns the value at a dotted path of obj's content.
func (e *Env) Field(obj runtime.Object, path string) any {
	e.T.Helper()
	v, _, _ := unstructured.NestedFieldNoCopy(e.Content(obj), strings.Split(path, ".")...)
	return v
}

// Create creates obj and fails the test on error.
func (e *Env) Create(obj client.Object, opts ...client.CreateOption) client.Object {
	e.T.Helper()
	e.OK(e.C.Create(e.Ctx, obj, opts...), "Create %s", describe(obj))
	return obj
}

// Get reads namespace/name of kind gvk.
func (e *Env) Get(gvk schema.GroupVersionKind, namespace, name string) (client.Object, error) {
	obj := e.Empty(gvk)
	err := e.C.Get(e.Ctx, client.ObjectKey{Namespace: namespace, Name: name}, obj)
	return obj, err
}

// MustGet reads namespace/name and fails the test on error.
func (e *Env) MustGet(gvk schema.GroupVersionKind, namespace, name string) client.Object {
	e.T.Helper()
	obj, err := e.Get(gvk, namespace, name)
	e.OK(err, "Get %s %s/%s", gvk.Kind, namespace, name)
	return obj
}

// Gone requires namespace/name of kind gvk not to exist.
func (e *Env) Gone(gvk schema.GroupVersionKind, namespace, name string) {
	e.T.Helper()
	_, err := e.Get(gvk, namespace, name)
	e.Fails(err, NotFound, "Get %s %s/%s (should be gone)", gvk.Kind, namespace, name)
}

// List lists kind gvk with opts and returns the items' names as
// namespace/name (or name for cluster-scoped kinds) and the list.
func (e *Env) List(gvk schema.GroupVersionKind, opts ...client.ListOption) ([]string, client.ObjectList) {
	e.T.Helper()
	l := e.EmptyList(gvk)
	e.OK(e.C.List(e.Ctx, l, opts...), "List %s", gvk.Kind)
	return names(e, l), l
}

func names(e *Env, l client.ObjectList) []string {
	e.T.Helper()
	var out []string
	items, _, _ := unstructured.NestedSlice(e.Content(l), "items")
	for _, it := range items {
		m := it.(map[string]any)
		ns, _, _ := unstructured.NestedString(m, "metadata", "namespace")
		name, _, _ := unstructured.NestedString(m, "metadata", "name")
		if ns != "" {
			name = ns + "/" + name
		}
		out = append(out, name)
	}
	return out
}

// Rev returns the store's current revision.
func (e *Env) Rev() int64 {
	e.T.Helper()
	rev, err := e.Store.CurrentRevision(e.Ctx)
	e.OK(err, "CurrentRevision")
	return rev
}

// Unchanged requires the store's revision to be before: nothing written.
func (e *Env) Unchanged(before int64, what string) {
	e.T.Helper()
	if now := e.Rev(); now != before {
		e.T.Fatalf("%s moved the store from revision %d to %d; a failed or dry-run request must write nothing", what, before, now)
	}
}

// OK fails the test on an error.
func (e *Env) OK(err error, format string, args ...any) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("%s: unexpected error: %v", fmt.Sprintf(format, args...), err)
	}
}

// ErrKind names an error predicate.
type ErrKind struct {
	Name string
	Is   func(error) bool
}

// The error reasons the suite checks.
var (
	NotFound       = ErrKind{"NotFound", apierrors.IsNotFound}
	AlreadyExists  = ErrKind{"AlreadyExists", apierrors.IsAlreadyExists}
	Conflict       = ErrKind{"Conflict", apierrors.IsConflict}
	Invalid        = ErrKind{"Invalid", apierrors.IsInvalid}
	BadRequest     = ErrKind{"BadRequest", apierrors.IsBadRequest}
	Forbidden      = ErrKind{"Forbidden", apierrors.IsForbidden}
	Gone           = ErrKind{"Gone/ResourceExpired", func(err error) bool { return apierrors.IsGone(err) || apierrors.IsResourceExpired(err) }}
	Unsupported    = ErrKind{"UnsupportedMediaType", apierrors.IsUnsupportedMediaType}
	MethodNotAllow = ErrKind{"MethodNotSupported", apierrors.IsMethodNotSupported}
	AnyError       = ErrKind{"an error", func(err error) bool { return err != nil }}
)

// Fails requires err to be of kind want and a *StatusError (unless want
// is AnyError).
func (e *Env) Fails(err error, want ErrKind, format string, args ...any) {
	e.T.Helper()
	what := fmt.Sprintf(format, args...)
	if err == nil {
		e.T.Fatalf("%s: succeeded, want %s", what, want.Name)
	}
	if !want.Is(err) {
		e.T.Fatalf("%s: got %v (%T), want %s", what, err, err, want.Name)
	}
	if _, ok := err.(apierrors.APIStatus); !ok && want.Name != AnyError.Name {
		e.T.Fatalf("%s: error %v is a %T, want an apierrors StatusError", what, err, err)
	}
}

// Message requires err's message to contain every part.
func (e *Env) Message(err error, parts ...string) {
	e.T.Helper()
	for _, p := range parts {
		if err == nil || !strings.Contains(err.Error(), p) {
			e.T.Fatalf("error %v: want a message containing %q", err, p)
		}
	}
}

// Equal compares with go-cmp.
func Equal[T any](e *Env, got, want T, format string, args ...any) {
	e.T.Helper()
	if d := cmp.Diff(want, got); d != "" {
		e.T.Fatalf("%s mismatch (-want +got):\n%s", fmt.Sprintf(format, args...), d)
	}
}

// Check fails the test when cond is false.
func (e *Env) Check(cond bool, format string, args ...any) {
	e.T.Helper()
	if !cond {
		e.T.Fatalf(format, args...)
	}
}

// NextEvent returns w's next event.
func (e *Env) NextEvent(w watch.Interface) watch.Event {
	e.T.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		e.Check(ok, "watch channel closed while an event was expected")
		return ev
	case <-time.After(eventTimeout):
		e.T.Fatalf("no watch event within %v", eventTimeout)
		return watch.Event{}
	}
}

func describe(obj client.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if kind == "" {
		kind = fmt.Sprintf("%T", obj)
	}
	if obj.GetNamespace() != "" {
		return kind + " " + obj.GetNamespace() + "/" + obj.GetName()
	}
	return kind + " " + obj.GetName()
}
