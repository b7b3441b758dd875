package structural_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/k1s-dev/k1s/structural"
)

type applyCase struct {
	name   string
	schema string
	in     string
	want   string
}

func runApplyCases(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ := structural.Compile(parseSchema(t, tc.schema))
			obj := parseObject(t, tc.in)
			typ.Apply(obj)
			if d := cmp.Diff(parseObject(t, tc.want), obj); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestApplySchemaNoSchema(t *testing.T) {
	obj := map[string]any{"spec": map[string]any{"x": int64(1)}}
	var none *structural.Schema
	none.Apply(obj)
	structural.Compile(parseSchema(t, "type: object")).Apply(nil)
	if d := cmp.Diff(map[string]any{"spec": map[string]any{"x": int64(1)}}, obj); d != "" {
		t.Errorf("changed without a schema:\n%s", d)
	}
}

func TestDefaults(t *testing.T) {
	const s = `
type: object
properties:
  spec:
    type: object
    properties:
      quantity: {type: integer, default: 1}
      active: {type: boolean, default: true}
      ratio: {type: number, nullable: true, default: 0.5}
      nested:
        type: object
        properties:
          level: {type: string, default: info}
      withDefault:
        type: object
        default: {}
        properties:
          level: {type: string, default: warn}
          list: {type: array, items: {type: string}, default: [a]}
      items:
        type: array
        items:
          type: object
          properties:
            k: {type: string, default: dk}
      scalars:
        type: array
        items: {type: string, default: none}
      labels:
        type: object
        additionalProperties: {type: string, default: unset}
      limits:
        type: object
        additionalProperties:
          type: object
          properties:
            max: {type: integer, default: 10}
`
	runApplyCases(t, []applyCase{
		{name: "missing parent gets no nested defaults", schema: s, in: `{}`, want: `{}`},
		{name: "defaults at every level, nested ones only in existing objects", schema: s,
			in:   `{"spec":{"nested":{},"items":[{},{"k":"x"}],"limits":{"a":{},"b":{"max":2}}}}`,
			want: `{"spec":{"quantity":1,"active":true,"ratio":0.5,"nested":{"level":"info"},"withDefault":{"level":"warn","list":["a"]},"items":[{"k":"dk"},{"k":"x"}],"limits":{"a":{"max":10},"b":{"max":2}}}}`},
		{name: "present values kept", schema: s,
			in:   `{"spec":{"quantity":0,"active":false,"ratio":null,"withDefault":{"level":"error"}}}`,
			want: `{"spec":{"quantity":0,"active":false,"ratio":null,"withDefault":{"level":"error","list":["a"]}}}`},
		{name: "non-nullable nulls take the default", schema: s,
			in:   `{"spec":{"quantity":null,"scalars":[null,"x"],"labels":{"a":null,"b":"x"}}}`,
			want: `{"spec":{"quantity":1,"active":true,"ratio":0.5,"withDefault":{"level":"warn","list":["a"]},"scalars":["none","x"],"labels":{"a":"unset","b":"x"}}}`},
	})
}

func TestDefaultsAreCopies(t *testing.T) {
	typ := structural.Compile(parseSchema(t, `
type: object
properties:
  spec:
    type: object
    default: {tags: [a]}
    properties:
      tags: {type: array, items: {type: string}}
`))
	first := map[string]any{}
	typ.Apply(first)
	first["spec"].(map[string]any)["tags"].([]any)[0] = "changed"
	second := map[string]any{}
	typ.Apply(second)
	if d := cmp.Diff(map[string]any{"spec": map[string]any{"tags": []any{"a"}}}, second); d != "" {
		t.Errorf("a default was shared between objects:\n%s", d)
	}
}

func TestNulls(t *testing.T) {
	const s = `
type: object
properties:
  spec:
    type: object
    properties:
      plain: {type: string}
      nullable: {type: string, nullable: true}
      obj:
        type: object
        properties:
          inner: {type: integer}
      list:
        type: array
        items: {type: string}
      labels:
        type: object
        additionalProperties: {type: string}
`
	runApplyCases(t, []applyCase{
		{name: "non-nullable nulls without default are dropped", schema: s,
			in:   `{"spec":{"plain":null,"nullable":null,"obj":{"inner":null},"list":[null],"labels":{"a":null}}}`,
			want: `{"spec":{"nullable":null,"obj":{},"list":[null],"labels":{}}}`},
	})
}

func TestPruning(t *testing.T) {
	const s = `
type: object
properties:
  spec:
    type: object
    properties:
      known: {type: string}
      list:
        type: array
        items:
          type: object
          properties:
            a: {type: string}
      free:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        properties:
          typed:
            type: object
            properties:
              a: {type: string}
      labels:
        type: object
        additionalProperties: {type: string}
      loose:
        type: object
        additionalProperties: true
      template:
        type: object
        x-kubernetes-embedded-resource: true
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer}
      anything:
        x-kubernetes-preserve-unknown-fields: true
        type: object
      freeList:
        type: array
        x-kubernetes-preserve-unknown-fields: true
        items:
          type: object
          properties:
            a: {type: string}
`
	runApplyCases(t, []applyCase{
		{name: "unknown fields at every level", schema: s,
			in:   `{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","whatever":1},"extra":1,"spec":{"known":"k","unknown":1,"list":[{"a":"x","b":"y"},"s",[{"c":1}]]}}`,
			want: `{"apiVersion":"x/v1","kind":"K","metadata":{"name":"n","whatever":1},"spec":{"known":"k","list":[{"a":"x"},"s",[{}]]}}`},
		// As in the API server, preserving stops at the properties a
		// schema describes, but carries on through an array's items.
		{name: "preserve-unknown-fields keeps all but what the schema describes", schema: s,
			in:   `{"spec":{"free":{"x":{"deep":1},"typed":{"a":"1","b":2}},"anything":{"y":[1,{"z":2}]},"freeList":[{"a":"x","b":"y"},[{"c":1}]]}}`,
			want: `{"spec":{"free":{"x":{"deep":1},"typed":{"a":"1"}},"anything":{"y":[1,{"z":2}]},"freeList":[{"a":"x","b":"y"},[{"c":1}]]}}`},
		{name: "additionalProperties schema and bool", schema: s,
			in:   `{"spec":{"labels":{"a":"1"},"loose":{"k":{"nested":1},"s":"v"}}}`,
			want: `{"spec":{"labels":{"a":"1"},"loose":{"k":{},"s":"v"}}}`},
		{name: "embedded resource keeps its identity, metadata coerced to ObjectMeta", schema: s,
			in:   `{"spec":{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"},"bogus":1},"spec":{"replicas":1,"x":2},"status":{}}}}`,
			want: `{"spec":{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"replicas":1}}}}`},
		{name: "embedded resource: malformed identity", schema: s,
			in:   `{"spec":{"template":{"apiVersion":1,"kind":true,"metadata":{"name":"p","labels":"notamap","namespace":"ns"}}}}`,
			want: `{"spec":{"template":{"metadata":{"name":"p","namespace":"ns"}}}}`},
		{name: "embedded resource: null and non-object metadata", schema: s,
			in:   `{"spec":{"template":{"metadata":null},"anything":{}}}`,
			want: `{"spec":{"template":{"metadata":{}},"anything":{}}}`},
		{name: "embedded resource: string metadata left for validation", schema: s,
			in:   `{"spec":{"template":{"metadata":"x"}}}`,
			want: `{"spec":{"template":{"metadata":"x"}}}`},
	})
}

func TestEmbeddedUnderPreserveUnknownFields(t *testing.T) {
	runApplyCases(t, []applyCase{{
		name: "coerced and pruned below",
		schema: `
type: object
properties:
  template:
    type: object
    x-kubernetes-embedded-resource: true
    x-kubernetes-preserve-unknown-fields: true
    properties:
      spec:
        type: object
        properties:
          a: {type: string}
`,
		in:   `{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","bogus":1},"spec":{"a":"x","b":"y"},"other":1}}`,
		want: `{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"a":"x"},"other":1}}`,
	}})
}

func TestPruneReportsUnknownFields(t *testing.T) {
	typ := structural.Compile(parseSchema(t, `
type: object
properties:
  spec:
    type: object
    properties:
      list:
        type: array
        items:
          type: object
          properties:
            a: {type: string, default: d}
`))
	obj := parseObject(t, `{"apiVersion":"v1","kind":"K","metadata":{},"zzz":1,"spec":{"b":1,"list":[{"c":{"d":1}}]}}`)
	got := typ.Prune(obj)
	want := []string{"spec.b", "spec.list[0].c", "zzz"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("unknown fields (-want +got):\n%s", d)
	}
	pruned := parseObject(t, `{"apiVersion":"v1","kind":"K","metadata":{},"spec":{"list":[{}]}}`)
	if d := cmp.Diff(pruned, obj); d != "" {
		t.Errorf("Prune applied defaults or left fields (-want +got):\n%s", d)
	}
	typ.ApplyDefaults(obj)
	defaulted := parseObject(t, `{"apiVersion":"v1","kind":"K","metadata":{},"spec":{"list":[{"a":"d"}]}}`)
	if d := cmp.Diff(defaulted, obj); d != "" {
		t.Errorf("Default (-want +got):\n%s", d)
	}
	var none *structural.Schema
	if got := none.Prune(obj); got != nil {
		t.Errorf("Prune without a schema: %v", got)
	}
	none.ApplyDefaults(obj)
	if d := cmp.Diff(defaulted, obj); d != "" {
		t.Errorf("Default without a schema changed the object (-want +got):\n%s", d)
	}
}

// BenchmarkApplySchema measures pruning and defaulting of an inventory
// Item with one unknown field and one missing default.
func BenchmarkApplySchema(b *testing.B) {
	typ := structural.Compile(parseSchema(b, `
type: object
properties:
  spec:
    type: object
    required: [category]
    properties:
      quantity: {type: integer, minimum: 0, default: 0}
      category: {type: string}
      tags: {type: array, x-kubernetes-list-type: set, items: {type: string}}
  status:
    type: object
    properties:
      phase: {type: string}
`))
	b.ReportAllocs()
	for b.Loop() {
		obj := map[string]any{
			"apiVersion": "inventory.example.com/v1", "kind": "Item",
			"metadata": map[string]any{"name": "widget"},
			"spec":     map[string]any{"category": "tools", "tags": []any{"a", "b"}, "colour": "red"},
			"status":   map[string]any{"phase": "Available"},
		}
		typ.Apply(obj)
	}
}
