package structural

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/validate/content"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks obj against s the way the API server checks a custom
// resource, and returns every problem at once: the OpenAPI schema first,
// then the x-kubernetes-validations (CEL) rules. Paths are relative to
// the object root ("spec.quantity"). old is the stored object on update
// and nil on create; on update, a part of obj that is unchanged from old
// is not reported even if it no longer validates (the API server's
// validation ratcheting), so tightening a schema does not block
// unrelated edits, and transition rules (oldSelf) run. A nil s finds
// nothing.
//
// obj is expected to have gone through Apply first, as the API server
// prunes and defaults before it validates.
func (s *Schema) Validate(obj, old map[string]any) field.ErrorList {
	return s.ValidateContext(context.Background(), obj, old)
}

// ValidateContext is Validate with a context, which cancels rule
// evaluation.
//
// As in the API server, the rules are not run when the schema checks
// found a missing, mistyped, unsupported, too long or too large value;
// one error says so instead ("some validation rules were not checked
// because the object was invalid; ..."). A schema whose rules do not
// compile lets nothing through (see RuleErrors).
func (s *Schema) ValidateContext(ctx context.Context, obj, old map[string]any) field.ErrorList {
	if s == nil {
		return nil
	}
	var o any
	if old != nil {
		o = old
	}
	errs := validate(s, obj, o, old != nil)
	return append(errs, s.validateRules(ctx, obj, old, errs)...)
}

// validate checks value x against compiled schema s. old and hasOld
// give the previous value for ratcheting (hasOld false on create). The
// root's metadata is not checked here (the caller validates object
// metadata), but embedded resources below the root are.
func validate(s *Schema, x, old any, hasOld bool) field.ErrorList {
	v := &validator{}
	v.value(s, x, old, hasOld)
	if s.HasEmbedded {
		v.embeddedResources(s, x)
	}
	// Like the API server, list-type invariants are enforced on update
	// only when the old object kept them: an object stored before the
	// schema said "set" can still be edited.
	if s.HasListTypes {
		if hasOld {
			w := &validator{}
			w.listTypes(s, old)
			if len(w.errs) > 0 {
				return v.errs
			}
		}
		v.listTypes(s, x)
	}
	return v.errs
}

// segment is one step of the path to the value being checked: a key, or
// an index when index >= 0.
type segment struct {
	key   string
	index int
}

// validator walks a value and its schema. The path is kept as a stack of
// segments and turned into a *field.Path only for an error, so valid
// objects are checked without allocating paths.
type validator struct {
	segs []segment
	errs field.ErrorList
}

func (v *validator) push(key string) { v.segs = append(v.segs, segment{key: key, index: -1}) }
func (v *validator) pushIndex(i int) { v.segs = append(v.segs, segment{index: i}) }
func (v *validator) pop()            { v.segs = v.segs[:len(v.segs)-1] }

// path is the current path as a field.Path; nil at the root.
func (v *validator) path() *field.Path {
	var p *field.Path
	for _, s := range v.segs {
		switch {
		case s.index >= 0:
			p = p.Index(s.index)
		case p == nil:
			p = field.NewPath(s.key)
		default:
			p = p.Child(s.key)
		}
	}
	return p
}

// child is the path of key k below the current path.
func (v *validator) child(k string) *field.Path {
	if p := v.path(); p != nil {
		return p.Child(k)
	}
	return field.NewPath(k)
}

func (v *validator) add(e *field.Error) { v.errs = append(v.errs, e) }

// name is the path as kube-openapi writes it inside messages.
func name(p *field.Path) string {
	if p == nil {
		return ""
	}
	return p.String()
}

// listTypes checks x-kubernetes-list-type set and map uniqueness below x.
func (v *validator) listTypes(s *Schema, x any) {
	if s == nil || !s.HasListTypes {
		return
	}
	switch x := x.(type) {
	case map[string]any:
		v.eachChild(s, x, func(k string, cs *Schema) {
			v.listTypes(cs, x[k])
		})
	case []any:
		switch s.ListType {
		case "set":
			for _, i := range duplicateIndexes(x) {
				v.add(field.Duplicate(v.path().Index(i), x[i]))
			}
		case "map":
			v.listMap(s, x)
		}
		if s.Items != nil && s.Items.HasListTypes {
			for i := range x {
				v.pushIndex(i)
				v.listTypes(s.Items, x[i])
				v.pop()
			}
		}
	}
}

