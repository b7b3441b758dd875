package structural_test

// The differential tests compare k1s with the API server's own CRD code
// (apiextensions-apiserver's structural pruning and defaulting, its
// kube-openapi based schema validator, list-type and embedded-object
// checks), which the test binary may link even though k1s does not.

import (
	"context"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

func loadSchema(t testing.TB, path string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseSchema(t, string(b))
}

func parseSchema(t testing.TB, src string) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	var s apiextensionsv1.JSONSchemaProps
	if err := yaml.UnmarshalStrict([]byte(src), &s); err != nil {
		t.Fatalf("schema: %v", err)
	}
	return &s
}

// oracle is the API server's handling of one schema.
type oracle struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
}

func newOracle(t testing.TB, s *apiextensionsv1.JSONSchemaProps) *oracle {
	t.Helper()
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(s, &internal, nil); err != nil {
		t.Fatal(err)
	}
	ss, err := structuralschema.NewStructural(&internal)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := apiservervalidation.NewSchemaValidator(&internal)
	if err != nil {
		t.Fatal(err)
	}
	return &oracle{structural: ss, validator: v}
}

// apply is what the API server does to a decoded custom resource: prune,
// drop disallowed nulls, coerce embedded metadata, then default.
func (o *oracle) apply(obj map[string]any) {
	pruning.Prune(obj, o.structural, true)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, o.structural)
	_ = objectmeta.Coerce(nil, obj, o.structural, false, true)
	structuraldefaulting.Default(obj, o.structural)
}

func (o *oracle) validate(obj, old map[string]any) field.ErrorList {
	var errs field.ErrorList
	if old == nil {
		errs = apiservervalidation.ValidateCustomResource(nil, obj, o.validator)
	} else {
		errs = apiservervalidation.ValidateCustomResourceUpdate(nil, obj, old, o.validator, apiservervalidation.WithRatcheting(nil))
	}
	errs = append(errs, objectmeta.Validate(context.Background(), nil, obj, o.structural, false)...)
	if old == nil || len(listtype.ValidateListSetsAndMaps(nil, o.structural, old)) == 0 {
		errs = append(errs, listtype.ValidateListSetsAndMaps(nil, o.structural, obj)...)
	}
	return errs
}

var (
	// The API server names a map value "x[key]" in list-type and
	// embedded-object errors but "x.key" in schema errors; k1s always
	// says "x.key".
	rxKeyPath = regexp.MustCompile(`\[([^\]0-9][^\]]*)\]`)
	// kube-openapi reports composition failures at the root path.
	rxComposition = regexp.MustCompile(`^.*?"([^"]*)" must (validate|not validate)`)
	// kube-openapi reports a number outside its format's range at the
	// root path; k1s at the value's.
	rxRange = regexp.MustCompile(`^Checked value must be of type \S+ (?:with format \S+|\(default format\)) in (.+)$`)
	// kube-openapi truncates a fractional multipleOf to an integer when
	// the value is an integer, and then rejects the factor 0; k1s checks
	// 5 against multipleOf 0.01 correctly (see TestNumberBounds).
	rxTruncatedFactor = regexp.MustCompile(`factor MultipleOf declared for \S+ must be positive: 0$`)
)

