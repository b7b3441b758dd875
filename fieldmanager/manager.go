package fieldmanager

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// Options say what a Manager is for.
type Options struct {
	// Kind is the kind of the objects, in the one version they are
	// stored in.
	Kind schema.GroupVersionKind
	// Scheme holds the kind's Go type, when it has one.
	Scheme *runtime.Scheme
	// CustomResource is set for kinds declared by a CRD or a plugin
	// manifest; Schema is then their OpenAPI v3 schema, nil when they
	// have none (every field is then atomic, as for a CRD without one).
	CustomResource bool
	Schema         *apiextensionsv1.JSONSchemaProps
	// StatusSubresource says the kind has a status subresource: a write
	// of the main resource then owns nothing under .status, and a write
	// of the status nothing under .spec, as kube-apiserver resets them.
	StatusSubresource bool
	// Subresource is "" for the main resource, "status" for the status.
	Subresource string
}

// Manager records managedFields and merges apply patches for one kind,
// on one subresource: k8s.io/apimachinery's managedfields.FieldManager
// built as kube-apiserver builds it.
type Manager struct {
	fm *managedfields.FieldManager
}

// New returns the Manager of opts.Kind. Type information comes from the
// custom resource's schema, or for a Go type from the schema of k8s.io/api
// kinds; a kind with neither is handled as kube-apiserver handles a CRD
// without a schema (NewDeducedTypeConverter).
func New(opts Options) (*Manager, error) {
	tc, err := typeConverterFor(opts)
	if err != nil {
		return nil, fmt.Errorf("type information of %s: %w", opts.Kind, err)
	}
	objs := objects{scheme: opts.Scheme, gvk: opts.Kind}
	gv := opts.Kind.GroupVersion()
	reset := resetFields(gv, opts.StatusSubresource, opts.Subresource)
	newFM := managedfields.NewDefaultFieldManager
	if opts.CustomResource {
		newFM = managedfields.NewDefaultCRDFieldManager
	}
	fm, err := newFM(tc, objs, objs, objs, opts.Kind, gv, opts.Subresource, reset)
	if err != nil {
		return nil, err
	}
	return &Manager{fm: fm}, nil
}

// Update returns newObj with managedFields that record what manager
// changed from liveObj (an empty object on create), as kube-apiserver
// records every create, update and non-apply patch. managedFields that
// newObj carries replace liveObj's first, and an empty list resets them,
// as on the API server; a failure keeps liveObj's.
func (m *Manager) Update(liveObj, newObj runtime.Object, manager string) runtime.Object {
	return m.fm.UpdateNoErrors(liveObj, newObj, manager)
}

// Apply merges the apply configuration applied into liveObj (an empty
// object when none is stored) for manager. Fields other managers own that
// applied sets to other values are a Conflict naming them, in
// kube-apiserver's words, unless force takes them over.
func (m *Manager) Apply(liveObj, applied runtime.Object, manager string, force bool) (runtime.Object, error) {
	return m.fm.Apply(liveObj, applied, manager, force)
}

func resetFields(gv schema.GroupVersion, status bool, sub string) map[fieldpath.APIVersion]fieldpath.Filter {
	if !status {
		return nil
	}
	path := "status"
	if sub != "" {
		path = "spec"
	}
	return fieldpath.NewExcludeFilterSetMap(map[fieldpath.APIVersion]*fieldpath.Set{
		fieldpath.APIVersion(gv.String()): fieldpath.NewSet(fieldpath.MakePathOrDie(path)),
	})
}

// builtin memoizes, per OpenAPI type name, the parser of that type's
// closure: parsed once per process, on the first write of the kind.
var builtin sync.Map // string -> *typed.Parser or error

func typeConverterFor(opts Options) (managedfields.TypeConverter, error) {
	if opts.CustomResource {
		if opts.Schema == nil {
			return managedfields.NewDeducedTypeConverter(), nil
		}
		return crdTypeConverter(opts.Schema, opts.Kind)
	}
	if opts.Scheme == nil || !opts.Scheme.Recognizes(opts.Kind) {
		return managedfields.NewDeducedTypeConverter(), nil
	}
	obj, err := opts.Scheme.New(opts.Kind)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeOf(obj).Elem()
	name := openAPIName(t.PkgPath(), t.Name())
	if _, ok := lookupDef(name); !ok {
		return managedfields.NewDeducedTypeConverter(), nil
	}
	v, ok := builtin.Load(name)
	if !ok {
		defs, err := closure(map[string]bool{}, name)
		if err != nil {
			v = err
		} else {
			v = &typed.Parser{Schema: schemaOf(defs)}
		}
		v, _ = builtin.LoadOrStore(name, v)
	}
	if err, ok := v.(error); ok {
		return nil, err
	}
	return typeConverter{pt: v.(*typed.Parser).Type(name)}, nil
}

// DefaultManager is the manager of writes that name none: the program's
// name, as kube-apiserver derives it from the default user agent of a
// client-go program ("<basename of argv[0]>/<version> (...)"), taking the
// part before the first "/", without unprintable characters, cut to 128
// bytes. For the k1s CLI it is "k1s"; a test binary's is "<pkg>.test".
func DefaultManager() string {
	cmd := "unknown"
	if len(os.Args) > 0 && os.Args[0] != "" {
		cmd = filepath.Base(os.Args[0])
	}
	return prefixFromUserAgent(cmd)
}

// prefixFromUserAgent is kube-apiserver's (endpoints/handlers): the
// characters before the first "/", printable ones only, at most 128 bytes.
func prefixFromUserAgent(u string) string {
	m, _, _ := strings.Cut(u, "/")
	var buf bytes.Buffer
	for _, r := range m {
		if !unicode.IsPrint(r) {
			continue
		}
		if buf.Len()+utf8.RuneLen(r) > metav1validation.FieldManagerMaxLength {
			break
		}
		buf.WriteRune(r)
	}
	return buf.String()
}
