package discovery

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/codec"
)

// schemaCases are CRD schemas (the openAPIV3Schema of one version) that
// break each rule checkSchema covers, alone, nested and together, and
// good ones.
var schemaCases = map[string]string{
	"good":                   `{type: object, properties: {spec: {type: object, properties: {num: {type: integer}, l: {type: array, items: {type: string}}, m: {type: object, additionalProperties: {type: string}}, any: {x-kubernetes-preserve-unknown-fields: true}, ios: {x-kubernetes-int-or-string: true}}}}}`,
	"unknown type":           `{type: object, properties: {spec: {type: objekt}}}`,
	"unknown type in items":  `{type: object, properties: {spec: {type: array, items: {type: strin}}}}`,
	"null type":              `{type: object, properties: {spec: {type: "null"}}}`,
	"root not object":        `{type: string}`,
	"root without type":      `{properties: {spec: {type: object}}}`,
	"field without type":     `{type: object, properties: {spec: {properties: {a: {type: string}}}}}`,
	"items without type":     `{type: object, properties: {spec: {type: array, items: {description: x}}}}`,
	"array without items":    `{type: object, properties: {spec: {type: array}}}`,
	"root additionalProps":   `{type: object, additionalProperties: {type: string}}`,
	"props and additional":   `{type: object, properties: {spec: {type: object, properties: {a: {type: string}}, additionalProperties: {type: string}}}}`,
	"unique items":           `{type: object, properties: {spec: {type: array, uniqueItems: true, items: {type: string}}}}`,
	"ref":                    `{type: object, properties: {spec: {type: object, $ref: "#/x"}}}`,
	"id":                     `{type: object, properties: {spec: {type: object, id: x}}}`,
	"pattern properties":     `{type: object, properties: {spec: {type: object, patternProperties: {"^a": {type: string}}}}}`,
	"definitions":            `{type: object, properties: {spec: {type: object, definitions: {d: {type: string}}}}}`,
	"dependencies":           `{type: object, properties: {spec: {type: object, dependencies: {a: [b]}}}}`,
	"additional items":       `{type: object, properties: {spec: {type: array, items: {type: string}, additionalItems: false}}}`,
	"items array":            `{type: object, properties: {spec: {type: array, items: [{type: string}]}}}`,
	"embedded not object":    `{type: object, properties: {spec: {type: string, x-kubernetes-embedded-resource: true}}}`,
	"embedded no properties": `{type: object, properties: {spec: {type: object, x-kubernetes-embedded-resource: true}}}`,
	"embedded additional":    `{type: object, properties: {spec: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true, additionalProperties: {type: string}}}}`,
	"kind not string":        `{type: object, properties: {kind: {type: integer}, apiVersion: {type: boolean}}}`,
	"metadata not object":    `{type: object, properties: {metadata: {type: string}}}`,
	"nullable root":          `{type: object, nullable: true}`,
	"in allOf and not":       `{type: object, properties: {spec: {type: object, allOf: [{type: objekt}], not: {type: strin}, anyOf: [{id: x}], oneOf: [{type: "null"}]}}}`,
	"ref and no type":        `{type: object, properties: {spec: {$ref: "#/x"}, other: {}}}`,
	"preserve false":         `{type: object, properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: false}}}`,
	"dollar schema":          `{type: object, properties: {spec: {type: object, $schema: "http://x"}}}`,
	"map type":               `{type: object, properties: {a: {type: string, x-kubernetes-map-type: odd}, b: {x-kubernetes-map-type: atomic, x-kubernetes-preserve-unknown-fields: true}}}`,
	"list type":              `{type: object, properties: {a: {type: object, x-kubernetes-list-type: odd}, b: {type: array, items: {type: string}, x-kubernetes-list-map-keys: [k]}, c: {type: array, items: {type: string}, x-kubernetes-list-type: set, x-kubernetes-list-map-keys: [k]}}}`,
	"list map":               `{type: object, properties: {a: {type: array, x-kubernetes-list-type: map, items: {type: object, properties: {k: {type: object}, j: {type: string}}}, x-kubernetes-list-map-keys: [k, x, j, j]}, b: {type: array, x-kubernetes-list-type: map, items: {type: string}}}}`,
	"list map keys":          `{type: object, properties: {a: {type: array, x-kubernetes-list-type: map, items: {type: object, required: [r], properties: {r: {type: string, nullable: true}, d: {type: string, default: x}}}, x-kubernetes-list-map-keys: [r, d]}, s: {type: array, x-kubernetes-list-type: set, items: {type: string, nullable: true}}}}`,
	"several":                `{type: object, properties: {a: {type: objekt}, b: {}, c: {type: array}, d: {type: object, uniqueItems: true}}}`,
}

// crdWithSchema returns a CRD that is valid but for its schema.
func crdWithSchema(t *testing.T, schema string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	var props apiextensionsv1.JSONSchemaProps
	if err := yaml.Unmarshal([]byte(schema), &props); err != nil {
		t.Fatalf("schema %s: %v", schema, err)
	}
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metaNamed("things.g.example.com"),
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "g.example.com", Scope: apiextensionsv1.NamespaceScoped,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "things", Singular: "thing", Kind: "Thing", ListKind: "ThingList"},
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &props}}},
		},
	}
}

