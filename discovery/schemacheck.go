package discovery

import (
	"slices"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// checkSchema validates a type's OpenAPI v3 schema as the API server
// validates a CRD's schema when the CRD is created, and returns what it
// would refuse, in its words and with its field paths
// ("spec.versions[0].schema.openAPIV3Schema.properties[spec].type:
// Unsupported value: "objekt": supported values: ..."). A manifest whose
// schema fails is refused as the API server refuses such a CRD, so that a
// broken schema is one warning naming the file and the field, not an
// error on every write of the type.
//
// It covers the rules a hand-written schema breaks: the structural
// schema invariants (a type at every level unless
// x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields,
// object at the root, items for arrays, no additionalProperties at the
// root or beside x-kubernetes-embedded-resource, string kind and
// apiVersion, object metadata) and the OpenAPI checks (known types, no
// null type, no id, $ref, definitions, dependencies, patternProperties,
// additionalItems or item arrays, no uniqueItems, properties and
// additionalProperties exclusive, no nullable root, the
// x-kubernetes-preserve-unknown-fields, -map-type, -list-type and
// -list-map-keys rules, list keys required or defaulted). CEL rules, defaults, the metadata value rules
// and the rules on the items of list-type set lists are not checked. apiextensions-apiserver's
// validation package would check everything, but linking it makes every
// k1s process start 2.6 times slower with 8.8 MiB more RSS (validation's
// library-choice figures), used or not; a differential test holds this
// one to it.
func checkSchema(s *apiextensionsv1.JSONSchemaProps, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	// A schema the API server cannot build a structural schema from gets
	// no structural checks; why it cannot is said only when nothing else
	// is wrong.
	var errs field.ErrorList
	notStructural := nonStructural(s)
	if notStructural == "" {
		errs = structuralErrs(s, rootLevel, path)
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	}
	if s.Nullable {
		errs = append(errs, field.Forbidden(path.Child("nullable"), "nullable cannot be true at the root"))
	}
	errs = append(errs, openAPIErrs(s, path)...)
	if len(errs) == 0 && notStructural != "" {
		errs = append(errs, field.Invalid(path, "", notStructural))
	}
	return errs
}

// nonStructural returns why the API server's NewStructural refuses s, or
// "" when it does not.
func nonStructural(s *apiextensionsv1.JSONSchemaProps) string {
	if s == nil {
		return ""
	}
	switch {
	case s.Items != nil && len(s.Items.JSONSchemas) != 0:
		return "OpenAPIV3Schema 'items' must be a schema, but is an array"
	case s.XPreserveUnknownFields != nil && !*s.XPreserveUnknownFields:
		return "internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined"
	case s.ID != "":
		return "OpenAPIV3Schema 'id' is not supported"
	case s.Schema != "":
		return "OpenAPIV3Schema 'schema' is not supported"
	case s.Ref != nil && *s.Ref != "":
		return "OpenAPIV3Schema '$ref' is not supported"
	case len(s.PatternProperties) > 0:
		return "OpenAPIV3Schema 'patternProperties' is not supported"
	case len(s.Dependencies) > 0:
		return "OpenAPIV3Schema 'dependencies' is not supported"
	case s.AdditionalItems != nil:
		return "OpenAPIV3Schema 'additionalItems' is not supported"
	case len(s.Definitions) > 0:
		return "OpenAPIV3Schema 'definitions' is not supported"
	}
	children := []*apiextensionsv1.JSONSchemaProps{s.Not}
	if s.Items != nil {
		children = append(children, s.Items.Schema)
	}
	if s.AdditionalProperties != nil {
		children = append(children, s.AdditionalProperties.Schema)
	}
	for _, k := range sortedKeys(s.Properties) {
		p := s.Properties[k]
		children = append(children, &p)
	}
	for _, list := range [][]apiextensionsv1.JSONSchemaProps{s.AllOf, s.AnyOf, s.OneOf} {
		for i := range list {
			children = append(children, &list[i])
		}
	}
	for _, c := range children {
		if why := nonStructural(c); why != "" {
			return why
		}
	}
	return ""
}

// checkCRDSchemas checks the schemas of a CRD's versions. When every
// version has the same schema the API server validates it once, as
// spec.validation (its internal form), and says so in its paths.
func checkCRDSchemas(versions []apiextensionsv1.CustomResourceDefinitionVersion) field.ErrorList {
	same := len(versions) > 0
	for _, v := range versions[min(1, len(versions)):] {
		same = same && apiequality.Semantic.DeepEqual(v.Schema, versions[0].Schema)
	}
	if same {
		if versions[0].Schema == nil {
			return nil
		}
		return checkSchema(versions[0].Schema.OpenAPIV3Schema, field.NewPath("spec", "validation", "openAPIV3Schema"))
	}
	var errs field.ErrorList
	for i, v := range versions {
		if v.Schema != nil {
			errs = append(errs, checkSchema(v.Schema.OpenAPIV3Schema, field.NewPath("spec", "versions").Index(i).Child("schema", "openAPIV3Schema"))...)
		}
	}
	return errs
}

type schemaLevel int

const (
	rootLevel schemaLevel = iota
	itemLevel
	fieldLevel
)

var openAPIV3Types = []string{"array", "boolean", "integer", "number", "object", "string"}

func isTrue(b *bool) bool { return b != nil && *b }

// structuralErrs is the API server's validateStructuralInvariants, the
// part of it that applies to hand-written schemas.
func structuralErrs(s *apiextensionsv1.JSONSchemaProps, lvl schemaLevel, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Type == "array" && (s.Items == nil || s.Items.Schema == nil) {
		errs = append(errs, field.Required(path.Child("items"), "must be specified"))
	}
	if s.Items != nil && s.Items.Schema != nil {
		errs = append(errs, structuralErrs(s.Items.Schema, itemLevel, path.Child("items"))...)
	}
	for _, k := range sortedKeys(s.Properties) {
		p := s.Properties[k]
		errs = append(errs, structuralErrs(&p, fieldLevel, path.Child("properties").Key(k))...)
	}
	if ap := s.AdditionalProperties; ap != nil {
		if lvl == rootLevel {
			errs = append(errs, field.Forbidden(path.Child("additionalProperties"), "must not be used at the root"))
		}
		if ap.Schema != nil {
			errs = append(errs, structuralErrs(ap.Schema, fieldLevel, path.Child("additionalProperties"))...)
		}
	}
	switch {
	case s.XEmbeddedResource && s.Type != "object":
		if s.Type == "" {
			errs = append(errs, field.Required(path.Child("type"), "must be object if x-kubernetes-embedded-resource is true"))
		} else {
			errs = append(errs, field.Invalid(path.Child("type"), s.Type, "must be object if x-kubernetes-embedded-resource is true"))
		}
	case s.Type == "" && !s.XIntOrString && !isTrue(s.XPreserveUnknownFields):
		msg := map[schemaLevel]string{rootLevel: "must not be empty at the root", itemLevel: "must not be empty for specified array items",
			fieldLevel: "must not be empty for specified object fields"}[lvl]
		errs = append(errs, field.Required(path.Child("type"), msg))
	}
	if s.XEmbeddedResource && s.AdditionalProperties != nil {
		errs = append(errs, field.Forbidden(path.Child("additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"))
	}
	if lvl == rootLevel && s.Type != "" && s.Type != "object" {
		errs = append(errs, field.Invalid(path.Child("type"), s.Type, "must be object at the root"))
	}
	checkMeta := lvl == rootLevel || s.XEmbeddedResource
	for _, f := range []string{"kind", "apiVersion"} {
		if p, ok := s.Properties[f]; ok && checkMeta && p.Type != "string" {
			errs = append(errs, field.Invalid(path.Child("properties").Key(f).Child("type"), p.Type, "must be string"))
		}
	}
	if md, ok := s.Properties["metadata"]; ok && checkMeta && md.Type != "object" {
		errs = append(errs, field.Invalid(path.Child("properties").Key("metadata").Child("type"), md.Type, "must be object"))
	}
	if s.XEmbeddedResource && !isTrue(s.XPreserveUnknownFields) && len(s.Properties) == 0 {
		errs = append(errs, field.Required(path.Child("properties"), "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
	}
	return errs
}

// openAPIErrs is the API server's ValidateCustomResourceDefinitionOpenAPISchema
// with its standard validator, less CEL and defaults.
func openAPIErrs(s *apiextensionsv1.JSONSchemaProps, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	if s.Type != "" && !slices.Contains(openAPIV3Types, s.Type) {
		errs = append(errs, field.NotSupported(path.Child("type"), s.Type, openAPIV3Types))
	}
	forbidden := func(set bool, child, detail string) {
		if set {
			errs = append(errs, field.Forbidden(path.Child(child), detail))
		}
	}
	forbidden(s.ID != "", "id", "id is not supported")
	forbidden(s.AdditionalItems != nil, "additionalItems", "additionalItems is not supported")
	forbidden(len(s.PatternProperties) != 0, "patternProperties", "patternProperties is not supported")
	forbidden(len(s.Definitions) != 0, "definitions", "definitions is not supported")
	forbidden(s.Dependencies != nil, "dependencies", "dependencies is not supported")
	forbidden(s.Ref != nil, "$ref", "$ref is not supported")
	forbidden(s.Type == "null", "type", "type cannot be set to null, use nullable as an alternative")
	forbidden(s.Items != nil && len(s.Items.JSONSchemas) != 0, "items", "items must be a schema object and not an array")
	forbidden(s.UniqueItems, "uniqueItems", "uniqueItems cannot be set to true since the runtime complexity becomes quadratic")
	if s.XPreserveUnknownFields != nil && !*s.XPreserveUnknownFields {
		errs = append(errs, field.Invalid(path.Child("x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"))
	}
	errs = append(errs, listMapErrs(s, path)...)
	errs = append(errs, listKeyErrs(s, path)...)
	if ap := s.AdditionalProperties; ap != nil {
		if len(s.Properties) != 0 && (!ap.Allows || ap.Schema != nil) {
			errs = append(errs, field.Forbidden(path.Child("additionalProperties"), "additionalProperties and properties are mutual exclusive"))
		}
		errs = append(errs, openAPIErrs(ap.Schema, path.Child("additionalProperties"))...)
	}
	for _, k := range sortedKeys(s.Properties) {
		p := s.Properties[k]
		errs = append(errs, openAPIErrs(&p, path.Child("properties").Key(k))...)
	}
	errs = append(errs, openAPIErrs(s.Not, path.Child("not"))...)
	for _, group := range []struct {
		name string
		list []apiextensionsv1.JSONSchemaProps
	}{{"allOf", s.AllOf}, {"oneOf", s.OneOf}, {"anyOf", s.AnyOf}} {
		for i := range group.list {
			errs = append(errs, openAPIErrs(&group.list[i], path.Child(group.name).Index(i))...)
		}
	}
	for _, k := range sortedKeys(s.Definitions) {
		d := s.Definitions[k]
		errs = append(errs, openAPIErrs(&d, path.Child("definitions").Key(k))...)
	}
	if s.Items != nil {
		errs = append(errs, openAPIErrs(s.Items.Schema, path.Child("items"))...)
	}
	return errs
}

// listMapErrs checks the x-kubernetes-map-type, -list-type and
// -list-map-keys extensions as the API server does.
func listMapErrs(s *apiextensionsv1.JSONSchemaProps, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	mustBe := func(ext, want string) {
		if s.Type == "" {
			errs = append(errs, field.Required(path.Child("type"), "must be "+want+" if "+ext+" is specified"))
		} else {
			errs = append(errs, field.Invalid(path.Child("type"), s.Type, "must be "+want+" if "+ext+" is specified"))
		}
	}
	if s.XMapType != nil && s.Type != "object" {
		mustBe("x-kubernetes-map-type", "object")
	}
	if s.XMapType != nil && *s.XMapType != "atomic" && *s.XMapType != "granular" {
		errs = append(errs, field.NotSupported(path.Child("x-kubernetes-map-type"), *s.XMapType, []string{"atomic", "granular"}))
	}
	if s.XListType != nil && s.Type != "array" {
		mustBe("x-kubernetes-list-type", "array")
	}
	if s.XListType != nil && *s.XListType != "atomic" && *s.XListType != "set" && *s.XListType != "map" {
		errs = append(errs, field.NotSupported(path.Child("x-kubernetes-list-type"), *s.XListType, []string{"atomic", "set", "map"}))
	}
	if len(s.XListMapKeys) > 0 {
		if s.XListType == nil {
			errs = append(errs, field.Required(path.Child("x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"))
		} else if *s.XListType != "map" {
			errs = append(errs, field.Invalid(path.Child("x-kubernetes-list-type"), *s.XListType, "must be map if x-kubernetes-list-map-keys is non-empty"))
		}
	}
	if s.XListType == nil || *s.XListType != "map" {
		return errs
	}
	if len(s.XListMapKeys) == 0 {
		errs = append(errs, field.Required(path.Child("x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"))
	}
	if s.Items == nil {
		return append(errs, field.Required(path.Child("items"), "must have a schema if x-kubernetes-list-type is map"))
	}
	if s.Items.Schema == nil {
		return append(errs, field.Invalid(path.Child("items"), s.Items, "must only have a single schema if x-kubernetes-list-type is map"))
	}
	items := s.Items.Schema
	if items.Type != "object" {
		return append(errs, field.Invalid(path.Child("items").Child("type"), items.Type, "must be object if parent array's x-kubernetes-list-type is map"))
	}
	seen := map[string]bool{}
	for _, k := range s.XListMapKeys {
		if p, ok := items.Properties[k]; !ok {
			errs = append(errs, field.Invalid(path.Child("x-kubernetes-list-map-keys"), s.XListMapKeys, "entries must all be names of item properties"))
		} else if p.Type == "array" || p.Type == "object" {
			errs = append(errs, field.Invalid(path.Child("items").Child("properties").Key(k).Child("type"), items.Type, "must be a scalar type if parent array's x-kubernetes-list-type is map"))
		}
		if seen[k] {
			errs = append(errs, field.Invalid(path.Child("x-kubernetes-list-map-keys"), s.XListMapKeys, "must not contain duplicate entries"))
		}
		seen[k] = true
	}
	return errs
}

// listKeyErrs is the API server's validateMapListKeysMapSet: items of
// set and map lists are not nullable, map keys are required or
// defaulted, and not nullable.
func listKeyErrs(s *apiextensionsv1.JSONSchemaProps, path *field.Path) field.ErrorList {
	if s.Items == nil || s.Items.Schema == nil || s.XListType == nil || *s.XListType != "set" && *s.XListType != "map" {
		return nil
	}
	var errs field.ErrorList
	items := s.Items.Schema
	if items.Nullable {
		errs = append(errs, field.Forbidden(path.Child("items").Child("nullable"), "cannot be nullable when x-kubernetes-list-type is "+*s.XListType))
	}
	if *s.XListType != "map" {
		return errs
	}
	for _, k := range s.XListMapKeys {
		p, ok := items.Properties[k]
		if !ok {
			continue
		}
		if !slices.Contains(items.Required, k) && p.Default == nil {
			errs = append(errs, field.Required(path.Child("items").Child("properties").Key(k).Child("default"), "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"))
		}
		if p.Nullable {
			errs = append(errs, field.Forbidden(path.Child("items").Child("properties").Key(k).Child("nullable"), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