// eachChild calls fn, in key order, for each key of x that has a schema,
// with the path pushed.
func (v *validator) eachChild(s *Schema, x map[string]any, fn func(k string, cs *Schema)) {
	if s.AdditionalProperties == nil {
		for _, k := range s.PropertyNames {
			if _, ok := x[k]; ok {
				v.push(k)
				fn(k, s.Properties[k])
				v.pop()
			}
		}
		return
	}
	for _, k := range sortedKeys(x) {
		v.push(k)
		fn(k, s.Property(k))
		v.pop()
	}
}

// embeddedResources checks every x-kubernetes-embedded-resource value
// below the root. These checks are never ratcheted, as in the API server.
func (v *validator) embeddedResources(s *Schema, x any) {
	if s == nil || !s.HasEmbedded {
		return
	}
	switch x := x.(type) {
	case map[string]any:
		if s.EmbeddedResource && len(v.segs) > 0 {
			v.errs = append(v.errs, embedded(v.path(), x)...)
		}
		v.eachChild(s, x, func(k string, cs *Schema) {
			v.embeddedResources(cs, x[k])
		})
	case []any:
		for i := range x {
			v.pushIndex(i)
			v.embeddedResources(s.Items, x[i])
			v.pop()
		}
	}
}

// typeMatches reports whether x has schema type t (x non-nil).
func typeMatches(s *Schema, x any) bool {
	if s.IntOrString {
		if _, ok := x.(string); ok {
			return true
		}
		return isInteger(x)
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
		return isInteger(x)
	case "number":
		_, _, ok := Number(x)
		return ok
	}
	// An unknown type name cannot be satisfied; the API server refuses
	// such a schema when the CRD is created.
	return false
}

func typeName(s *Schema) string {
	if s.IntOrString {
		return "integer,string"
	}
	return s.Type
}

// value validates x at the current path.
func (v *validator) value(s *Schema, x, old any, hasOld bool) {
	start := len(v.errs)
	v.check(s, x, old, hasOld)
	// Ratcheting: an unchanged value keeps passing, whatever the schema
	// now says about it.
	if hasOld && len(v.errs) > start && unchanged(s, x, old) {
		v.errs = v.errs[:start]
	}
}

func (v *validator) check(s *Schema, x, old any, hasOld bool) {
	if x == nil {
		if !s.Nullable && (s.Type != "" || s.IntOrString) {
			p := v.path()
			v.add(field.TypeInvalid(p, "null", fmt.Sprintf("%s in body must be of type %s: %q", name(p), typeName(s), "null")))
			return
		}
		v.enum(s, x)
		v.composition(s, x)
		return
	}
	if !typeMatches(s, x) {
		p := v.path()
		actual := TypeOf(x)
		v.add(field.TypeInvalid(p, actual, fmt.Sprintf("%s in body must be of type %s: %q", name(p), typeName(s), actual)))
		return
	}
	v.composition(s, x)
	switch x := x.(type) {
	case string:
		v.str(s, x)
	case map[string]any:
		o, _ := old.(map[string]any)
		v.object(s, x, o, hasOld && o != nil)
	case []any:
		o, _ := old.([]any)
		v.array(s, x, o, hasOld && o != nil)
	case bool:
	default:
		v.number(s, x)
	}
	v.enum(s, x)
}

