package validation

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/internal/structural"
	"github.com/k1s-dev/k1s/registry"
)

// ValidateSchema checks obj against t's OpenAPI v3 schema the way the API
// server checks a custom resource, and returns every problem at once.
// Paths are relative to the object root ("spec.quantity"). old is the
// stored object on update and nil on create; on update, a part of obj
// that is unchanged from old is not reported even if it no longer
// validates (the API server's validation ratcheting), so tightening a
// schema does not block unrelated edits. It returns nil when t or its
// schema is nil.
//
// obj is expected to have gone through defaulting.ApplySchema first, as
// the API server prunes and defaults before it validates.
func ValidateSchema(t *registry.Type, obj, old map[string]any) field.ErrorList {
	if t == nil || t.Schema == nil {
		return nil
	}
	var o any
	if old != nil {
		o = old
	}
	return Validate(structural.For(t.Schema), obj, o, old != nil)
}

// Validate checks value x against compiled schema s. old and hasOld
// give the previous value for ratcheting (hasOld false on create). The
// root's metadata is not checked here (the caller validates object
// metadata), but embedded resources below the root are.
func Validate(s *structural.Schema, x, old any, hasOld bool) field.ErrorList {
	if s == nil {
		return nil
	}
	v := &validator{}
	v.value(nil, s, x, old, hasOld)
	errs := v.errs
	errs = append(errs, embeddedResources(nil, s, x)...)
	// Like the API server, list-type invariants are enforced on update
	// only when the old object kept them: an object stored before the
	// schema said "set" can still be edited.
	if !hasOld || len(listTypes(nil, s, old)) == 0 {
		errs = append(errs, listTypes(nil, s, x)...)
	}
	return errs
}

// listTypes checks x-kubernetes-list-type set and map uniqueness below x.
func listTypes(p *field.Path, s *structural.Schema, x any) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	switch x := x.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			errs = append(errs, listTypes(p.Child(k), s.Property(k), x[k])...)
		}
	case []any:
		switch s.ListType {
		case "set":
			for _, i := range duplicateIndexes(x) {
				errs = append(errs, field.Duplicate(p.Index(i), x[i]))
			}
		case "map":
			errs = append(errs, listMap(p, s, x)...)
		}
		for i := range x {
			errs = append(errs, listTypes(p.Index(i), s.Items, x[i])...)
		}
	}
	return errs
}

// embeddedResources checks every x-kubernetes-embedded-resource value
// below the root. These checks are never ratcheted, as in the API server.
func embeddedResources(p *field.Path, s *structural.Schema, x any) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	switch x := x.(type) {
	case map[string]any:
		if s.EmbeddedResource && p != nil {
			errs = append(errs, embedded(p, x)...)
		}
		for _, k := range sortedKeys(x) {
			errs = append(errs, embeddedResources(p.Child(k), s.Property(k), x[k])...)
		}
	case []any:
		for i := range x {
			errs = append(errs, embeddedResources(p.Index(i), s.Items, x[i])...)
		}
	}
	return errs
}

type validator struct {
	errs field.ErrorList
}

func (v *validator) add(e *field.Error) { v.errs = append(v.errs, e) }

// name is the path as kube-openapi writes it inside messages.
func name(p *field.Path) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// typeMatches reports whether x has schema type t (x non-nil).
func typeMatches(s *structural.Schema, x any) bool {
	if s.IntOrString {
		if _, ok := x.(string); ok {
			return true
		}
		_, integral, ok := structural.Number(x)
		return ok && integral
	}
	switch s.Type {
	case "":
		return true
	case "object":
		_, ok := x.(map[string]any)
		return ok
	case "array":
		_, ok := x.([]any)
		return ok
	case "string":
		_, ok := x.(string)
		return ok
	case "boolean":
		_, ok := x.(bool)
		return ok
	case "integer":
		_, integral, ok := structural.Number(x)
		return ok && integral
	case "number":
		_, _, ok := structural.Number(x)
		return ok
	}
	// An unknown type name cannot be satisfied; the API server refuses
	// such a schema when the CRD is created.
	return false
}

func typeName(s *structural.Schema) string {
	if s.IntOrString {
		return "integer,string"
	}
	return s.Type
}

