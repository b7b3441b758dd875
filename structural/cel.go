package structural

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// RuleEngine compiles the x-kubernetes-validations rules of a schema. The
// one k1s uses is package celrules (the API server's CEL validator),
// registered by importing it; it is not linked here because linking it
// costs every process start-up time, reads included.
type RuleEngine interface {
	// Compile compiles the rules of props, a schema root and all under
	// it. It returns what the API server refuses in those rules when a
	// CRD with this schema is created (paths from root) instead, if
	// anything.
	Compile(props *apiextensionsv1.JSONSchemaProps, root *field.Path) (CompiledRules, field.ErrorList)
}

// CompiledRules are one schema's compiled rules.
type CompiledRules interface {
	// Validate runs the rules on obj, and the transition rules against
	// old when it is set (an update).
	Validate(ctx context.Context, obj, old map[string]any) field.ErrorList
}

var (
	engineMu sync.RWMutex
	engine   RuleEngine
)

// RegisterRuleEngine sets the engine of x-kubernetes-validations rules
// (package celrules does, when imported).
func RegisterRuleEngine(e RuleEngine) {
	engineMu.Lock()
	defer engineMu.Unlock()
	engine = e
}

func ruleEngine() RuleEngine {
	engineMu.RLock()
	defer engineMu.RUnlock()
	return engine
}

// ErrNoRuleEngine is why a program that links no rule engine refuses
// writes of a type with x-kubernetes-validations rules: it cannot tell
// whether an object passes them, and a write it cannot check is not
// made.
var ErrNoRuleEngine = errors.New("this program links no engine for x-kubernetes-validations rules: import github.com/k1s-dev/k1s/structural/celrules (package k1s does) to write objects of types with rules")

// ruleSet is the CEL state of a schema with x-kubernetes-validations
// rules. Nothing of it is built until the first write of an object of the
// type (Validate, ValidateContext or RuleErrors): building the CEL
// environment and compiling the rules costs milliseconds, and a read
// must not pay for it.
type ruleSet struct {
	props *apiextensionsv1.JSONSchemaProps

	once     sync.Once
	noEngine bool
	compiled CompiledRules
	// crdErrs is what the API server refuses in the rules when the CRD is
	// created, each Field starting with rootMark.
	crdErrs field.ErrorList
}

// rootMark stands for the schema root in the stored paths of crdErrs, to
// be replaced by the path the caller gives (RuleErrors).
const rootMark = "\x00root"

func (r *ruleSet) load() {
	r.once.Do(func() {
		e := ruleEngine()
		if e == nil {
			r.noEngine = true
			return
		}
		r.compiled, r.crdErrs = e.Compile(r.props, field.NewPath(rootMark))
		if len(r.crdErrs) > 0 {
			r.compiled = nil
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
// the first call and the result kept. A schema without rules has none;
// without a rule engine (RegisterRuleEngine) nothing can be said, and
// writes are refused instead (ErrNoRuleEngine).
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
	if s.rules.noEngine {
		return field.ErrorList{field.InternalError(nil, ErrNoRuleEngine)}
	}
	if len(s.rules.crdErrs) > 0 {
		return field.ErrorList{field.InternalError(nil, fmt.Errorf("x-kubernetes-validations rules are invalid: %w", s.RuleErrors(field.NewPath("openAPIV3Schema")).ToAggregate()))}
	}
	if s.rules.compiled == nil {
		return nil
	}
	if e := blockingErr(prior); e != nil {
		return field.ErrorList{e}
	}
	errs := s.rules.compiled.Validate(ctx, obj, old)
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

// HasRuleEngine reports whether a rule engine is registered: a program
// without one refuses writes of types with rules, and the lean k1s CLI
// hands such commands to its full companion instead.
func HasRuleEngine() bool { return ruleEngine() != nil }