func (v *validator) enum(s *Schema, x any) {
	if s.Enum == nil {
		return
	}
	for _, e := range s.Enum {
		if Equal(e, x) {
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
	v.add(field.NotSupported(v.path(), x, values))
}

func (v *validator) str(s *Schema, x string) {
	v.strBounds(s, x)
	if f := stringFormat(s.Type, s.Format); f != nil && !f(x) {
		p := v.path()
		v.add(field.TypeInvalid(p, x, fmt.Sprintf("%s in body must be of type %s: %q", name(p), s.Format, x)))
	}
}

// strBounds checks maxLength, minLength and pattern, reporting only the
// first failure as kube-openapi does.
func (v *validator) strBounds(s *Schema, x string) {
	if s.MaxLength != nil || s.MinLength != nil {
		n := int64(utf8.RuneCountInString(x))
		if s.MaxLength != nil && n > *s.MaxLength {
			v.add(field.TooLong(v.path(), "", int(*s.MaxLength)))
			return
		}
		if s.MinLength != nil && n < *s.MinLength {
			p := v.path()
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should be at least %d chars long", name(p), *s.MinLength)))
			return
		}
	}
	if s.PatternSource != "" {
		if s.PatternError != nil {
			p := v.path()
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should match '%s, but pattern is invalid: %s'", name(p), s.PatternSource, s.PatternError)))
		} else if !s.Pattern.MatchString(x) {
			p := v.path()
			v.add(field.Invalid(p, x, fmt.Sprintf("%s in body should match '%s'", name(p), s.PatternSource)))
		}
	}
}

// isInteger reports whether x is an integer in the API server's sense: a
// Go integer, or a float that go-openapi takes for a JSON integer.
func isInteger(x any) bool {
	switch f := x.(type) {
	case float64:
		return isJSONInteger(f)
	case float32:
		return isJSONInteger(float64(f))
	}
	_, _, ok := Number(x)
	return ok
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

func (v *validator) number(s *Schema, x any) {
	f, integral, _ := Number(x)
	switch {
	case s.Format == "int32" && (s.Type == "integer" || s.Type == "") && (!integral || f < math.MinInt32 || f > math.MaxInt32):
		v.add(field.Invalid(v.path(), x, fmt.Sprintf("Checked value must be of type integer with format int32 in %s", name(v.path()))))
	case s.Format == "float" && s.Type == "number" && math.Abs(f) > math.MaxFloat32:
		v.add(field.Invalid(v.path(), x, fmt.Sprintf("Checked value must be of type number with format float in %s", name(v.path()))))
	}
	if m := s.MultipleOf; m != nil {
		if *m <= 0 {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("factor MultipleOf declared for %s must be positive: %v", name(v.path()), *m)))
		} else if !isMultiple(x, f, *m) {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("%s in body should be a multiple of %v", name(v.path()), *m)))
		}
	}
	v.bounds(s, x, f)
}

// bounds checks maximum and minimum, exclusive or not.
func (v *validator) bounds(s *Schema, x any, f float64) {
	if s.Maximum != nil {
		if s.ExclusiveMaximum && f >= *s.Maximum {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("%s in body should be less than %v", name(v.path()), *s.Maximum)))
		} else if !s.ExclusiveMaximum && f > *s.Maximum {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("%s in body should be less than or equal to %v", name(v.path()), *s.Maximum)))
		}
	}
	if s.Minimum != nil {
		if s.ExclusiveMinimum && f <= *s.Minimum {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("%s in body should be greater than %v", name(v.path()), *s.Minimum)))
		} else if !s.ExclusiveMinimum && f < *s.Minimum {
			v.add(field.Invalid(v.path(), x, fmt.Sprintf("%s in body should be greater than or equal to %v", name(v.path()), *s.Minimum)))
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

func (v *validator) array(s *Schema, x, old []any, hasOld bool) {
	n := int64(len(x))
	if s.MaxItems != nil && n > *s.MaxItems {
		v.add(field.TooMany(v.path(), len(x), int(*s.MaxItems)))
	}
	if s.MinItems != nil && n < *s.MinItems {
		v.add(field.Invalid(v.path(), n, fmt.Sprintf("%s in body should have at least %d items", name(v.path()), *s.MinItems)))
	}
	if s.UniqueItems && hasDuplicates(x) {
		v.add(field.Invalid(v.path(), "", fmt.Sprintf("%s in body shouldn't contain duplicates", name(v.path()))))
	}
	if s.Items == nil {
		return
	}
	var oldByKey map[string]any
	if hasOld && correlatable(s) {
		oldByKey = byCorrelationKey(s.ListMapKeys, old)
	}
	for i, item := range x {
		var o any
		found := false
		if oldByKey != nil {
			if k, ok := correlationKey(s.ListMapKeys, item); ok {
				o, found = oldByKey[k]
			}
		}
		v.pushIndex(i)
		v.value(s.Items, item, o, found)
		v.pop()
	}
}

// correlatable reports whether the items of an array described by s
// can be matched with the items of its old value: only map lists can,
// by their keys, as in the API server's ratcheting.
func correlatable(s *Schema) bool {
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
func unchanged(s *Schema, x, old any) bool {
	if s == nil {
		return false
	}
	if x == nil || old == nil {
		return x == nil && old == nil
	}
	switch x := x.(type) {
	case []any:
		o, ok := old.([]any)
		return ok && len(o) == len(x) && unchangedList(s, x, o)
	case map[string]any:
		o, ok := old.(map[string]any)
		return ok && sameKeys(x, o, func(k string, xv, ov any) bool { return unchanged(s.Property(k), xv, ov) })
	}
	switch old.(type) {
	case []any, map[string]any:
		return false
	}
	return Equal(x, old)
}

// unchangedList is unchanged for two lists of the same length.
func unchangedList(s *Schema, x, old []any) bool {
	if !correlatable(s) {
		return Equal(x, old)
	}
	if s.Items == nil {
		return false
	}
	byKey := byCorrelationKey(s.ListMapKeys, old)
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
}

// byCorrelationKey indexes the items of a map list by correlationKey;
// the first of items with the same key wins.
func byCorrelationKey(keys []string, list []any) map[string]any {
	byKey := make(map[string]any, len(list))
	for _, item := range list {
		if k, ok := correlationKey(keys, item); ok {
			if _, dup := byKey[k]; !dup {
				byKey[k] = item
			}
		}
	}
	return byKey
}

// mapKey renders the values of a map-list item's keys as one string.
// Absent keys render as nothing, distinct from any JSON value.
func mapKey(keys []string, m map[string]any) string {
	var b strings.Builder
	for _, k := range keys {
		if val, ok := m[k]; ok {
			b.WriteString(setKey(val))
		}
		b.WriteByte(0)
	}
	return b.String()
}

// canonical turns numbers into float64 so that 1 and 1.0, equal in
// JSON, render alike.
func canonical(x any) any {
	if f, _, ok := Number(x); ok {
		return f
	}
	return x
}

func (v *validator) listMap(s *Schema, x []any) {
	for i, item := range x {
		if _, ok := item.(map[string]any); item != nil && !ok {
			v.add(field.Invalid(v.path().Index(i), item, "must be an object for an array of list-type map"))
			return
		}
	}
	if len(x) <= 1 {
		return
	}
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
		v.add(field.Duplicate(v.path().Index(i), keyVals))
	}
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
		k := setKey(item)
		counts[k]++
		if counts[k] == 2 {
			out = append(out, i)
		}
	}
	return out
}

