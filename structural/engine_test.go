package structural_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/structural"
	"github.com/k1s-dev/k1s/structural/celrules"
)

// ruled is a schema with one x-kubernetes-validations rule, and one
// whose rule does not compile.
const (
	ruled = `
type: object
properties:
  spec:
    type: object
    x-kubernetes-validations:
    - rule: "self.min <= self.max"
      message: "min must not exceed max"
    properties:
      min: {type: integer}
      max: {type: integer}
`
	broken = `
type: object
properties:
  spec:
    type: object
    x-kubernetes-validations:
    - rule: "self.nosuch > 1"
    properties:
      min: {type: integer}
`
)

// TestRuleEngine checks the engine's registration: with celrules the
// rules run (and a rule that does not compile is reported and refuses
// writes); with no engine, writes of a type with rules are refused with
// ErrNoRuleEngine and nothing is said of the rules, while a type without
// rules is unaffected.
func TestRuleEngine(t *testing.T) {
	bad := map[string]any{"spec": map[string]any{"min": int64(3), "max": int64(1)}}
	if !structural.HasRuleEngine() {
		t.Fatal("celrules imported, no engine registered")
	}
	got := errStrings(structural.Compile(parseSchema(t, ruled)).Validate(bad, nil))
	if len(got) != 1 || !strings.Contains(got[0], "min must not exceed max") {
		t.Errorf("with celrules: %q", got)
	}
	b := structural.Compile(parseSchema(t, broken))
	if errs := b.RuleErrors(field.NewPath("openAPIV3Schema")); len(errs) != 1 || !strings.Contains(errs[0].Error(), "undefined field 'nosuch'") {
		t.Errorf("RuleErrors of a rule that does not compile: %v", errs)
	}
	if got := errStrings(b.Validate(bad, nil)); len(got) != 1 || !strings.Contains(got[0], "x-kubernetes-validations rules are invalid") {
		t.Errorf("write of a type whose rules do not compile: %q", got)
	}

	structural.RegisterRuleEngine(nil)
	defer structural.RegisterRuleEngine(celrules.Engine{})
	if structural.HasRuleEngine() {
		t.Fatal("HasRuleEngine after RegisterRuleEngine(nil)")
	}
	s := structural.Compile(parseSchema(t, ruled))
	if errs := s.RuleErrors(field.NewPath("openAPIV3Schema")); errs != nil {
		t.Errorf("RuleErrors without an engine: %v", errs)
	}
	errs := s.Validate(bad, nil)
	if len(errs) != 1 || errs[0].Type != field.ErrorTypeInternal || !strings.Contains(errs[0].Error(), structural.ErrNoRuleEngine.Error()) {
		t.Errorf("write without an engine: %v", errs)
	}
	plain := structural.Compile(parseSchema(t, "type: object\nproperties:\n  spec: {type: object}\n"))
	if errs := plain.Validate(bad, nil); len(errs) != 0 {
		t.Errorf("a type without rules, without an engine: %v", errs)
	}
}