// value validates x at path p.
func (v *validator) value(p *field.Path, s *structural.Schema, x, old any, hasOld bool) {
	start := len(v.errs)
	v.check(p, s, x, old, hasOld)
	// Ratcheting: an unchanged value keeps passing, whatever the schema
	// now says about it.
	if hasOld && len(v.errs) > start && unchanged(s, x, old) {
		v.errs = v.errs[:start]
	}
}

func (v *validator) check(p *field.Path, s *structural.Schema, x, old any, hasOld bool) {
	if x == nil {
		if !s.Nullable && (s.Type != "" || s.IntOrString) {
			v.add(field.TypeInvalid(p, "null", fmt.Sprintf("%s in body must be of type %s: %q", name(p), typeName(s), "null")))
			return
		}
		v.enum(p, s, x)
		v.composition(p, s, x)
		return
	}
	if !typeMatches(s, x) {
		actual := structural.TypeOf(x)
		v.add(field.TypeInvalid(p, actual, fmt.Sprintf("%s in body must be of type %s: %q", name(p), typeName(s), actual)))
		return
	}
	v.composition(p, s, x)
	switch x := x.(type) {
	case string:
		v.str(p, s, x)
	case map[string]any:
		o, _ := old.(map[string]any)
		v.object(p, s, x, o, hasOld && o != nil)
	case []any:
		o, _ := old.([]any)
		v.array(p, s, x, o, hasOld && o != nil)
	case bool:
	default:
		v.number(p, s, x)
	}
	v.enum(p, s, x)
}

func (v *validator) enum(p *field.Path, s *structural.Schema, x any) {
	if s.Enum == nil {
		return
	}
	for _, e := range s.Enum {
		if structural.Equal(e, x) {
			return
		}
	}
	values := make([]string, 0, len(s.Enum))
	for _, e := range s.Enum {
		if str, ok := e.(string); ok {
			values = append(values, str)
		} else {
			b, _ := json.Marshal(e)
			values = append(values, string(b))
		}
	}
	v.add(field.NotSupported(p, x, values))
}

func (v *validator) str(p *field.Path, s *structural.Schema, x string) {
	v.strBounds(p, s, x)
	if f := stringFormat(s.Type, s.Format); f != nil && !f(x) {
		v.add(field.TypeInvalid(p, x, fmt.Sprintf("%s in body must be of type %s: %q", name(p), s.Format, x)))
	}
}

// strBounds checks maxLength, minLength and pattern, reporting only the
// first failure as kube-openapi does.
func (v *validator) strBounds(p *field.Path, s *structural.Schema, x string) {
	if s.MaxLength != nil || s.MinLength != nil {
		n := int64(utf8.RuneCountInString(x))
		if s.MaxLength != nil && n > *s.MaxLength {
			v.add(field.TooLong(p, "", int(*s.MaxLength)))
			return
		}
		if s.MinLength != nil && n < *s.MinLength {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be at least %d chars long", name(p), *s.MinLength)))
			return
		}
	}
	if s.PatternSource != "" {
		if s.PatternError != nil {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should match '%s, but pattern is invalid: %s'", name(p), s.PatternSource, s.PatternError)))
		} else if !s.Pattern.MatchString(x) {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should match '%s'", name(p), s.PatternSource)))
		}
	}
}

// isJSONInteger is go-openapi's IsFloat64AJSONInteger: integral within
// a relative 1e-9, inside the range JSON integers are exact in.
func isJSONInteger(f float64) bool {
	const limit = float64(1<<53 - 1)
	if math.IsNaN(f) || math.IsInf(f, 0) || f < -limit || f > limit {
		return false
	}
	r := math.Round(f)
	if f == r {
		return true
	}
	if r == 0 {
		return false
	}
	return math.Abs(f-r) < 1e-9*math.Abs(r)
}

