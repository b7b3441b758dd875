package celrules_test

import (
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/structural"
)

// TestRuleChecks covers each check the API server makes of a new CRD's
// rules, one schema each, by the words of its message (those of
// apiextensions-apiserver's validation, which the checks mirror).
func TestRuleChecks(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		want         []string // fragments of the errors, in order; none: valid
	}{
		{"empty rule", `{type: object, x-kubernetes-validations: [{rule: " "}]}`,
			[]string{`openAPIV3Schema.x-kubernetes-validations[0].rule: Required value: rule is not specified`}},
		{"blank message", `{type: object, x-kubernetes-validations: [{rule: "true", message: "  "}]}`,
			[]string{`x-kubernetes-validations[0].message: Invalid value: "  ": must be non-empty if specified`}},
		{"message with a line break", `{type: object, x-kubernetes-validations: [{rule: "true", message: "a\nb"}]}`,
			[]string{`message: Invalid value: "a\nb": must not contain line breaks`}},
		{"rule with a line break, no message", `{type: object, x-kubernetes-validations: [{rule: "true &&\ntrue"}]}`,
			[]string{`message: Required value: message must be specified if rule contains line breaks`}},
		{"blank messageExpression", `{type: object, x-kubernetes-validations: [{rule: "true", messageExpression: " "}]}`,
			[]string{`messageExpression: Required value: messageExpression must be non-empty if specified`}},
		{"bad messageExpression", `{type: object, x-kubernetes-validations: [{rule: "true", messageExpression: "1 +"}]}`,
			[]string{`messageExpression: Invalid value:`}},
		{"reason", `{type: object, x-kubernetes-validations: [{rule: "true", reason: Bogus}]}`,
			[]string{`reason: Unsupported value: "Bogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`}},
		{"fieldPaths", `{type: object, properties: {a: {type: string}}, x-kubernetes-validations: [{rule: "true", fieldPath: " "}, {rule: "true", fieldPath: ".a\n"}, {rule: "true", fieldPath: ".nosuch"}, {rule: "true", fieldPath: ".a"}]}`,
			[]string{`[0].fieldPath: Invalid value: " ": must be non-empty if specified`, `[0].fieldPath: Invalid value: " ": must be a valid path`, `[1].fieldPath: Invalid value: ".a\n": must not contain line breaks`, `[1].fieldPath: Invalid value: ".a\n": must be a valid path`, `[2].fieldPath: Invalid value: ".nosuch": must be a valid path`}},
		{"compositions", `{type: object, properties: {a: {type: object, additionalProperties: {type: string}, items: {type: string}}},
			not: {x-kubernetes-validations: [{rule: ""}]},
			allOf: [{properties: {a: {additionalProperties: {x-kubernetes-validations: [{rule: ""}]}}}}],
			oneOf: [{properties: {a: {items: {x-kubernetes-validations: [{rule: ""}]}}}}],
			anyOf: [{allOf: [{x-kubernetes-validations: [{rule: ""}]}]}]}`,
			[]string{`openAPIV3Schema.not.x-kubernetes-validations[0].rule: Required value`,
				`openAPIV3Schema.allOf[0].properties[a].additionalProperties.x-kubernetes-validations[0].rule: Required value`,
				`openAPIV3Schema.oneOf[0].properties[a].items.x-kubernetes-validations[0].rule: Required value`,
				`openAPIV3Schema.anyOf[0].allOf[0].x-kubernetes-validations[0].rule: Required value`}},
		{"oldSelf in a list without keys", `{type: object, properties: {l: {type: array, maxItems: 4, items: {type: object, properties: {v: {type: string, maxLength: 4}}, x-kubernetes-validations: [{rule: "self == oldSelf"}]}}}}`,
			[]string{`oldSelf cannot be used on the uncorrelatable portion of the schema within openAPIV3Schema.properties[l]`}},
		{"optionalOldSelf without oldSelf", `{type: object, x-kubernetes-validations: [{rule: "true", optionalOldSelf: true}]}`,
			[]string{`optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`}},
		{"estimated cost", `{type: object, properties: {l: {type: array, items: {type: string}, x-kubernetes-validations: [{rule: "self.all(a, self.all(b, a != b || a == b))"}]}}}`,
			[]string{`x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of`,
				`x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema`,
				`openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of`}},
		{"good rules", `{type: object, properties: {m: {type: object, x-kubernetes-map-type: atomic, additionalProperties: {type: string, maxLength: 8}, maxProperties: 4, x-kubernetes-validations: [{rule: "self.all(k, k.size() < 5)"}]}, "odd-name": {type: integer, x-kubernetes-validations: [{rule: "self > 0"}]}}, x-kubernetes-validations: [{rule: "!has(self.m) || size(self.m) > 0", fieldPath: ".m", reason: FieldValueInvalid}]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var props apiextensionsv1.JSONSchemaProps
			if err := yaml.Unmarshal([]byte(tc.schema), &props); err != nil {
				t.Fatal(err)
			}
			errs := structural.Compile(&props).RuleErrors(field.NewPath("openAPIV3Schema"))
			got := errStrings(errs)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("error %d = %s\nwant it to contain %s", i, got[i], w)
				}
			}
		})
	}
}
