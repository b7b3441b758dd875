package structural

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	apiservercel "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/common"
)

// ruleSet is the CEL state of a schema with x-kubernetes-validations
// rules. Nothing of it is built until the first write of an object of the
// type (Validate, ValidateContext or RuleErrors): building the CEL
// environment and compiling the rules costs milliseconds, and a read
// must not pay for it.
type ruleSet struct {
	props *apiextensionsv1.JSONSchemaProps

	once sync.Once
	// structural is the API server's structural form of props, which its
	// CEL validator walks.
	structural *structuralschema.Structural
	validator  *apiservercel.Validator
	// crdErrs is what the API server refuses in the rules when the CRD is
	// created, each Field starting with rootMark.
	crdErrs field.ErrorList
}

// rootMark stands for the schema root in the stored paths of crdErrs, to
// be replaced by the path the caller gives (RuleErrors).
const rootMark = "\x00root"

func (r *ruleSet) load() {
	r.once.Do(func() {
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(r.props, &internal, nil); err != nil {
			r.crdErrs = field.ErrorList{field.InternalError(field.NewPath(rootMark), err)}
			return
		}
		ss, err := structuralschema.NewStructural(&internal)
		if err != nil {
			r.crdErrs = field.ErrorList{field.Invalid(field.NewPath(rootMark), "", err.Error())}
			return
		}
		r.structural = ss
		r.crdErrs = checkRules(ss, field.NewPath(rootMark))
		if len(r.crdErrs) == 0 {
			r.validator = apiservercel.NewValidator(ss, true, celconfig.PerCallLimit)
		}
	})
}

// RuleErrors returns what the API server would refuse in s's
// x-kubernetes-validations rules when a CRD with this schema is created:
// rules that do not compile, messageExpressions that do not, estimated
// costs over the per-expression or per-CRD limits, invalid fieldPaths or
// reasons, oldSelf where it cannot be correlated. Paths start at root
// (for a CRD, "spec.validation.openAPIV3Schema" or
// "spec.versions[i].schema.openAPIV3Schema"). The rules are compiled on
// the first call and the result kept. A schema without rules has none.
func (s *Schema) RuleErrors(root *field.Path) field.ErrorList {
	if s == nil || s.rules == nil {
		return nil
	}
	s.rules.load()
	if len(s.rules.crdErrs) == 0 {
		return nil
	}
	out := make(field.ErrorList, len(s.rules.crdErrs))
	for i, e := range s.rules.crdErrs {
		c := *e
		c.Field = root.String() + strings.TrimPrefix(c.Field, rootMark)
		c.Detail = strings.ReplaceAll(c.Detail, rootMark, root.String())
		out[i] = &c
	}
	return out
}

// validateRules runs s's CEL rules on obj (and old on update) as the API
// server does after its schema checks: not at all when prior, the errors
// found so far, holds one of the kinds it takes to mean the object is
// too broken for rules to say anything useful (then the one error
// saying so), with the runtime cost budget of one custom resource, and
// transition rules (oldSelf) only on update, ratcheted as there.
func (s *Schema) validateRules(ctx context.Context, obj, old map[string]any, prior field.ErrorList) field.ErrorList {
	if s == nil || s.rules == nil || obj == nil {
		return nil
	}
	s.rules.load()
	if len(s.rules.crdErrs) > 0 {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("x-kubernetes-validations rules are invalid: %w", s.RuleErrors(field.NewPath("openAPIV3Schema")).ToAggregate()))}
	}
	if s.rules.validator == nil {
		return nil
	}
	if e := blockingErr(prior); e != nil {
		return field.ErrorList{e}
	}
	var opts []apiservercel.Option
	var oldObj any
	if old != nil {
		oldObj = old
		opts = append(opts, apiservercel.WithRatcheting(common.NewCorrelatedObject(obj, old, &model.Structural{Structural: s.rules.structural})))
	}
	errs, _ := s.rules.validator.Validate(ctx, nil, s.rules.structural, obj, oldObj, celconfig.RuntimeCELCostBudget, opts...)
	// The validator walks objects in map order; k1s reports in path
	// order so that the same object always gets the same message.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

// blockingErr is the API server's hasBlockingErr: a missing, mistyped,
// unsupported, too long or too large value keeps the rules from running,
// with one error saying so.
func blockingErr(errs field.ErrorList) *field.Error {
	for _, e := range errs {
		switch e.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return nil
}