// apiServerSchemaErrs runs the API server's CRD validation and keeps the
// errors about schemas.
func apiServerSchemaErrs(t *testing.T, crd *apiextensionsv1.CustomResourceDefinition) []string {
	t.Helper()
	in := crd.DeepCopy()
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(in)
	var internal apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(in, &internal, nil); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range crdvalidation.ValidateCustomResourceDefinition(t.Context(), &internal) {
		if strings.Contains(e.Field, ".schema.") || strings.HasPrefix(e.Field, "spec.validation") {
			out = append(out, e.Error())
		}
	}
	slices.Sort(out)
	return out
}

func k1sSchemaErrs(crd *apiextensionsv1.CustomResourceDefinition) []string {
	var out []string
	for _, e := range checkCRDSchemas(crd.Spec.Versions) {
		out = append(out, e.Error())
	}
	slices.Sort(out)
	return out
}

// TestCheckSchemaDifferential holds checkSchema to the API server's own
// CRD validation: the same errors, word for word, on every case and on
// every CRD of the test data.
func TestCheckSchemaDifferential(t *testing.T) {
	for name, schema := range schemaCases {
		t.Run(name, func(t *testing.T) {
			crd := crdWithSchema(t, schema)
			want := apiServerSchemaErrs(t, crd)
			if (len(want) == 0) != (name == "good") {
				t.Fatalf("the case does not test what it says: the API server reports %q", want)
			}
			if diff := cmp.Diff(want, k1sSchemaErrs(crd)); diff != "" {
				t.Errorf("errors (-API server +k1s):\n%s", diff)
			}
		})
	}
	var files []string
	for _, glob := range []string{"testdata/plugins/*.yaml", "testdata/plugins/*.json", "../validation/testdata/*.yaml", "../examples/*/plugins/*.yaml"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := codec.DecodeStream(strings.NewReader(string(data)), f)
		for _, u := range objs {
			if u.GetKind() != crdKind {
				continue
			}
			var crd apiextensionsv1.CustomResourceDefinition
			if codec.FromUnstructured(u, &crd) != nil || len(crd.Spec.Versions) == 0 {
				continue
			}
			for i := range crd.Spec.Versions {
				if crd.Spec.Versions[i].Schema == nil {
					crd.Spec.Versions[i].Schema = &apiextensionsv1.CustomResourceValidation{}
				}
			}
			n++
			if diff := cmp.Diff(apiServerSchemaErrs(t, &crd), k1sSchemaErrs(&crd)); diff != "" {
				t.Errorf("%s: %s: errors (-API server +k1s):\n%s", f, u.GetName(), diff)
			}
		}
	}
	if n == 0 {
		t.Fatal("no CRD in the test data")
	}
}

// TestBrokenSchemaIsAWarning holds that a manifest with a schema the API
// server would refuse is refused as a whole, with one warning naming the
// file and the field.
func TestBrokenSchemaIsAWarning(t *testing.T) {
	crd := crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Namespaced\n  names: {plural: things, kind: Thing}\n  versions:\n"+
		"  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec: {type: objekt}\n"+
		"  - name: v2\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec: {type: object}\n")
	p := parseFile("f.yaml", []byte(crd))
	want := []string{`f.yaml: CustomResourceDefinition "things.g.example.com": spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Unsupported value: "objekt": supported values: "array", "boolean", "integer", "number", "object", "string"; the CRD is ignored`}
	if diff := cmp.Diff(want, p.warnings); diff != "" || len(p.types) != 0 {
		t.Errorf("warnings (-want +got):\n%s\ntypes: %v", diff, p.types)
	}
	seed := seedHeader + "  - {group: a.example.com, version: v1, kind: A, plural: as, schema: {openAPIV3Schema: {type: object, properties: {spec: {type: array}}}}}\n" +
		"  - {group: a.example.com, version: v1, kind: B, plural: bs, schema: {type: object, properties: {num: {type: nmber}}}}\n" +
		"  - {group: a.example.com, version: v1, kind: C, plural: cs, schema: {type: object, properties: {num: {type: number}}}}\n"
	p = parseFile("s.yaml", []byte(seed))
	want = []string{
		`s.yaml: PluginTypeManifest "p": spec.types[0] (A): spec.types[0].schema.openAPIV3Schema.properties[spec].items: Required value: must be specified; the type is ignored`,
		`s.yaml: PluginTypeManifest "p": spec.types[1] (B): spec.types[1].schema.properties[num].type: Unsupported value: "nmber": supported values: "array", "boolean", "integer", "number", "object", "string"; the type is ignored`,
	}
	if diff := cmp.Diff(want, p.warnings); diff != "" || len(p.types) != 1 {
		t.Errorf("warnings (-want +got):\n%s\ntypes: %v", diff, p.types)
	}
}

func metaNamed(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }
