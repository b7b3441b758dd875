package celrules_test

import (
	"os"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/structural"
	_ "github.com/k1s-dev/k1s/structural/celrules"
)

// loadCRD reads a CRD manifest (the first document of the file).
func loadCRD(t testing.TB, path string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &crd
}

func crdSchema(t testing.TB, path, version string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	crd := loadCRD(t, path)
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			return v.Schema.OpenAPIV3Schema
		}
	}
	t.Fatalf("%s: no version %s", path, version)
	return nil
}

var crdRoot = field.NewPath("spec", "validation", "openAPIV3Schema")

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

func sortedErrStrings(errs field.ErrorList) []string {
	out := errStrings(errs)
	sort.Strings(out)
	return out
}

// TestRuleErrorsMatchAPIServer holds the load-time check to what a
// kube-apiserver v1.37.2 answered to `kubectl apply -f
// testdata/cel/broken-crd.yaml` (sorted: the API server walks properties
// in map order).
func TestRuleErrorsMatchAPIServer(t *testing.T) {
	s := structural.Compile(crdSchema(t, "testdata/cel/broken-crd.yaml", "v1"))
	want := []string{
		"spec.validation.openAPIV3Schema.properties[spec].properties[path].x-kubernetes-validations[0].fieldPath: Invalid value: \".b\": must be a valid path",
		"spec.validation.openAPIV3Schema.properties[spec].properties[costly].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)",
		"spec.validation.openAPIV3Schema.properties[spec].properties[messages].x-kubernetes-validations[0].messageExpression: Invalid value: {\"Rule\":\"self != ''\",\"Message\":\"\",\"MessageExpression\":\"self + 1\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}: messageExpression compilation failed: ERROR: <input>:1:6: found no matching overload for '_+_' applied to '(string, int)'\n | self + 1\n | .....^",
		"spec.validation.openAPIV3Schema.properties[spec].properties[optional].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule",
		"spec.validation.openAPIV3Schema.properties[spec].properties[syntax].x-kubernetes-validations[0].rule: Invalid value: {\"Rule\":\"self ==\",\"Message\":\"\",\"MessageExpression\":\"\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}: compilation failed: ERROR: <input>:1:8: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | self ==\n | .......^",
		"spec.validation.openAPIV3Schema.properties[spec].properties[types].x-kubernetes-validations[0].rule: Invalid value: {\"Rule\":\"self == 'x'\",\"Message\":\"\",\"MessageExpression\":\"\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}: compilation failed: ERROR: <input>:1:6: found no matching overload for '_==_' applied to '(int, string)'\n | self == 'x'\n | .....^",
		"spec.validation.openAPIV3Schema.properties[spec].properties[unknown].x-kubernetes-validations[0].rule: Invalid value: {\"Rule\":\"self.b == 'x'\",\"Message\":\"\",\"MessageExpression\":\"\",\"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}: compilation failed: ERROR: <input>:1:5: undefined field 'b'\n | self.b == 'x'\n | ....^",
		"spec.validation.openAPIV3Schema.properties[spec].properties[atomic].items.x-kubernetes-validations[0].rule: Invalid value: \"self == oldSelf\": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[spec].properties[atomic]",
		"spec.validation.openAPIV3Schema.properties[spec].properties[costly].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema",
		"spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)",
	}
	sort.Strings(want)
	if d := cmp.Diff(want, sortedErrStrings(s.RuleErrors(crdRoot))); d != "" {
		t.Errorf("(-apiserver +k1s):\n%s", d)
	}
	if got := structural.Compile(crdSchema(t, "testdata/cel/widgets-crd.yaml", "v1")).RuleErrors(crdRoot); len(got) != 0 {
		t.Errorf("the API server accepts widgets-crd.yaml; k1s found %v", got)
	}
}

type celCase struct {
	name     string
	obj, old string
	want     []string
}

