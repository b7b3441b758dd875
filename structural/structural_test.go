package structural_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/structural"
)

func parse(t *testing.T, src string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	var s apiextensionsv1.JSONSchemaProps
	if err := yaml.UnmarshalStrict([]byte(src), &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestCompile(t *testing.T) {
	p := parse(t, `
type: object
required: [spec]
properties:
  spec:
    type: object
    nullable: true
    default: {a: 1}
    x-kubernetes-map-type: atomic
    properties:
      b: {type: string}
      a: {type: integer, format: int32, minimum: 1, maximum: 5, exclusiveMaximum: true, multipleOf: 2, enum: [2, 4]}
  list:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [name]
    minItems: 1
    maxItems: 3
    uniqueItems: true
    items:
      type: object
      x-kubernetes-embedded-resource: true
      x-kubernetes-preserve-unknown-fields: true
  tuple:
    type: array
    items: [{type: string}]
  labels:
    type: object
    minProperties: 1
    maxProperties: 2
    additionalProperties: {type: string, minLength: 1, maxLength: 3, pattern: '^a'}
  open: {type: object, additionalProperties: true}
  closed: {type: object, additionalProperties: false}
  port: {x-kubernetes-int-or-string: true}
  bad: {type: string, pattern: '(['}
  either:
    allOf: [{minimum: 1}]
    anyOf: [{type: integer}, {type: string}]
    oneOf: [{maximum: 1}]
    not: {enum: [0]}
`)
	s := structural.Compile(p)
	if s.Type != "object" || !cmp.Equal(s.Required, []string{"spec"}) {
		t.Errorf("root: %+v", s)
	}
	if d := cmp.Diff([]string{"bad", "closed", "either", "labels", "list", "open", "port", "spec", "tuple"}, s.PropertyNames); d != "" {
		t.Errorf("property names (-want +got):\n%s", d)
	}
	spec := s.Properties["spec"]
	if !spec.Nullable || !spec.HasDefault || spec.MapType != "atomic" || !cmp.Equal(spec.Default, map[string]any{"a": int64(1)}) {
		t.Errorf("spec: %+v", spec)
	}
	a := spec.Properties["a"]
	if a.Format != "int32" || *a.Minimum != 1 || *a.Maximum != 5 || !a.ExclusiveMaximum || a.ExclusiveMinimum || *a.MultipleOf != 2 ||
		!cmp.Equal(a.Enum, []any{int64(2), int64(4)}) {
		t.Errorf("spec.a: %+v", a)
	}
	list := s.Properties["list"]
	if list.ListType != "map" || !cmp.Equal(list.ListMapKeys, []string{"name"}) || *list.MinItems != 1 || *list.MaxItems != 3 || !list.UniqueItems {
		t.Errorf("list: %+v", list)
	}
	if it := list.Items; !it.EmbeddedResource || !it.PreserveUnknownFields {
		t.Errorf("list items: %+v", it)
	}
	if !s.HasListTypes || !s.HasEmbedded || spec.HasListTypes || spec.HasEmbedded || !list.HasEmbedded {
		t.Errorf("subtree flags: root %v/%v spec %v/%v list %v", s.HasListTypes, s.HasEmbedded, spec.HasListTypes, spec.HasEmbedded, list.HasEmbedded)
	}
	if s.Properties["tuple"].Items.Type != "string" {
		t.Errorf("tuple items: %+v", s.Properties["tuple"].Items)
	}
	labels := s.Properties["labels"]
	if ap := labels.AdditionalProperties; ap == nil || !labels.AdditionalPropertiesSet || !labels.AdditionalPropertiesAllowed ||
		*ap.MinLength != 1 || *ap.MaxLength != 3 || ap.Pattern == nil || ap.PatternSource != "^a" || *labels.MinProperties != 1 || *labels.MaxProperties != 2 {
		t.Errorf("labels: %+v", labels)
	}
	if o := s.Properties["open"]; o.AdditionalProperties != nil || !o.AdditionalPropertiesSet || !o.AdditionalPropertiesAllowed {
		t.Errorf("open: %+v", o)
	}
	if c := s.Properties["closed"]; c.AdditionalProperties != nil || !c.AdditionalPropertiesSet || c.AdditionalPropertiesAllowed {
		t.Errorf("closed: %+v", c)
	}
	if !s.Properties["port"].IntOrString {
		t.Error("port: not int-or-string")
	}
	if b := s.Properties["bad"]; b.PatternError == nil || b.Pattern != nil {
		t.Errorf("bad pattern: %+v", b)
	}
	e := s.Properties["either"]
	if len(e.AllOf) != 1 || len(e.AnyOf) != 2 || len(e.OneOf) != 1 || e.Not == nil || e.AnyOf[1].Type != "string" {
		t.Errorf("either: %+v", e)
	}
	if structural.Compile(nil) != nil || structural.For(nil) != nil {
		t.Error("nil schema compiled to non-nil")
	}
}

func TestCompileDropsUndecodableValues(t *testing.T) {
	p := &apiextensionsv1.JSONSchemaProps{
		Type:    "string",
		Default: &apiextensionsv1.JSON{Raw: []byte("{not json")},
		Enum:    []apiextensionsv1.JSON{{Raw: []byte(`"a"`)}, {Raw: []byte("")}, {Raw: []byte("{")}},
	}
	s := structural.Compile(p)
	if s.HasDefault || !cmp.Equal(s.Enum, []any{"a"}) {
		t.Errorf("got default %v/%v enum %v", s.HasDefault, s.Default, s.Enum)
	}
}

func TestForCaches(t *testing.T) {
	p := parse(t, "type: object")
	a, b := structural.For(p), structural.For(p)
	if a != b {
		t.Error("For compiled the same schema twice")
	}
	if structural.For(parse(t, "type: object")) == a {
		t.Error("For shared a compiled schema between two schemas")
	}
}

func TestProperty(t *testing.T) {
	s := structural.Compile(parse(t, `
type: object
properties:
  a: {type: string}
additionalProperties: {type: integer}
`))
	if s.Property("a").Type != "string" || s.Property("zzz").Type != "integer" {
		t.Errorf("lookup: %v %v", s.Property("a"), s.Property("zzz"))
	}
	var nilSchema *structural.Schema
	if nilSchema.Property("a") != nil {
		t.Error("nil schema has a property")
	}
	if structural.Compile(parse(t, "type: object")).Property("a") != nil {
		t.Error("schema without properties has one")
	}
}

func TestNumber(t *testing.T) {
	cases := []struct {
		in       any
		f        float64
		integral bool
		ok       bool
	}{
		{int64(3), 3, true, true},
		{int(-2), -2, true, true},
		{int32(7), 7, true, true},
		{int16(7), 7, true, true},
		{int8(7), 7, true, true},
		{uint(7), 7, true, true},
		{uint64(7), 7, true, true},
		{uint32(7), 7, true, true},
		{uint16(7), 7, true, true},
		{uint8(7), 7, true, true},
		{2.0, 2, true, true},
		{2.5, 2.5, false, true},
		{math.Inf(1), math.Inf(1), false, true},
		{float32(1.5), 1.5, false, true},
		{float32(4), 4, true, true},
		{"3", 0, false, false},
		{nil, 0, false, false},
	}
	for _, tc := range cases {
		f, integral, ok := structural.Number(tc.in)
		if f != tc.f || integral != tc.integral || ok != tc.ok {
			t.Errorf("Number(%#v) = %v, %v, %v; want %v, %v, %v", tc.in, f, integral, ok, tc.f, tc.integral, tc.ok)
		}
	}
}

func TestTypeOf(t *testing.T) {
	cases := map[string]any{
		"null": nil, "boolean": true, "string": "s", "object": map[string]any{}, "array": []any{},
		"number": 1.5, "integer": int64(1), "": struct{}{},
	}
	for want, v := range cases {
		if got := structural.TypeOf(v); got != want {
			t.Errorf("TypeOf(%#v) = %q, want %q", v, got, want)
		}
	}
	if got := structural.TypeOf(float32(1)); got != "number" {
		t.Errorf("TypeOf(float32) = %q", got)
	}
}

func TestEqual(t *testing.T) {
	cases := []struct {
		a, b any
		want bool
	}{
		{nil, nil, true},
		{nil, false, false},
		{true, true, true},
		{true, "true", false},
		{"a", "a", true},
		{"a", "b", false},
		{int64(1), 1.0, true},
		{int64(1), int(1), true},
		{int64(1), 1.5, false},
		{int64(1), "1", false},
		{map[string]any{"a": int64(1)}, map[string]any{"a": 1.0}, true},
		{map[string]any{"a": int64(1)}, map[string]any{"b": int64(1)}, false},
		{map[string]any{"a": int64(1)}, map[string]any{}, false},
		{map[string]any{}, []any{}, false},
		{[]any{"a", int64(2)}, []any{"a", 2.0}, true},
		{[]any{"a"}, []any{"b"}, false},
		{[]any{"a"}, []any{"a", "a"}, false},
		{[]any{}, map[string]any{}, false},
		{int32(3), float64(3), true},
		{float32(1.5), float64(1.5), true},
		{json.Number("2"), int64(2), true},
		{int64(2), json.Number("2"), true},
		{json.Number("x"), int64(2), false},
		{json.Number("x"), "x", false},
		{int64(3), int64(4), false},
		{[]string{"a"}, []string{"a"}, true},
		{[]string{"a"}, []string{"b"}, false},
	}
	for _, tc := range cases {
		if got := structural.Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("Equal(%#v, %#v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestDeepCopy(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"b": int64(1)}, "s"}, "n": nil}
	out := structural.DeepCopy(in)
	if d := cmp.Diff(in, out, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("copy differs:\n%s", d)
	}
	out.(map[string]any)["a"].([]any)[0].(map[string]any)["b"] = int64(2)
	if in["a"].([]any)[0].(map[string]any)["b"] != int64(1) {
		t.Error("copy shares nested maps with the original")
	}
}
