package kubetypes

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"

	"github.com/k1s-dev/k1s/admission"
)

var (
	validationScheme     *runtime.Scheme
	validationSchemeOnce sync.Once
)

func schemeForValidation() *runtime.Scheme {
	validationSchemeOnce.Do(func() { validationScheme = NewScheme() })
	return validationScheme
}

// Validate checks an object of a kind of the package as the API server
// checks a request body before storing it, and returns nil, a BadRequest
// error (the body does not decode) or an Invalid error listing every
// field problem at once, with the API server's words.
//
// An *unstructured.Unstructured is first decoded into its Go type as the
// API server decodes a request with fieldValidation=Strict (kubectl's
// --validate=strict, its default): a value of the wrong type, a number a
// field cannot hold, or a field the type does not have is the server's
// BadRequest, `Deployment in version "v1" cannot be handled as a
// Deployment: strict decoding error: unknown field "spec.foo"`. A typed
// object was decoded already.
//
// The decoded object is then checked for the fields its OpenAPI schema
// requires (`spec.template.spec.containers[0].name: Required value`) and
// for the few rules of the API server's validation code the package
// replicates; see the package documentation for which. Metadata is not
// checked here: the CoreClient checks it for every kind. Kinds the package
// does not know pass.
func Validate(obj runtime.Object) error {
	gvk := obj.GetObjectKind().GroupVersionKind()
	s := schemeForValidation()
	if u, ok := obj.(*unstructured.Unstructured); ok {
		if !s.Recognizes(gvk) {
			return nil
		}
		typed, err := decodeStrict(s, u, gvk)
		if err != nil {
			return err
		}
		obj = typed
	} else if gvk.Empty() {
		kinds, _, err := s.ObjectKinds(obj)
		if err != nil {
			return nil
		}
		gvk = kinds[0]
	}
	errs := validateObject(obj, gvk)
	if len(errs) == 0 {
		return nil
	}
	name := ""
	if m, ok := obj.(metav1.Object); ok {
		name = m.GetName()
	}
	return apierrors.NewInvalid(gvk.GroupKind(), name, errs)
}

// decodeStrict decodes u's content into its Go type as the API server's
// strict JSON decoding does, with its error.
func decodeStrict(s *runtime.Scheme, u *unstructured.Unstructured, gvk schema.GroupVersionKind) (runtime.Object, error) {
	typed, err := s.New(gvk)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s %q: %v", gvk.Kind, u.GetName(), err))
	}
	strict, err := sigsjson.UnmarshalStrict(data, typed, sigsjson.DisallowUnknownFields)
	if err == nil && len(strict) > 0 {
		err = runtime.NewStrictDecodingError(strict)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", gvk.Kind, gvk.Version, gvk.Kind, err))
	}
	typed.GetObjectKind().SetGroupVersionKind(gvk)
	return typed, nil
}

// Validator returns Validate as an admission.Validator for every kind
// kubetypes knows (add it to core.Options.Admission with
// AddValidatingForAll). Deletes are not checked.
func Validator() admission.Validator {
	return admission.ValidatorFuncs{
		Create: func(_ context.Context, obj runtime.Object) ([]string, error) {
			return nil, Validate(obj)
		},
		Update: func(_ context.Context, _, obj runtime.Object) ([]string, error) {
			return nil, Validate(obj)
		},
	}
}

func validateObject(obj runtime.Object, gvk schema.GroupVersionKind) field.ErrorList {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	var found []missingField
	serverPlanner.walk(v.Elem(), nil, true, &found)
	errs := make(field.ErrorList, len(found))
	for i, m := range found {
		errs[i] = field.Required(m.path, m.detail)
	}
	for _, e := range kindRules(obj) {
		errs = insertByPath(errs, e)
	}
	return errs
}

// insertByPath puts e before the first error of a later field path. The
// API server reports in the order its validation code runs, which
// follows the fields; the walk finds them in field order, and a kind rule's
// error goes where its field is.
func insertByPath(errs field.ErrorList, e *field.Error) field.ErrorList {
	for i, x := range errs {
		if x.Field > e.Field {
			return append(errs[:i], append(field.ErrorList{e}, errs[i:]...)...)
		}
	}
	return append(errs, e)
}

