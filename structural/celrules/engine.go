// Package celrules is the engine of x-kubernetes-validations rules:
// kube-apiserver's own CEL validator (k8s.io/apiextensions-apiserver's
// schema/cel over cel-go and k8s.io/apiserver's CEL libraries), so that
// every rule compiles, costs and answers as on the API server.
//
// Importing it registers it with package structural. It is a package of
// its own because linking it costs every process that does, reads
// included, ~15 ms of package initialisation and ~7 MB of RSS
// (BENCHMARKS.md, "CEL validation rules"): kube-openapi's strfmt
// registry, component-base's metrics and feature gates, cel-go's
// descriptors. The k1s library (package k1s) and the full CLI
// (cmd/k1s-etcd) import it; the lean k1s CLI does not, and hands the
// commands that write to the full one.
package celrules

import (
	"context"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	apiservercel "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/common"

	"github.com/k1s-dev/k1s/structural"
)

func init() { structural.RegisterRuleEngine(Engine{}) }

// Engine is the API server's CEL validator as a structural.RuleEngine.
type Engine struct{}

// Compile builds the API server's structural schema of props, checks its
// rules as the API server checks a new CRD's (paths from root) and, when
// they pass, its validator.
func (Engine) Compile(props *apiextensionsv1.JSONSchemaProps, root *field.Path) (structural.CompiledRules, field.ErrorList) {
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(props, &internal, nil); err != nil {
		return nil, field.ErrorList{field.InternalError(root, err)}
	}
	ss, err := structuralschema.NewStructural(&internal)
	if err != nil {
		return nil, field.ErrorList{field.Invalid(root, "", err.Error())}
	}
	if errs := checkRules(ss, root); len(errs) > 0 {
		return nil, errs
	}
	return &compiled{structural: ss, validator: apiservercel.NewValidator(ss, true, celconfig.PerCallLimit)}, nil
}

// compiled is one schema's validator and the structural schema it walks.
type compiled struct {
	structural *structuralschema.Structural
	validator  *apiservercel.Validator
}

// Validate runs the rules with the runtime cost budget of one custom
// resource, transition rules (oldSelf) only when old is set, ratcheted
// as on the API server.
func (c *compiled) Validate(ctx context.Context, obj, old map[string]any) field.ErrorList {
	var opts []apiservercel.Option
	var oldObj any
	if old != nil {
		oldObj = old
		opts = append(opts, apiservercel.WithRatcheting(common.NewCorrelatedObject(obj, old, &model.Structural{Structural: c.structural})))
	}
	errs, _ := c.validator.Validate(ctx, nil, c.structural, obj, oldObj, celconfig.RuntimeCELCostBudget, opts...)
	return errs
}