// normalize renders errors for comparison, smoothing over the known,
// deliberate differences listed above.
func normalize(errs field.ErrorList) []string {
	// k1s reports only the type error for a value of the wrong type;
	// kube-openapi goes on with checks that cannot mean much.
	typeErr := map[string]bool{}
	for _, e := range errs {
		if e.Type == field.ErrorTypeTypeInvalid {
			typeErr[e.Field] = true
		}
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		if m := rxRange.FindStringSubmatch(e.Detail); m != nil {
			if !typeErr[m[1]] {
				out = append(out, "range "+m[1])
			}
			continue
		}
		if typeErr[e.Field] {
			if e.Type == field.ErrorTypeTypeInvalid {
				out = append(out, strings.ReplaceAll(e.Field, "[]", ".")+": wrong type")
			}
			continue
		}
		s := e.Error()
		if rxTruncatedFactor.MatchString(s) {
			continue
		}
		if m := rxComposition.FindStringSubmatch(s); m != nil {
			if typeErr[m[1]] {
				continue
			}
			s = "composition at " + m[1] + ": " + s[strings.Index(s, `" must`)+2:]
		} else {
			if i := strings.Index(s, ": "); i > 0 {
				s = strings.ReplaceAll(rxKeyPath.ReplaceAllString(s[:i], ".$1"), "[]", ".") + s[i:]
			}
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// generator makes objects that mostly follow a schema, with random
// breakage: wrong types, nulls, missing and unknown fields, duplicates.
type generator struct {
	r *rand.Rand
}

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

var sampleStrings = []string{
	"", "a", "tools", "food", "ABC-12", "abc-1", "xyz", "x", "ay", "none", "longer-than-eight",
	"2024-01-02T03:04:05Z", "2024-01-02", "2024-13-40", "me@example.com", "not an email",
	"123e4567-e89b-12d3-a456-426614174000", "host.example.com", "-bad-", "aGVsbG8=", "!!",
	"10.0.0.1", "010.0.0.1", "::1", "http://x/y", "/rel", "TCP", "UDP", "Pending", "v1", "apps/v1",
	"Deployment", "in valid", "web",
}

func (g *generator) scalar() any {
	switch g.r.IntN(7) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return int64(g.r.IntN(40) - 5)
	case 3:
		return []float64{0.5, 1.0, 2.01, 3.3, -1.5, 0.99, 1e10}[g.r.IntN(7)]
	default:
		return sampleStrings[g.r.IntN(len(sampleStrings))]
	}
}

func (g *generator) value(s *apiextensionsv1.JSONSchemaProps, depth int) any {
	if s == nil || depth > 6 || g.chance(0.08) {
		if depth < 5 && g.chance(0.2) {
			return map[string]any{"junk": g.scalar(), "k": g.scalar()}
		}
		return g.scalar()
	}
	if len(s.Enum) > 0 && g.chance(0.7) {
		var v any
		_ = yaml.Unmarshal(s.Enum[g.r.IntN(len(s.Enum))].Raw, &v)
		return normalizeNumbers(v)
	}
	typ := s.Type
	if s.XIntOrString {
		typ = []string{"integer", "string"}[g.r.IntN(2)]
	}
	if typ == "" && len(s.Properties) > 0 {
		typ = "object"
	}
	switch typ {
	case "object":
		m := map[string]any{}
		for k := range s.Properties {
			if g.chance(0.75) {
				p := s.Properties[k]
				m[k] = g.value(&p, depth+1)
			}
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
			for i := g.r.IntN(5); i > 0; i-- {
				m[sampleStrings[g.r.IntN(len(sampleStrings))]] = g.value(s.AdditionalProperties.Schema, depth+1)
			}
		}
		if s.XEmbeddedResource {
			if g.chance(0.8) {
				m["apiVersion"] = []any{"v1", "apps/v1", "a/b/c", int64(3)}[g.r.IntN(4)]
			}
			if g.chance(0.8) {
				m["kind"] = []any{"Pod", "bad kind", ""}[g.r.IntN(3)]
			}
			if g.chance(0.8) {
				m["metadata"] = map[string]any{"name": []any{"ok", "Not_OK", int64(1)}[g.r.IntN(3)], "bogus": "x"}
			}
		}
		if g.chance(0.3) {
			m["unknownField"] = g.scalar()
		}
		return m
	case "array":
		n := g.r.IntN(5)
		l := make([]any, 0, n+1)
		for i := 0; i < n; i++ {
			var items *apiextensionsv1.JSONSchemaProps
			if s.Items != nil {
				items = s.Items.Schema
			}
			l = append(l, g.value(items, depth+1))
		}
		if n > 0 && g.chance(0.3) {
			l = append(l, runtime.DeepCopyJSONValue(l[0]))
		}
		return l
	case "string":
		return sampleStrings[g.r.IntN(len(sampleStrings))]
	case "integer":
		return int64(g.r.IntN(2100) - 50)
	case "number":
		if g.chance(0.5) {
			return int64(g.r.IntN(10))
		}
		return float64(g.r.IntN(300)) / 100
	case "boolean":
		return g.r.IntN(2) == 0
	}
	return g.scalar()
}

func normalizeNumbers(v any) any {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return int64(f)
	}
	return v
}

func diffErrs(got, want field.ErrorList) string {
	return cmp.Diff(normalize(want), normalize(got))
}