// structPlan says, for a Go struct type, what validation needs of each
// field: its index, json name, whether it is inlined, and, when the API
// server refuses an object without it, the detail of its Required error.
type structPlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	index    int
	name     string
	key      string // package path "." type "." json name
	inline   bool
	required bool
	detail   string
	// deep says whether the field's value may hold required fields: the
	// walk does not descend where none can be missing.
	deep bool
}

// requirement says whether the field key (package path "." type "."
// json name) is required, and with which detail.
type requirement func(key string) (detail string, required bool)

// planner makes and caches the plans of struct types for one
// requirement.
type planner struct {
	req     requirement
	plans   sync.Map // reflect.Type -> *structPlan
	reaches sync.Map // reflect.Type -> bool
}

var (
	serverRequired     map[string]string
	serverRequiredOnce sync.Once
)

// requiredByServer is the runtime requirement: the fields the API server
// refuses to go without (zz_generated.required.go).
func requiredByServer(key string) (string, bool) {
	serverRequiredOnce.Do(func() { serverRequired = requiredByServerTable() })
	d, ok := serverRequired[key]
	return d, ok
}

var serverPlanner = &planner{req: requiredByServer}

// elem is the type a value of t holds fields of: t without pointers,
// slices, arrays and maps around it.
func elem(t reflect.Type) reflect.Type {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
}

func isLeaf(t reflect.Type) bool {
	return t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshalerType)
}

func (p *planner) plan(t reflect.Type) *structPlan {
	if sp, ok := p.plans.Load(t); ok {
		return sp.(*structPlan)
	}
	sp := &structPlan{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, hasTag := f.Tag.Lookup("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		inline := f.Anonymous && hasTag && name == ""
		if name == "" {
			name = f.Name
		}
		key := t.PkgPath() + "." + t.Name() + "." + name
		detail, required := p.req(key)
		sp.fields = append(sp.fields, fieldPlan{index: i, name: name, key: key, inline: inline, required: required, detail: detail,
			deep: p.reach(elem(f.Type), map[reflect.Type]bool{t: true})})
	}
	p.plans.Store(t, sp)
	return sp
}

// reach reports whether a value of struct type t may hold a required
// field, at any depth; visiting marks the types being looked at, to end
// cycles.
func (p *planner) reach(t reflect.Type, visiting map[reflect.Type]bool) bool {
	if isLeaf(t) || visiting[t] {
		return false
	}
	if r, ok := p.reaches.Load(t); ok {
		return r.(bool)
	}
	visiting[t] = true
	defer delete(visiting, t)
	found := false
	for i := 0; i < t.NumField() && !found; i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if _, required := p.req(t.PkgPath() + "." + t.Name() + "." + name); required {
			found = true
		} else {
			found = p.reach(elem(f.Type), visiting)
		}
	}
	p.reaches.Store(t, found)
	return found
}

// missingField is a required field found missing by walkRequired.
type missingField struct {
	path   *field.Path
	key    string
	detail string
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// walkRequired collects the required fields (by p's requirement)
// missing under v. A missing field is a nil pointer, an empty slice or
// map, or an empty string: what the API server's validation calls
// Required. Numbers and booleans are never missing (0 and false are
// values); a struct value is checked field by field. Values with their
// own JSON form (times, quantities, int-or-strings) are leaves. The
// top-level metadata and status are not walked: the CoreClient checks
// metadata, and statuses are their controllers' to fill in.
func (p *planner) walk(v reflect.Value, path *field.Path, top bool, out *[]missingField) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			p.walk(v.Elem(), path, false, out)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			p.walk(v.Index(i), path.Index(i), false, out)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i].Interface()) < fmt.Sprint(keys[j].Interface()) })
		for _, k := range keys {
			p.walk(v.MapIndex(k), path.Key(fmt.Sprint(k.Interface())), false, out)
		}
	case reflect.Struct:
		if isLeaf(v.Type()) {
			return
		}
		for _, f := range p.plan(v.Type()).fields {
			fv := v.Field(f.index)
			switch {
			case f.inline:
				p.walk(fv, path, top, out)
			case top && (f.name == "metadata" || f.name == "status"):
			case f.required && missing(fv):
				*out = append(*out, missingField{path.Child(f.name), f.key, f.detail})
			case f.deep:
				p.walk(fv, path.Child(f.name), false, out)
			}
		}
	}
}

func missing(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map, reflect.String:
		return v.Len() == 0
	}
	return false
}