// widgetCases are objects of testdata/cel/widgets-crd.yaml and the errors
// a kube-apiserver v1.37.2 gave for them (kubectl create, or apply of old
// then obj), sorted.
var widgetCases = []celCase{
	{"ok", `{"metadata":{"name":"wok"},"spec":{"min":1,"max":2,"mode":"on","owner":"a","team":"b","immutable":"x","counter":3,"ports":[{"name":"http","port":80}],"labels":{"a":"abc"},"url":"https://x.example","quantity":"1Gi","ip":"10.0.0.1","tags":["ab","cd"]}}`, "", []string{}},
	{"rootname", `{"metadata":{"name":"bad"},"spec":{}}`, "", []string{`<nil>: Invalid value: name must start with w`}},
	{"minmax", `{"metadata":{"name":"wminmax"},"spec":{"min":3,"max":2}}`, "", []string{`spec.min: Forbidden: min must not exceed max`}},
	{"msgexpr", `{"metadata":{"name":"wmsg"},"spec":{"mode":"off","replicas":2}}`, "", []string{`spec: Invalid value: replicas must be 0 when mode is off`}},
	{"required", `{"metadata":{"name":"wreq"},"spec":{"owner":"me"}}`, "", []string{`spec.team: Required value: team is required with owner`}},
	{"ports", `{"metadata":{"name":"wports"},"spec":{"ports":[{"name":"a","port":0},{"name":"b","port":70000}]}}`, "", []string{`spec.ports[0]: Invalid value: port out of range`, `spec.ports[1]: Invalid value: port out of range`}},
	{"labels", `{"metadata":{"name":"wlabels"},"spec":{"labels":{"x":"ABC","y":"ok"}}}`, "", []string{`spec.labels[x]: Invalid value: "ABC": label values must be lower-case letters`}},
	{"libs", `{"metadata":{"name":"wlibs"},"spec":{"url":"http://x","quantity":"20Gi","ip":"::1","tags":["b","a"]}}`, "", []string{`spec.ip: Invalid value: "::1": an IPv4 address`, `spec.quantity: Invalid value: "20Gi": failed rule: isQuantity(self) && quantity(self).isLessThan(quantity('10Gi'))`, `spec.tags: Invalid value: tags must be longer than one character`, `spec.tags: Invalid value: tags must be sorted`, `spec.url: Invalid value: "http://x": url must be https`}},
	{"notquantity", `{"metadata":{"name":"wq"},"spec":{"quantity":"lots","tags":["a"]}}`, "", []string{`spec.quantity: Invalid value: "lots": failed rule: isQuantity(self) && quantity(self).isLessThan(quantity('10Gi'))`, `spec.tags: Invalid value: tags must be longer than one character`}},
	{"blocked", `{"metadata":{"name":"wblocked"},"spec":{"min":3,"max":2,"mode":"sideways"}}`, "", []string{`<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`, `spec.mode: Too long: may not be more than 3 bytes`, `spec.mode: Unsupported value: "sideways": supported values: "on", "off"`}},
	{"blocked2", `{"metadata":{"name":"bad"},"spec":{"replicas":500,"owner":"x"}}`, "", []string{`<nil>: Invalid value: name must start with w`, `spec.replicas: Invalid value: 500: spec.replicas in body should be less than or equal to 100`, `spec.team: Required value: team is required with owner`}},
	{"toolong", `{"metadata":{"name":"wlong"},"spec":{"min":3,"max":2,"team":"0123456789012345678901234567890123456789"}}`, "", []string{`<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation`, `spec.team: Too long: may not be more than 30 bytes`}},
	{"immut", `{"metadata":{"name":"wimmut"},"spec":{"immutable":"b","counter":4,"ports":[{"name":"a","port":2}]}}`, `{"metadata":{"name":"wimmut"},"spec":{"immutable":"a","counter":5,"ports":[{"name":"a","port":1}]}}`, []string{`spec.counter: Invalid value: 4: counter may not decrease`, `spec.immutable: Invalid value: "b": immutable is immutable`, `spec.ports[0]: Invalid value: a port's number is immutable`}},
	{"ratchet", `{"metadata":{"name":"wratchet"},"spec":{"immutable":"a","counter":1}}`, `{"metadata":{"name":"wratchet"},"spec":{"immutable":"a"}}`, []string{}},
	{"status", `{"metadata":{"name":"wstatus"},"spec":{},"status":{"phase":"Gone"}}`, `{"metadata":{"name":"wstatus"},"spec":{}}`, []string{`status.phase: Invalid value: "Gone": failed rule: self in ['Pending', 'Ready']`}},
}

func TestCELMatchesAPIServer(t *testing.T) {
	s := structural.For(crdSchema(t, "testdata/cel/widgets-crd.yaml", "v1"))
	for _, tc := range widgetCases {
		t.Run(tc.name, func(t *testing.T) {
			obj, old := widget(t, tc.obj), widget(t, tc.old)
			s.Apply(obj)
			s.Apply(old)
			if d := cmp.Diff(tc.want, sortedErrStrings(s.Validate(obj, old)), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-apiserver +k1s):\n%s", d)
			}
		})
	}
}

// widget decodes a Widget of widgets-crd.yaml; "" is nil.
func widget(t *testing.T, src string) map[string]any {
	t.Helper()
	o := parseObject(t, src)
	if o != nil {
		o["apiVersion"], o["kind"] = "cel.k1s.test/v1", "Widget"
	}
	return o
}
