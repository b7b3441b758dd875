package celrules

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	apiservercel "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	k8scel "k8s.io/apiserver/pkg/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

// The API server's limits on the estimated cost of CRD rules
// (apiextensions validation's StaticEstimatedCostLimit and
// StaticEstimatedCRDCostLimit).
const (
	staticEstimatedCostLimit    = 10000000
	staticEstimatedCRDCostLimit = 100000000
)

var (
	supportedReasons = []string{
		string(apiextensions.FieldValueDuplicate), string(apiextensions.FieldValueForbidden),
		string(apiextensions.FieldValueInvalid), string(apiextensions.FieldValueRequired),
	}
	// crdNewlines are the line breaks the CEL grammar knows; the API
	// server refuses them in messages and field paths.
	crdNewlines = regexp.MustCompile(`[\n\r]+`)
)

// ruleCheck walks a structural schema as the API server validates a
// CRD's schema, checking the x-kubernetes-validations rules only: the
// rest of the schema was checked when the manifest was read.
type ruleCheck struct {
	envSet *environment.EnvSet
	// schemaErrs are the rules' own problems (an empty rule, a bad
	// reason); celErrs are what compiling them finds. The API server
	// lists all of the first before any of the second.
	schemaErrs, celErrs field.ErrorList
	total               uint64
	expensive           []ruleCost
}

type ruleCost struct {
	path *field.Path
	cost uint64
}

// ruleNode is where the walk is: the schema, its path, its CEL type
// when it is in the scope of a rule (nil otherwise), the bound on how
// many times it occurs in an object (nil when unbounded), and the path
// of the nearest enclosing list or map whose elements cannot be matched
// between the old and new object (nil when there is none).
type ruleNode struct {
	s              *structuralschema.Structural
	path           *field.Path
	decl           *k8scel.DeclType
	inScope        bool
	cardinality    *uint64
	uncorrelatable *field.Path
}

// checkRules is the x-kubernetes-validations part of the API server's
// validation of a CRD's schema (ValidateCustomResourceDefinitionOpenAPISchema
// with its CEL schema context), over s at path root.
func checkRules(s *structuralschema.Structural, root *field.Path) field.ErrorList {
	c := &ruleCheck{envSet: environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())}
	one := uint64(1)
	c.node(ruleNode{s: s, path: root, cardinality: &one}, true)
	errs := append(c.schemaErrs, c.celErrs...)
	if c.total > staticEstimatedCRDCostLimit {
		for _, e := range c.expensive {
			errs = append(errs, field.Forbidden(e.path, "contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema"))
		}
		errs = append(errs, field.Forbidden(root, costMessage("x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema", c.total, staticEstimatedCRDCostLimit)))
	}
	return errs
}

// node checks n and the schemas below it, in the API server's order
// (additionalProperties, properties by key, not, allOf, oneOf, anyOf,
// items), and returns how many rule problems (not compile errors) it
// found there: the API server compiles a node's rules only when there
// are none at the node or below.
func (c *ruleCheck) node(n ruleNode, isRoot bool) int {
	s := n.s
	n.inScope = n.inScope || len(s.XValidations) > 0
	if n.inScope && n.decl == nil {
		n.decl = model.SchemaDeclType(s, isRoot || s.XEmbeddedResource)
	}
	found := 0
	if ap := s.AdditionalProperties; ap != nil && ap.Structural != nil {
		found += c.node(n.child(ap.Structural, n.path.Child("additionalProperties"), elem(n.decl), n.uncorrelatable), false)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		p := s.Properties[k]
		unc := n.uncorrelatable
		if unc == nil && !apiservercel.MapIsCorrelatable(s.XMapType) {
			unc = n.path
		}
		found += c.node(n.child(&p, n.path.Child("properties").Key(k), fieldDecl(n.decl, k), unc), false)
	}
	found += c.compositions(s.ValueValidation, n.path)
	if s.Items != nil {
		unc := n.uncorrelatable
		if unc == nil && (s.XListType == nil || *s.XListType != "map") {
			unc = n.path
		}
		found += c.node(n.child(s.Items, n.path.Child("items"), elem(n.decl), unc), false)
	}
	found += c.ruleProblems(s.XValidations, n.path, s)
	if found == 0 && len(s.XValidations) > 0 {
		c.compile(n)
	}
	return found
}

// compositions checks the rules inside not, allOf, oneOf and anyOf:
// their own problems only, as the API server does not compile them when
// it validates a CRD.
func (c *ruleCheck) compositions(v *structuralschema.ValueValidation, path *field.Path) int {
	if v == nil {
		return 0
	}
	found := 0
	if v.Not != nil {
		found += c.nested(v.Not, path.Child("not"))
	}
	for _, group := range []struct {
		name string
		list []structuralschema.NestedValueValidation
	}{{"allOf", v.AllOf}, {"oneOf", v.OneOf}, {"anyOf", v.AnyOf}} {
		for i := range group.list {
			found += c.nested(&group.list[i], path.Child(group.name).Index(i))
		}
	}
	return found
}