// setKey renders a JSON value so that equal values, and only those,
// render alike; scalars, the common case, without reflection.
func setKey(x any) string {
	switch x := x.(type) {
	case string:
		// Length-prefixed so that map-list keys joined together cannot
		// run into each other.
		return "s" + strconv.Itoa(len(x)) + ":" + x
	case bool:
		if x {
			return "t"
		}
		return "f"
	case nil:
		return "n"
	case int64:
		return "i" + strconv.FormatFloat(float64(x), 'g', -1, 64)
	case float64:
		return "i" + strconv.FormatFloat(x, 'g', -1, 64)
	}
	b, _ := json.Marshal(canonical(x))
	return "j" + string(b)
}

func hasDuplicates(x []any) bool {
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			if Equal(x[i], x[j]) {
				return true
			}
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (v *validator) object(s *Schema, x, old map[string]any, hasOld bool) {
	n := int64(len(x))
	if s.MaxProperties != nil && n > *s.MaxProperties {
		v.add(field.TooMany(v.path(), len(x), int(*s.MaxProperties)))
	}
	if s.MinProperties != nil && n < *s.MinProperties {
		v.add(field.Invalid(v.path(), n, fmt.Sprintf("%s in body should have at least %d properties", name(v.path()), *s.MinProperties)))
	}
	for _, r := range s.Required {
		if _, ok := x[r]; !ok {
			v.add(field.Required(v.child(r), ""))
		}
	}
	if s.AdditionalPropertiesSet && !s.AdditionalPropertiesAllowed {
		var extra []string
		for k := range x {
			if _, ok := s.Properties[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		for _, k := range extra {
			p := v.child(k)
			v.add(field.Forbidden(p, fmt.Sprintf("%s in body is a forbidden property", name(p))))
		}
	}
	v.eachChild(s, x, func(k string, cs *Schema) {
		if cs == nil {
			return
		}
		var o any
		found := false
		if hasOld {
			o, found = old[k]
		}
		v.value(cs, x[k], o, found)
	})
}

// embedded checks an x-kubernetes-embedded-resource value: apiVersion
// and kind present and well-formed, metadata valid object metadata.
func embedded(p *field.Path, x map[string]any) field.ErrorList {
	errs := embeddedString(p, x, "apiVersion", func(s string) string {
		if _, err := schema.ParseGroupVersion(s); err != nil {
			return err.Error()
		}
		return ""
	})
	errs = append(errs, embeddedString(p, x, "kind", func(s string) string {
		if msgs := utilvalidation.IsDNS1035Label(strings.ToLower(s)); len(msgs) > 0 {
			return "may have mixed case, but should otherwise match: " + strings.Join(msgs, ",")
		}
		return ""
	})...)
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
	return append(errs, metavalidation.ValidateObjectMeta(&meta, meta.Namespace != "", validatePathSegment, p.Child("metadata"))...)
}

// embeddedString checks the apiVersion or kind (key) of an embedded
// resource: present, a string, not empty, and passing check, which
// returns what is wrong or "".
func embeddedString(p *field.Path, x map[string]any, key string, check func(string) string) field.ErrorList {
	v, ok := x[key]
	if !ok {
		return field.ErrorList{field.Required(p.Child(key), "")}
	}
	s, isStr := v.(string)
	switch {
	case !isStr:
		return field.ErrorList{field.Invalid(p.Child(key), v, "must be a string")}
	case s == "":
		return field.ErrorList{field.Invalid(p.Child(key), s, "must not be empty")}
	}
	if msg := check(s); msg != "" {
		return field.ErrorList{field.Invalid(p.Child(key), s, msg)}
	}
	return nil
}

func validatePathSegment(name string, prefix bool) []string {
	if prefix {
		return content.IsPathSegmentPrefix(name)
	}
	return content.IsPathSegmentName(name)
}

// composition applies allOf, anyOf, oneOf and not. Their branches are
// checked without ratcheting: they decide whether this value passes.
func (v *validator) composition(s *Schema, x any) {
	if len(s.AllOf) > 0 {
		v.allOf(s.AllOf, x)
	}
	if len(s.AnyOf) > 0 {
		v.anyOf(s.AnyOf, x)
	}
	if len(s.OneOf) > 0 {
		v.oneOf(s.OneOf, x)
	}
	if s.Not != nil && len(v.sub(s.Not, x)) == 0 {
		v.add(field.Invalid(v.path(), "", fmt.Sprintf("%q must not validate the schema (not)", name(v.path()))))
	}
}

func (v *validator) allOf(branches []*Schema, x any) {
	valid := 0
	for _, sub := range branches {
		errs := v.sub(sub, x)
		if len(errs) == 0 {
			valid++
		}
		v.errs = append(v.errs, errs...)
	}
	if valid != len(branches) {
		extra := ""
		if valid == 0 {
			extra = ". None validated"
		}
		v.add(field.Invalid(v.path(), "", fmt.Sprintf("%q must validate all the schemas (allOf)%s", name(v.path()), extra)))
	}
}

func (v *validator) anyOf(branches []*Schema, x any) {
	var best field.ErrorList
	for i, sub := range branches {
		errs := v.sub(sub, x)
		if len(errs) == 0 {
			return
		}
		if i == 0 || len(errs) < len(best) {
			best = errs
		}
	}
	v.add(field.Invalid(v.path(), "", fmt.Sprintf("%q must validate at least one schema (anyOf)", name(v.path()))))
	v.errs = append(v.errs, best...)
}

func (v *validator) oneOf(branches []*Schema, x any) {
	var best field.ErrorList
	valid := 0
	for _, sub := range branches {
		errs := v.sub(sub, x)
		if len(errs) == 0 {
			valid++
		} else if best == nil || len(errs) < len(best) {
			best = errs
		}
	}
	switch {
	case valid == 0:
		v.add(field.Invalid(v.path(), "", fmt.Sprintf("%q must validate one and only one schema (oneOf). Found none valid", name(v.path()))))
		v.errs = append(v.errs, best...)
	case valid > 1:
		v.add(field.Invalid(v.path(), "", fmt.Sprintf("%q must validate one and only one schema (oneOf). Found %d valid alternatives", name(v.path()), valid)))
	}
}

// sub checks x against one branch of a composition on its own, at the
// current path.
func (v *validator) sub(s *Schema, x any) field.ErrorList {
	w := &validator{segs: append([]segment(nil), v.segs...)}
	w.check(s, x, nil, false)
	return w.errs
}