func (v *validator) number(p *field.Path, s *structural.Schema, x any) {
	f, integral, _ := structural.Number(x)
	switch {
	case s.Format == "int32" && (s.Type == "integer" || s.Type == "") && (!integral || f < math.MinInt32 || f > math.MaxInt32):
		v.add(field.Invalid(p, x, fmt.Sprintf("Checked value must be of type integer with format int32 in %s", name(p))))
	case s.Format == "float" && s.Type == "number" && math.Abs(f) > math.MaxFloat32:
		v.add(field.Invalid(p, x, fmt.Sprintf("Checked value must be of type number with format float in %s", name(p))))
	}
	if m := s.MultipleOf; m != nil {
		if *m <= 0 {
			v.add(field.Invalid(p, x, fmt.Sprintf("factor MultipleOf declared for %s must be positive: %v", name(p), *m)))
		} else if !isMultiple(x, f, *m) {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be a multiple of %v", name(p), *m)))
		}
	}
	if s.Maximum != nil {
		if s.ExclusiveMaximum && f >= *s.Maximum {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be less than %v", name(p), *s.Maximum)))
		} else if !s.ExclusiveMaximum && f > *s.Maximum {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be less than or equal to %v", name(p), *s.Maximum)))
		}
	}
	if s.Minimum != nil {
		if s.ExclusiveMinimum && f <= *s.Minimum {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be greater than %v", name(p), *s.Minimum)))
		} else if !s.ExclusiveMinimum && f < *s.Minimum {
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be greater than or equal to %v", name(p), *s.Minimum)))
		}
	}
}

// isMultiple follows kube-openapi: exact integer arithmetic when both
// are integers, otherwise a float quotient that must be a JSON integer.
func isMultiple(x any, f, m float64) bool {
	if i, ok := x.(int64); ok && m == math.Trunc(m) && m <= math.MaxInt64 {
		mi := int64(m)
		return i/mi*mi == i
	}
	q := f / m
	if m < 1 {
		q = 1 / m * f
	}
	return isJSONInteger(q)
}

func (v *validator) array(p *field.Path, s *structural.Schema, x, old []any, hasOld bool) {
	n := int64(len(x))
	if s.MaxItems != nil && n > *s.MaxItems {
		v.add(field.TooMany(p, len(x), int(*s.MaxItems)))
	}
	if s.MinItems != nil && n < *s.MinItems {
		v.add(field.Invalid(p, n, fmt.Sprintf("%s in body should have at least %d items", name(p), *s.MinItems)))
	}
	if s.UniqueItems && hasDuplicates(x) {
		v.add(field.Invalid(p, "", fmt.Sprintf("%s in body shouldn't contain duplicates", name(p))))
	}
	if s.Items == nil {
		return
	}
	var oldByKey map[string]any
	if hasOld && correlatable(s) {
		oldByKey = make(map[string]any, len(old))
		for _, o := range old {
			if k, ok := correlationKey(s.ListMapKeys, o); ok {
				if _, dup := oldByKey[k]; !dup {
					oldByKey[k] = o
				}
			}
		}
	}
	for i, item := range x {
		var o any
		found := false
		if oldByKey != nil {
			if k, ok := correlationKey(s.ListMapKeys, item); ok {
				o, found = oldByKey[k]
			}
		}
		v.value(p.Index(i), s.Items, item, o, found)
	}
}

// correlatable reports whether the items of an array described by s
// can be matched with the items of its old value: only map lists can,
// by their keys, as in the API server's ratcheting.
func correlatable(s *structural.Schema) bool {
	return s.Type == "array" && s.ListType == "map" && len(s.ListMapKeys) > 0
}