// nested checks the rules of a schema inside a composition, and below.
func (c *ruleCheck) nested(v *structuralschema.NestedValueValidation, path *field.Path) int {
	found := 0
	if v.AdditionalProperties != nil {
		found += c.nested(v.AdditionalProperties, path.Child("additionalProperties"))
	}
	for _, k := range slices.Sorted(maps.Keys(v.Properties)) {
		p := v.Properties[k]
		found += c.nested(&p, path.Child("properties").Key(k))
	}
	found += c.compositions(&v.ValueValidation, path)
	if v.Items != nil {
		found += c.nested(v.Items, path.Child("items"))
	}
	return found + c.ruleProblems(v.XValidations, path)
}

// child is the node for schema s below n. Its CEL type is the one n's
// type gives it (decl), or its own when n's gives none.
func (n ruleNode) child(s *structuralschema.Structural, path *field.Path, decl *k8scel.DeclType, unc *field.Path) ruleNode {
	out := ruleNode{s: s, path: path, inScope: n.inScope, uncorrelatable: unc}
	if n.inScope {
		out.decl = decl
	}
	if n.cardinality != nil {
		if m := maxElements(n.s); m != nil {
			v := multiplyWithOverflowGuard(*n.cardinality, *m)
			out.cardinality = &v
		}
	}
	return out
}

func elem(d *k8scel.DeclType) *k8scel.DeclType {
	if d == nil {
		return nil
	}
	return d.ElemType
}

func fieldDecl(d *k8scel.DeclType, name string) *k8scel.DeclType {
	if d == nil {
		return nil
	}
	escaped, ok := k8scel.Escape(name)
	if !ok {
		return nil
	}
	if f, ok := d.Fields[escaped]; ok {
		return f.Type
	}
	return nil
}

// ruleProblems checks each rule on its own, as the API server does
// before compiling: a rule is present, a message or messageExpression
// given is not blank, a message has no line breaks (and is given when
// the rule has some), a reason is one of the four, a fieldPath names a
// field of the schema.
func (c *ruleCheck) ruleProblems(rules apiextensionsv1.ValidationRules, path *field.Path, s ...*structuralschema.Structural) int {
	before := len(c.schemaErrs)
	for i, rule := range rules {
		at := path.Child("x-kubernetes-validations").Index(i)
		c.schemaErrs = append(c.schemaErrs, ruleTextErrs(rule, at)...)
		if rule.Reason != nil && !slices.Contains(supportedReasons, string(*rule.Reason)) {
			c.schemaErrs = append(c.schemaErrs, field.NotSupported(at.Child("reason"), *rule.Reason, supportedReasons))
		}
		c.schemaErrs = append(c.schemaErrs, fieldPathErrs(rule.FieldPath, at.Child("fieldPath"), s)...)
	}
	return len(c.schemaErrs) - before
}

func ruleTextErrs(rule apiextensionsv1.ValidationRule, at *field.Path) field.ErrorList {
	var errs field.ErrorList
	trimmedRule := strings.TrimSpace(rule.Rule)
	trimmedMsg := strings.TrimSpace(rule.Message)
	switch {
	case trimmedRule == "":
		errs = append(errs, field.Required(at.Child("rule"), "rule is not specified"))
	case rule.Message != "" && trimmedMsg == "":
		errs = append(errs, field.Invalid(at.Child("message"), rule.Message, "must be non-empty if specified"))
	case crdNewlines.MatchString(trimmedMsg):
		errs = append(errs, field.Invalid(at.Child("message"), rule.Message, "must not contain line breaks"))
	case crdNewlines.MatchString(trimmedRule) && trimmedMsg == "":
		errs = append(errs, field.Required(at.Child("message"), "message must be specified if rule contains line breaks"))
	}
	if rule.MessageExpression != "" && strings.TrimSpace(rule.MessageExpression) == "" {
		errs = append(errs, field.Required(at.Child("messageExpression"), "messageExpression must be non-empty if specified"))
	}
	return errs
}

// fieldPathErrs checks a rule's fieldPath; s, when given, is the schema
// the rule is on, which the path must lead into.
func fieldPathErrs(fp string, at *field.Path, s []*structuralschema.Structural) field.ErrorList {
	var errs field.ErrorList
	if fp != "" && strings.TrimSpace(fp) == "" {
		errs = append(errs, field.Invalid(at, fp, "must be non-empty if specified"))
	}
	if crdNewlines.MatchString(fp) {
		errs = append(errs, field.Invalid(at, fp, "must not contain line breaks"))
	}
	if fp != "" && len(s) > 0 {
		if _, _, err := apiservercel.ValidFieldPath(fp, s[0]); err != nil {
			errs = append(errs, field.Invalid(at, fp, "must be a valid path"))
		}
	}
	return errs
}

