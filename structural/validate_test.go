package structural_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/strfmt"

	"github.com/k1s-dev/k1s/structural"
)

func parseObject(t testing.TB, src string) map[string]any {
	t.Helper()
	if src == "" {
		return nil
	}
	var m map[string]any
	if err := utiljson.Unmarshal([]byte(src), &m); err != nil {
		t.Fatalf("object %s: %v", src, err)
	}
	return m
}

func errStrings(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

type schemaCase struct {
	name   string
	schema string
	obj    string
	old    string
	want   []string
}

func runSchemaCases(t *testing.T, cases []schemaCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			typ := structural.Compile(parseSchema(t, tc.schema))
			got := errStrings(typ.Validate(parseObject(t, tc.obj), parseObject(t, tc.old)))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
}

func TestValidateSchemaNoSchema(t *testing.T) {
	obj := map[string]any{"spec": "anything"}
	var none *structural.Schema
	if errs := none.Validate(obj, nil); errs != nil {
		t.Errorf("nil schema: %v", errs)
	}
}

func TestTypes(t *testing.T) {
	const s = `
type: object
properties:
  o: {type: object}
  a: {type: array}
  s: {type: string}
  i: {type: integer}
  num: {type: number}
  b: {type: boolean}
  any: {}
  ios: {x-kubernetes-int-or-string: true}
  f: {type: integer, format: int32}
  bogus: {type: bogus}
`
	runSchemaCases(t, []schemaCase{
		{name: "all valid", schema: s,
			obj:  `{"o":{"x":1},"a":[1],"s":"x","i":3,"num":1.5,"b":true,"any":[{}],"ios":"80%","f":7}`,
			want: []string{}},
		{name: "integer-valued numbers pass as integer", schema: s, obj: `{"i":3.0,"num":3,"ios":8}`, want: []string{}},
		{name: "all wrong", schema: s,
			obj: `{"o":[],"a":{},"s":1,"i":1.5,"num":"1","b":"true","ios":true,"f":false}`,
			want: []string{
				`a: Invalid value: "object": a in body must be of type array: "object"`,
				`b: Invalid value: "string": b in body must be of type boolean: "string"`,
				`f: Invalid value: "boolean": f in body must be of type integer: "boolean"`,
				`i: Invalid value: "number": i in body must be of type integer: "number"`,
				`ios: Invalid value: "boolean": ios in body must be of type integer,string: "boolean"`,
				`num: Invalid value: "string": num in body must be of type number: "string"`,
				`o: Invalid value: "array": o in body must be of type object: "array"`,
				`s: Invalid value: "integer": s in body must be of type string: "integer"`,
			}},
		{name: "floats beyond 2^53 are not integers, as in go-openapi", schema: s, obj: `{"i":1e300}`,
			want: []string{`i: Invalid value: "number": i in body must be of type integer: "number"`}},
		{name: "null is not a value of a type", schema: s, obj: `{"s":null,"any":null}`,
			want: []string{`s: Invalid value: "null": s in body must be of type string: "null"`}},
		{name: "unknown type name never matches", schema: s, obj: `{"bogus":1}`,
			want: []string{`bogus: Invalid value: "integer": bogus in body must be of type bogus: "integer"`}},
		{name: "int32 range", schema: s, obj: `{"f":2147483648}`,
			want: []string{`f: Invalid value: 2147483648: Checked value must be of type integer with format int32 in f`}},
	})
}

func TestNullable(t *testing.T) {
	const s = `
type: object
properties:
  s: {type: string, nullable: true}
  e: {type: string, nullable: true, enum: [a]}
`
	runSchemaCases(t, []schemaCase{
		{name: "null allowed", schema: s, obj: `{"s":null}`, want: []string{}},
		// As in the API server, a null enum value cannot be written in a
		// v1 schema, so null never passes an enum.
		{name: "enum still applies to null", schema: s, obj: `{"e":null}`,
			want: []string{`e: Unsupported value: null: supported values: "a"`}},
	})
}

func TestRequiredAndProperties(t *testing.T) {
	const s = `
type: object
required: [spec]
properties:
  spec:
    type: object
    required: [category, quantity]
    minProperties: 2
    maxProperties: 3
    properties:
      category: {type: string}
      quantity: {type: integer}
`
	runSchemaCases(t, []schemaCase{
		{name: "all there", schema: s, obj: `{"spec":{"category":"a","quantity":1}}`, want: []string{}},
		{name: "missing at two levels", schema: s, obj: `{}`, want: []string{"spec: Required value"}},
		{name: "every missing field reported", schema: s, obj: `{"spec":{}}`,
			want: []string{
				"spec: Invalid value: 0: spec in body should have at least 2 properties",
				"spec.category: Required value",
				"spec.quantity: Required value",
			}},
		{name: "null counts as present", schema: s, obj: `{"spec":{"category":null,"quantity":1}}`,
			want: []string{`spec.category: Invalid value: "null": spec.category in body must be of type string: "null"`}},
		{name: "too many properties", schema: s, obj: `{"spec":{"category":"a","quantity":1,"x":1,"y":2}}`,
			want: []string{"spec: Too many: 4: must have at most 3 items"}},
	})
}

func TestAdditionalProperties(t *testing.T) {
	const s = `
type: object
properties:
  labels:
    type: object
    additionalProperties: {type: string, maxLength: 3}
  closed:
    type: object
    properties:
      a: {type: string}
    additionalProperties: false
`
	runSchemaCases(t, []schemaCase{
		{name: "values checked", schema: s, obj: `{"labels":{"a":"abc","b":"abcd","c":1}}`,
			want: []string{
				"labels.b: Too long: may not be more than 3 bytes",
				`labels.c: Invalid value: "integer": labels.c in body must be of type string: "integer"`,
			}},
		{name: "false forbids other keys", schema: s, obj: `{"closed":{"a":"x","b":"y"}}`,
			want: []string{"closed.b: Forbidden: closed.b in body is a forbidden property"}},
	})
}

func TestStrings(t *testing.T) {
	const s = `
type: object
properties:
  code: {type: string, minLength: 3, maxLength: 5, pattern: '^[a-z]+$'}
  bad: {type: string, pattern: '(['}
  e: {type: string, enum: [tools, food]}
  num: {type: integer, enum: [1, 2]}
`
	runSchemaCases(t, []schemaCase{
		{name: "valid", schema: s, obj: `{"code":"abc","e":"food","num":2}`, want: []string{}},
		{name: "length counts characters", schema: s, obj: `{"code":"ééééé"}`,
			want: []string{`code: Invalid value: "ééééé": code in body should match '^[a-z]+$'`}},
		{name: "too short", schema: s, obj: `{"code":"ab"}`,
			want: []string{`code: Invalid value: "ab": code in body should be at least 3 chars long`}},
		{name: "too long hides pattern", schema: s, obj: `{"code":"ABCDEF"}`,
			want: []string{"code: Too long: may not be more than 5 bytes"}},
		{name: "pattern", schema: s, obj: `{"code":"ABC"}`,
			want: []string{`code: Invalid value: "ABC": code in body should match '^[a-z]+$'`}},
		{name: "invalid pattern reported on use", schema: s, obj: `{"bad":"x"}`,
			want: []string{"bad: Invalid value: \"x\": bad in body should match '([, but pattern is invalid: error parsing regexp: missing closing ]: `[`'"}},
		{name: "enum", schema: s, obj: `{"e":"toys","num":3}`,
			want: []string{
				`e: Unsupported value: "toys": supported values: "tools", "food"`,
				`num: Unsupported value: 3: supported values: "1", "2"`,
			}},
	})
}

func TestNumberBounds(t *testing.T) {
	const s = `
type: object
properties:
  min: {type: integer, minimum: 0}
  xmin: {type: integer, minimum: 0, exclusiveMinimum: true}
  max: {type: number, maximum: 1.5}
  xmax: {type: number, maximum: 1.5, exclusiveMaximum: true}
  frac: {type: number, minimum: 0.5}
  mult: {type: integer, multipleOf: 3}
  cents: {type: number, multipleOf: 0.01}
  zero: {type: number, multipleOf: 0}
`
	runSchemaCases(t, []schemaCase{
		{name: "on the bounds", schema: s, obj: `{"min":0,"xmin":1,"max":1.5,"xmax":1.49,"frac":0.5,"mult":9,"cents":5}`, want: []string{}},
		{name: "fractional factor with an integer value", schema: s, obj: `{"cents":5}`, want: []string{}},
		{name: "fractional factor with a float value", schema: s, obj: `{"cents":0.07}`, want: []string{}},
		{name: "beyond", schema: s, obj: `{"min":-1,"xmin":0,"max":1.6,"xmax":1.5,"frac":0,"mult":10,"cents":0.005,"zero":1}`,
			want: []string{
				"cents: Invalid value: 0.005: cents in body should be a multiple of 0.01",
				"frac: Invalid value: 0: frac in body should be greater than or equal to 0.5",
				"max: Invalid value: 1.6: max in body should be less than or equal to 1.5",
				"min: Invalid value: -1: min in body should be greater than or equal to 0",
				"mult: Invalid value: 10: mult in body should be a multiple of 3",
				"xmax: Invalid value: 1.5: xmax in body should be less than 1.5",
				"xmin: Invalid value: 0: xmin in body should be greater than 0",
				"zero: Invalid value: 1: factor MultipleOf declared for zero must be positive: 0",
			}},
	})
}

func TestArrays(t *testing.T) {
	const s = `
type: object
properties:
  tags:
    type: array
    minItems: 1
    maxItems: 3
    items: {type: string, maxLength: 2}
  uniq:
    type: array
    uniqueItems: true
  set:
    type: array
    x-kubernetes-list-type: set
    items: {type: integer}
  objs:
    type: array
    x-kubernetes-list-type: set
    items: {type: object, x-kubernetes-preserve-unknown-fields: true}
  ports:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [port, protocol]
    items:
      type: object
      properties:
        port: {type: integer}
        protocol: {type: string}
  named:
    type: array
    x-kubernetes-list-type: map
    x-kubernetes-list-map-keys: [name]
    items:
      type: object
      properties:
        name: {type: string}
  atomic:
    type: array
    x-kubernetes-list-type: atomic
    items: {type: integer}
`
	runSchemaCases(t, []schemaCase{
		{name: "valid", schema: s,
			obj:  `{"tags":["a"],"uniq":[1,"1"],"set":[1,2],"objs":[{"a":1},{"a":2}],"ports":[{"port":80,"protocol":"TCP"},{"port":80,"protocol":"UDP"}],"named":[{"name":"a"},{"name":"b"}],"atomic":[1,1]}`,
			want: []string{}},
		{name: "items and counts", schema: s, obj: `{"tags":["abc","a","b","c"]}`,
			want: []string{
				"tags: Too many: 4: must have at most 3 items",
				"tags[0]: Too long: may not be more than 2 bytes",
			}},
		{name: "too few", schema: s, obj: `{"tags":[]}`,
			want: []string{"tags: Invalid value: 0: tags in body should have at least 1 items"}},
		{name: "uniqueItems", schema: s, obj: `{"uniq":[{"a":1},{"a":1}]}`,
			want: []string{`uniq: Invalid value: "": uniq in body shouldn't contain duplicates`}},
		{name: "set duplicates, each reported once", schema: s, obj: `{"set":[1,2,1,1,2],"objs":[{"a":1},{"a":1}]}`,
			want: []string{
				`objs[1]: Duplicate value: {"a":1}`,
				"set[2]: Duplicate value: 1",
				"set[4]: Duplicate value: 2",
			}},
		{name: "map keys", schema: s,
			obj: `{"ports":[{"port":80,"protocol":"TCP"},{"port":80,"protocol":"TCP"}],"named":[{"name":"a"},{},{"name":"a"},{}]}`,
			want: []string{
				`named[2]: Duplicate value: {"name":"a"}`,
				`named[3]: Duplicate value: {}`,
				`ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}`,
			}},
		{name: "map list of non-objects", schema: s, obj: `{"named":[{"name":"a"},"b"]}`,
			want: []string{
				`named[1]: Invalid value: "string": named[1] in body must be of type object: "string"`,
				`named[1]: Invalid value: "b": must be an object for an array of list-type map`,
			}},
	})
}

func TestComposition(t *testing.T) {
	const s = `
type: object
properties:
  choice:
    type: object
    properties:
      a: {type: string}
      b: {type: string}
    oneOf:
    - required: [a]
    - required: [b]
  either:
    type: string
    anyOf:
    - pattern: '^x'
    - maxLength: 1
  both:
    type: integer
    allOf:
    - minimum: 2
    - multipleOf: 2
  notZero:
    type: integer
    not:
      enum: [0]
`
	runSchemaCases(t, []schemaCase{
		{name: "valid", schema: s, obj: `{"choice":{"a":"x"},"either":"xyz","both":4,"notZero":1}`, want: []string{}},
		{name: "oneOf none", schema: s, obj: `{"choice":{}}`,
			want: []string{
				`choice: Invalid value: "": "choice" must validate one and only one schema (oneOf). Found none valid`,
				"choice.a: Required value",
			}},
		{name: "oneOf two", schema: s, obj: `{"choice":{"a":"x","b":"y"}}`,
			want: []string{`choice: Invalid value: "": "choice" must validate one and only one schema (oneOf). Found 2 valid alternatives`}},
		{name: "anyOf", schema: s, obj: `{"either":"abc"}`,
			want: []string{
				`either: Invalid value: "": "either" must validate at least one schema (anyOf)`,
				`either: Invalid value: "abc": either in body should match '^x'`,
			}},
		{name: "allOf", schema: s, obj: `{"both":3}`,
			want: []string{
				"both: Invalid value: 3: both in body should be a multiple of 2",
				`both: Invalid value: "": "both" must validate all the schemas (allOf)`,
			}},
		{name: "allOf none", schema: s, obj: `{"both":1}`,
			want: []string{
				"both: Invalid value: 1: both in body should be greater than or equal to 2",
				"both: Invalid value: 1: both in body should be a multiple of 2",
				`both: Invalid value: "": "both" must validate all the schemas (allOf). None validated`,
			}},
		{name: "not", schema: s, obj: `{"notZero":0}`,
			want: []string{`notZero: Invalid value: "": "notZero" must not validate the schema (not)`}},
	})
}

func TestEmbeddedResource(t *testing.T) {
	const s = `
type: object
properties:
  template:
    type: object
    x-kubernetes-embedded-resource: true
    x-kubernetes-preserve-unknown-fields: true
`
	runSchemaCases(t, []schemaCase{
		{name: "valid", schema: s, obj: `{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Any_Path_Segment"}}}`, want: []string{}},
		{name: "missing identity", schema: s, obj: `{"template":{}}`,
			want: []string{"template.apiVersion: Required value", "template.kind: Required value"}},
		{name: "malformed identity", schema: s, obj: `{"template":{"apiVersion":"a/b/c","kind":"no spaces","metadata":{"name":"a/b","labels":{"-":"x"}}}}`,
			want: []string{
				`template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c`,
				`template.kind: Invalid value: "no spaces": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
				`template.metadata.name: Invalid value: "a/b": may not contain '/'`,
				`template.metadata.labels: Invalid value: "-": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
			}},
		{name: "generateName checked as a prefix", schema: s, obj: `{"template":{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"a/"}}}`,
			want: []string{`template.metadata.generateName: Invalid value: "a/": may not contain '/'`}},
		{name: "wrong kinds of values", schema: s, obj: `{"template":{"apiVersion":1,"kind":"","metadata":"x"}}`,
			want: []string{
				"template.apiVersion: Invalid value: 1: must be a string",
				`template.kind: Invalid value: "": must not be empty`,
				`template.metadata: Invalid value: "x": must be an object`,
			}},
		{name: "empty apiVersion, non-string kind, undecodable metadata", schema: s, obj: `{"template":{"apiVersion":"","kind":1,"metadata":{"name":1}}}`,
			want: []string{
				`template.apiVersion: Invalid value: "": must not be empty`,
				"template.kind: Invalid value: 1: must be a string",
				`template.metadata: Invalid value: {"name":1}: cannot convert int64 to string`,
			}},
	})
}

func TestRatcheting(t *testing.T) {
	const s = `
type: object
properties:
  spec:
    type: object
    properties:
      quantity: {type: integer, minimum: 0}
      name: {type: string, maxLength: 3}
      tags:
        type: array
        x-kubernetes-list-type: set
        items: {type: string}
      ports:
        type: array
        x-kubernetes-list-type: map
        x-kubernetes-list-map-keys: [name]
        items:
          type: object
          properties:
            name: {type: string}
            number: {type: integer, maximum: 100}
      free:
        type: object
        x-kubernetes-preserve-unknown-fields: true
        maxProperties: 2
        properties:
          n: {type: integer, maximum: 1}
      fixed:
        type: object
        maxProperties: 1
        properties:
          a: {type: integer}
          b: {type: integer}
`
	runSchemaCases(t, []schemaCase{
		{name: "unchanged invalid field passes", schema: s,
			old:  `{"spec":{"quantity":-1,"name":"abc"}}`,
			obj:  `{"spec":{"quantity":-1,"name":"xyz"}}`,
			want: []string{}},
		{name: "changed invalid field fails", schema: s,
			old:  `{"spec":{"quantity":-1}}`,
			obj:  `{"spec":{"quantity":-2}}`,
			want: []string{"spec.quantity: Invalid value: -2: spec.quantity in body should be greater than or equal to 0"}},
		{name: "map-list items correlate by key", schema: s,
			old:  `{"spec":{"ports":[{"name":"a","number":200},{"name":"b","number":1}]}}`,
			obj:  `{"spec":{"ports":[{"name":"b","number":2},{"name":"a","number":200},{"name":"c","number":300}]}}`,
			want: []string{"spec.ports[2].number: Invalid value: 300: spec.ports[2].number in body should be less than or equal to 100"}},
		{name: "set duplicates kept from old do not block", schema: s,
			old:  `{"spec":{"tags":["a","a"]}}`,
			obj:  `{"spec":{"tags":["a","a","b"]}}`,
			want: []string{}},
		{name: "set duplicates new on update fail", schema: s,
			old:  `{"spec":{"tags":["a"]}}`,
			obj:  `{"spec":{"tags":["a","a"]}}`,
			want: []string{"spec.tags[1]: Duplicate value: \"a\""}},
		{name: "unknown fields stop ratcheting at their object, not below", schema: s,
			old: `{"spec":{"free":{"n":5,"x":1,"y":2},"fixed":{"a":1,"b":2}}}`,
			obj: `{"spec":{"free":{"n":5,"x":1,"y":2},"fixed":{"a":1,"b":2},"name":"abcd"}}`,
			want: []string{
				"spec.free: Too many: 3: must have at most 2 items",
				"spec.name: Too long: may not be more than 3 bytes",
			}},
	})
}

func TestFormats(t *testing.T) {
	cases := []struct {
		format string
		good   []string
		bad    []string
	}{
		{"date-time", []string{"2024-01-02T03:04:05Z", "2024-01-02t03:04:05.123+01:00"}, []string{"", "2024-01-02", "2024-01-02T25:00:00Z", "2024-13-02T03:04:05Z", "x"}},
		{"datetime", []string{"2024-01-02T03:04:05Z"}, []string{"2024-01-02 03:04:05"}},
		{"date", []string{"2024-02-29"}, []string{"2023-02-29", "2024-1-2"}},
		{"byte", []string{"aGVsbG8=", "AAAA"}, []string{"", "a", "!!!!"}},
		{"int32", []string{"anything: the format is for integers"}, nil},
		{"uri", []string{"http://example.com/x", "/abs/path"}, []string{"rel/path", ""}},
		{"email", []string{"me@example.com", "Me <me@example.com>"}, []string{"me", "@x"}},
		{"uuid", []string{"123e4567-e89b-12d3-a456-426614174000", "123E4567E89B12D3A456426614174000"}, []string{"123e4567"}},
		{"uuid3", []string{"123e4567-e89b-32d3-a456-426614174000"}, []string{"123e4567-e89b-42d3-a456-426614174000"}},
		{"uuid4", []string{"123e4567-e89b-42d3-a456-426614174000"}, []string{"123e4567-e89b-42d3-c456-426614174000"}},
		{"uuid5", []string{"123e4567-e89b-52d3-a456-426614174000"}, []string{"123e4567-e89b-42d3-a456-426614174000"}},
		{"hostname", []string{"example.com", "a", "xn--bcher-kva.example"}, []string{"-a.com", "a..b", strings.Repeat("a", 64) + ".com", strings.Repeat("a.", 128) + "com"}},
		{"ipv4", []string{"10.0.0.1", "010.0.0.1"}, []string{"::1", "10.0.0", "256.0.0.1", "1.2.3.4.5", "a.b.c.d", "1..2.3"}},
		{"ipv6", []string{"::1", "fe80::1"}, []string{"10.0.0.1", "x"}},
		{"cidr", []string{"10.0.0.0/8", "010.0.0.0/8", "10.0.0.0/08", "fe80::/64"}, []string{"10.0.0.0", "10.0.0.0/33", "fe80::/129", "10.0.0.0/", "10.0.0.0/8x", "x/8"}},
		{"mac", []string{"01:23:45:67:89:ab"}, []string{"01:23:45"}},
		{"isbn", []string{"0321751043", "978-0321751041"}, []string{"0321751044"}},
		{"isbn10", []string{"080442957X"}, []string{"9780321751041"}},
		{"isbn13", []string{"9780321751041"}, []string{"9780321751042", "0321751043"}},
		{"creditcard", []string{"4111 1111 1111 1111"}, []string{"4111111111111112", "1234"}},
		{"ssn", []string{"123-45-6789"}, []string{"123456789", "12-345-6789"}},
		{"hexcolor", []string{"#fff", "A0B0C0"}, []string{"#ffff"}},
		{"rgbcolor", []string{"rgb(255, 0, 10)"}, []string{"rgb(256,0,0)"}},
		{"bsonobjectid", []string{"507f1f77bcf86cd799439011"}, []string{"507f1f77"}},
		{"password", []string{"", "anything"}, nil},
		{"duration", []string{"1h30m", "3 days", "2 weeks", "5ns"}, []string{"forever", "", "3 fortnights"}},
		{"k8s-short-name", []string{"my-name"}, []string{"My-Name", "a.b", strings.Repeat("a", 64)}},
		{"k8s-long-name", []string{"a.b-c.d"}, []string{"A.b", "a..b", strings.Repeat("a", 254)}},
		{"not-a-format", []string{"anything"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			typ := structural.Compile(parseSchema(t, "type: object\nproperties:\n  v: {type: string, format: "+tc.format+"}\n"))
			// The API server's own format registry agrees.
			if strfmt.Default.ContainsName(tc.format) && tc.format != "int32" {
				for _, v := range tc.good {
					if !strfmt.Default.Validates(tc.format, v) {
						t.Errorf("kube-openapi rejects %q", v)
					}
				}
				for _, v := range tc.bad {
					if strfmt.Default.Validates(tc.format, v) {
						t.Errorf("kube-openapi accepts %q", v)
					}
				}
			}
			for _, v := range tc.good {
				if errs := typ.Validate(map[string]any{"v": v}, nil); len(errs) != 0 {
					t.Errorf("%q: %v", v, errs)
				}
			}
			for _, v := range tc.bad {
				errs := typ.Validate(map[string]any{"v": v}, nil)
				want := []string{`v: Invalid value: "` + v + `": v in body must be of type ` + tc.format + `: "` + v + `"`}
				if d := cmp.Diff(want, errStrings(errs)); d != "" {
					t.Errorf("%q (-want +got):\n%s", v, d)
				}
			}
		})
	}
}

func TestFormatOnlyForStrings(t *testing.T) {
	typ := structural.Compile(parseSchema(t, `
type: object
properties:
  i: {type: integer, format: date}
  any: {format: date}
`))
	obj := map[string]any{"i": int64(3), "any": "2024-99-99"}
	want := []string{`any: Invalid value: "2024-99-99": any in body must be of type date: "2024-99-99"`}
	if d := cmp.Diff(want, errStrings(typ.Validate(obj, nil))); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestConcurrentUse checks that first use from many goroutines at once
// (schema compilation, lazily compiled format patterns) is safe; run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	typ := structural.Compile(parseSchema(t, `
type: object
properties:
  when: {type: string, format: date-time}
  id: {type: string, format: uuid}
  host: {type: string, format: hostname}
  count: {type: integer, minimum: 0}
`))
	obj := map[string]any{"when": "yesterday", "id": "123e4567-e89b-12d3-a456-426614174000", "host": "example.com", "count": int64(1)}
	want := []string{`when: Invalid value: "yesterday": when in body must be of type date-time: "yesterday"`}
	results := make(chan []string)
	for range 8 {
		go func() { results <- errStrings(typ.Validate(obj, nil)) }()
	}
	for range 8 {
		if d := cmp.Diff(want, <-results); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	}
}