// correlationKey renders the key values of a map-list item, which must
// all be present and scalar for the item to correlate.
func correlationKey(keys []string, item any) (string, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, k := range keys {
		val, ok := m[k]
		if !ok {
			return "", false
		}
		switch val.(type) {
		case bool, float64, int64, string:
			fmt.Fprintf(&b, "\x00%T:%v", val, val)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// unchanged is the API server's ratcheting equality: x equals old and
// every part of it correlates with old through the schema. Objects with
// fields the schema does not describe, and map lists whose items cannot
// all be matched by key, never count as unchanged.
func unchanged(s *structural.Schema, x, old any) bool {
	if s == nil {
		return false
	}
	if x == nil || old == nil {
		return x == nil && old == nil
	}
	switch x := x.(type) {
	case []any:
		o, ok := old.([]any)
		if !ok || len(o) != len(x) {
			return false
		}
		if !correlatable(s) {
			return structural.Equal(x, o)
		}
		if s.Items == nil {
			return false
		}
		byKey := make(map[string]any, len(o))
		for _, item := range o {
			if k, ok := correlationKey(s.ListMapKeys, item); ok {
				if _, dup := byKey[k]; !dup {
					byKey[k] = item
				}
			}
		}
		for _, item := range x {
			k, ok := correlationKey(s.ListMapKeys, item)
			if !ok {
				return false
			}
			oi, found := byKey[k]
			if !found || !unchanged(s.Items, item, oi) {
				return false
			}
		}
		return true
	case map[string]any:
		o, ok := old.(map[string]any)
		if !ok || len(o) != len(x) {
			return false
		}
		for k, xv := range x {
			ov, found := o[k]
			if !found || !unchanged(s.Property(k), xv, ov) {
				return false
			}
		}
		return true
	}
	switch old.(type) {
	case []any, map[string]any:
		return false
	}
	return structural.Equal(x, old)
}

// mapKey renders the values of a map-list item's keys as one string.
// Absent keys render as nothing, distinct from any JSON value.
func mapKey(keys []string, m map[string]any) string {
	var b strings.Builder
	for _, k := range keys {
		if val, ok := m[k]; ok {
			j, _ := json.Marshal(canonical(val))
			b.Write(j)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// canonical turns numbers into float64 so that 1 and 1.0, equal in
// JSON, render alike.
func canonical(x any) any {
	if f, _, ok := structural.Number(x); ok {
		return f
	}
	return x
}

func listMap(p *field.Path, s *structural.Schema, x []any) field.ErrorList {
	for i, item := range x {
		if _, ok := item.(map[string]any); item != nil && !ok {
			return field.ErrorList{field.Invalid(p.Index(i), item, "must be an object for an array of list-type map")}
		}
	}
	if len(x) <= 1 {
		return nil
	}
	var errs field.ErrorList
	seen := make(map[string]int, len(x))
	for i, item := range x {
		m, _ := item.(map[string]any)
		k := mapKey(s.ListMapKeys, m)
		// Like the API server, report each duplicated key once, at its
		// second occurrence.
		seen[k]++
		if seen[k] != 2 {
			continue
		}
		keyVals := map[string]any{}
		for _, kf := range s.ListMapKeys {
			if val, ok := m[kf]; ok {
				keyVals[kf] = val
			}
		}
		errs = append(errs, field.Duplicate(p.Index(i), keyVals))
	}
	return errs
}

// duplicateIndexes returns the index of the second occurrence of every
// value that occurs more than once, as the API server reports set
// duplicates.
func duplicateIndexes(x []any) []int {
	if len(x) <= 1 {
		return nil
	}
	counts := make(map[string]int, len(x))
	var out []int
	for i, item := range x {
		b, _ := json.Marshal(canonical(item))
		k := string(b)
		counts[k]++
		if counts[k] == 2 {
			out = append(out, i)
		}
	}
	return out
}

func hasDuplicates(x []any) bool {
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			if structural.Equal(x[i], x[j]) {
				return true
			}
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (v *validator) object(p *field.Path, s *structural.Schema, x, old map[string]any, hasOld bool) {
	n := int64(len(x))
	if s.MaxProperties != nil && n > *s.MaxProperties {
		v.add(field.TooMany(p, len(x), int(*s.MaxProperties)))
	}
	if s.MinProperties != nil && n < *s.MinProperties {
		v.add(field.Invalid(p, n, fmt.Sprintf("%s in body should have at least %d properties", name(p), *s.MinProperties)))
	}
	for _, r := range s.Required {
		if _, ok := x[r]; !ok {
			v.add(field.Required(p.Child(r), ""))
		}
	}
	for _, k := range sortedKeys(x) {
		ps := s.Property(k)
		if ps == nil {
			if s.AdditionalPropertiesSet && !s.AdditionalPropertiesAllowed {
				v.add(field.Forbidden(p.Child(k), fmt.Sprintf("%s in body is a forbidden property", name(p.Child(k)))))
			}
			continue
		}
		var o any
		found := false
		if hasOld {
			o, found = old[k]
		}
		v.value(p.Child(k), ps, x[k], o, found)
	}
}

// embedded checks an x-kubernetes-embedded-resource value: apiVersion
// and kind present and well-formed, metadata valid object metadata.
func embedded(p *field.Path, x map[string]any) field.ErrorList {
	var errs field.ErrorList
	av, ok := x["apiVersion"]
	switch {
	case !ok:
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	default:
		if s, isStr := av.(string); !isStr {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), av, "must be a string"))
		} else if s == "" {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), s, "must not be empty"))
		} else if _, err := schema.ParseGroupVersion(s); err != nil {
			errs = append(errs, field.Invalid(p.Child("apiVersion"), s, err.Error()))
		}
	}
	kv, ok := x["kind"]
	switch {
	case !ok:
		errs = append(errs, field.Required(p.Child("kind"), ""))
	default:
		if s, isStr := kv.(string); !isStr {
			errs = append(errs, field.Invalid(p.Child("kind"), kv, "must be a string"))
		} else if s == "" {
			errs = append(errs, field.Invalid(p.Child("kind"), s, "must not be empty"))
		} else if msgs := utilvalidation.IsDNS1035Label(strings.ToLower(s)); len(msgs) > 0 {
			errs = append(errs, field.Invalid(p.Child("kind"), s, "may have mixed case, but should otherwise match: "+strings.Join(msgs, ",")))
		}
	}
	md, ok := x["metadata"]
	if !ok {
		return errs
	}
	mm, isMap := md.(map[string]any)
	var meta metav1.ObjectMeta
	if !isMap {
		errs = append(errs, field.Invalid(p.Child("metadata"), md, "must be an object"))
		return errs
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(mm, &meta); err != nil {
		errs = append(errs, field.Invalid(p.Child("metadata"), md, err.Error()))
		return errs
	}
	if meta.Name == "" {
		// Embedded objects are usually templates; the API server lets
		// them go without a name.
		meta.Name = "fakename"
	}
	// As in the API server, an embedded object's name need only be a
	// valid path segment: it is not stored under that name.
	return append(errs, metavalidation.ValidateObjectMeta(&meta, meta.Namespace != "", path.ValidatePathSegmentName, p.Child("metadata"))...)
}

// composition applies allOf, anyOf, oneOf and not. Their branches are
// checked without ratcheting: they decide whether this value passes.
func (v *validator) composition(p *field.Path, s *structural.Schema, x any) {
	if len(s.AllOf) > 0 {
		valid := 0
		for _, sub := range s.AllOf {
			errs := subValidate(p, sub, x)
			if len(errs) == 0 {
				valid++
			}
			v.errs = append(v.errs, errs...)
		}
		if valid != len(s.AllOf) {
			extra := ""
			if valid == 0 {
				extra = ". None validated"
			}
			v.add(field.Invalid(p, "", fmt.Sprintf("%q must validate all the schemas (allOf)%s", name(p), extra)))
		}
	}
	if len(s.AnyOf) > 0 {
		var best field.ErrorList
		ok := false
		for i, sub := range s.AnyOf {
			errs := subValidate(p, sub, x)
			if len(errs) == 0 {
				ok = true
				break
			}
			if i == 0 || len(errs) < len(best) {
				best = errs
			}
		}
		if !ok {
			v.add(field.Invalid(p, "", fmt.Sprintf("%q must validate at least one schema (anyOf)", name(p))))
			v.errs = append(v.errs, best...)
		}
	}
	if len(s.OneOf) > 0 {
		var best field.ErrorList
		valid := 0
		for i, sub := range s.OneOf {
			errs := subValidate(p, sub, x)
			if len(errs) == 0 {
				valid++
			} else if i == 0 || best == nil || len(errs) < len(best) {
				best = errs
			}
		}
		if valid != 1 {
			extra := "Found none valid"
			if valid > 1 {
				extra = "Found " + strconv.Itoa(valid) + " valid alternatives"
			}
			v.add(field.Invalid(p, "", fmt.Sprintf("%q must validate one and only one schema (oneOf). %s", name(p), extra)))
			if valid == 0 {
				v.errs = append(v.errs, best...)
			}
		}
	}
	if s.Not != nil {
		if len(subValidate(p, s.Not, x)) == 0 {
			v.add(field.Invalid(p, "", fmt.Sprintf("%q must not validate the schema (not)", name(p))))
		}
	}
}

// subValidate checks x against one branch of a composition on its own,
// at the same path.
func subValidate(p *field.Path, s *structural.Schema, x any) field.ErrorList {
	w := &validator{}
	w.check(p, s, x, nil, false)
	return w.errs
}