// compile compiles n's rules with the CEL environment a new CRD gets and
// reports what the API server would: compile errors, estimated costs
// over the limit, oldSelf where old and new values cannot be matched.
func (c *ruleCheck) compile(n ruleNode) {
	at := n.path.Child("x-kubernetes-validations")
	if n.decl == nil {
		c.celErrs = append(c.celErrs, field.InternalError(at, fmt.Errorf("internal error: failed to retrieve type information for x-kubernetes-validations")))
		return
	}
	results, err := apiservercel.Compile(n.s, n.decl, celconfig.PerCallLimit, c.envSet, apiservercel.NewExpressionsEnvLoader())
	if err != nil {
		c.celErrs = append(c.celErrs, field.InternalError(at, err))
		return
	}
	for i, cr := range results {
		c.result(n, at.Index(i), n.s.XValidations[i], cr)
	}
}

// result reports on one compiled rule.
func (c *ruleCheck) result(n ruleNode, at *field.Path, rule apiextensionsv1.ValidationRule, cr apiservercel.CompilationResult) {
	// The API server reports the rule in its internal form.
	var internal apiextensions.ValidationRule
	_ = apiextensionsv1.Convert_v1_ValidationRule_To_apiextensions_ValidationRule(&rule, &internal, nil)
	cost := multiplyWithOverflowGuard(cr.MaxCost, cr.MaxCardinality)
	if n.cardinality != nil {
		cost = multiplyWithOverflowGuard(cr.MaxCost, *n.cardinality)
	}
	if cost > staticEstimatedCostLimit {
		c.celErrs = append(c.celErrs, field.Forbidden(at.Child("rule"), costMessage("estimated rule cost", cost, staticEstimatedCostLimit)))
	}
	c.observe(at.Child("rule"), cost)
	if cr.Error != nil {
		if cr.Error.Type == k8scel.ErrorTypeRequired {
			c.celErrs = append(c.celErrs, field.Required(at.Child("rule"), cr.Error.Detail))
		} else {
			c.celErrs = append(c.celErrs, field.Invalid(at.Child("rule"), internal, cr.Error.Detail))
		}
	}
	switch {
	case cr.MessageExpressionError != nil:
		c.celErrs = append(c.celErrs, field.Invalid(at.Child("messageExpression"), internal, cr.MessageExpressionError.Detail))
	case cr.MessageExpression != nil:
		if cr.MessageExpressionMaxCost > staticEstimatedCostLimit {
			c.celErrs = append(c.celErrs, field.Forbidden(at.Child("messageExpression"), costMessage("estimated messageExpression cost", cr.MessageExpressionMaxCost, staticEstimatedCostLimit)))
		}
		c.observe(at.Child("messageExpression"), cr.MessageExpressionMaxCost)
	}
	switch {
	case cr.UsesOldSelf && n.uncorrelatable != nil:
		c.celErrs = append(c.celErrs, field.Invalid(at.Child("rule"), rule.Rule, fmt.Sprintf("oldSelf cannot be used on the uncorrelatable portion of the schema within %v", n.uncorrelatable)))
	case !cr.UsesOldSelf && rule.OptionalOldSelf != nil:
		c.celErrs = append(c.celErrs, field.Invalid(at.Child("optionalOldSelf"), *rule.OptionalOldSelf, "may not be set if oldSelf is not used in rule"))
	}
}

// observe adds one expression's cost to the CRD's total, keeping the four
// most expensive of those that make at least 1% of the limit.
func (c *ruleCheck) observe(path *field.Path, cost uint64) {
	if math.MaxUint64-c.total < cost {
		c.total = math.MaxUint64
	} else {
		c.total += cost
	}
	if cost < staticEstimatedCRDCostLimit/100 {
		return
	}
	c.expensive = append(c.expensive, ruleCost{path: path, cost: cost})
	sort.SliceStable(c.expensive, func(i, j int) bool { return c.expensive[i].cost > c.expensive[j].cost })
	if len(c.expensive) > 4 {
		c.expensive = c.expensive[:4]
	}
}

// maxElements is how many times a schema's children can occur for each
// time it does: maxProperties of a map, maxItems of a list, nil when
// either is unbounded, 1 for anything else.
func maxElements(s *structuralschema.Structural) *uint64 {
	var limit *int64
	switch {
	case s.Type == "object" && s.AdditionalProperties != nil:
		if s.ValueValidation != nil {
			limit = s.ValueValidation.MaxProperties
		}
	case s.Type == "array":
		if s.ValueValidation != nil {
			limit = s.ValueValidation.MaxItems
		}
	default:
		one := uint64(1)
		return &one
	}
	if limit == nil {
		return nil
	}
	v := uint64(max(*limit, 0))
	return &v
}

func multiplyWithOverflowGuard(base, factor uint64) uint64 {
	if base == 0 {
		return 0
	}
	if math.MaxUint64/base < factor {
		return math.MaxUint64
	}
	return base * factor
}

// costMessage is the API server's text for an estimated cost over limit.
func costMessage(what string, cost, limit uint64) string {
	factor := float64(cost) / float64(limit)
	var f string
	switch {
	case factor > 100:
		f = "more than 100x"
	case factor < 1.5:
		f = fmt.Sprintf("%fx", factor)
	default:
		f = fmt.Sprintf("%.1fx", factor)
	}
	return fmt.Sprintf("%s exceeds budget by factor of %s (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)", what, f)
}
