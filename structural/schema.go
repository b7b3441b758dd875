package structural

import (
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Schema is one compiled node of an OpenAPI v3 schema.
type Schema struct {
	// Type is "object", "array", "string", "integer", "number", "boolean"
	// or "" (any type).
	Type   string
	Format string
	// Nullable allows null in place of a value of Type.
	Nullable bool
	// IntOrString is x-kubernetes-int-or-string: an integer or a string.
	IntOrString bool
	// PreserveUnknownFields is x-kubernetes-preserve-unknown-fields: true.
	PreserveUnknownFields bool
	// EmbeddedResource is x-kubernetes-embedded-resource: the value is a
	// whole object with apiVersion, kind and metadata.
	EmbeddedResource bool
	// ListType is x-kubernetes-list-type ("atomic", "set", "map" or "").
	ListType    string
	ListMapKeys []string
	// MapType is x-kubernetes-map-type ("granular", "atomic" or "").
	MapType string

	Properties map[string]*Schema
	// PropertyNames are the keys of Properties, sorted, so walks report
	// errors in a stable order without sorting per object.
	PropertyNames []string
	// AdditionalProperties is the schema of keys not in Properties, nil
	// when additionalProperties is absent or a bool.
	AdditionalProperties *Schema
	// AdditionalPropertiesSet is true when additionalProperties is present
	// (as a schema or a bool); AdditionalPropertiesAllowed is its value
	// when it is a bool (true when it is a schema).
	AdditionalPropertiesSet     bool
	AdditionalPropertiesAllowed bool
	Items                       *Schema

	// Default is the decoded default value; HasDefault tells a null
	// default from none.
	Default    any
	HasDefault bool

	Required []string
	// Enum holds the decoded enum values; nil means no enum.
	Enum []any
	// Pattern is the compiled pattern; PatternSource is the text and
	// PatternError is set when it does not compile.
	Pattern       *regexp.Regexp
	PatternSource string
	PatternError  error

	Maximum          *float64
	ExclusiveMaximum bool
	Minimum          *float64
	ExclusiveMinimum bool
	MultipleOf       *float64
	MaxLength        *int64
	MinLength        *int64
	MaxItems         *int64
	MinItems         *int64
	UniqueItems      bool
	MaxProperties    *int64
	MinProperties    *int64

	AllOf []*Schema
	AnyOf []*Schema
	OneOf []*Schema
	Not   *Schema

	// HasListTypes and HasEmbedded tell whether this node or any node
	// below it (through properties, additionalProperties and items) is a
	// set or map list, or an embedded resource, so that the walks for
	// those checks skip the subtrees that have none.
	HasListTypes bool
	HasEmbedded  bool
	// HasRules tells whether this node or any node below it has
	// x-kubernetes-validations (CEL) rules.
	HasRules bool

	// rules is the CEL state of a schema with rules, built on first use
	// (see cel.go) so that a process that never writes pays nothing.
	rules *ruleSet
}

// cache maps a *apiextensionsv1.JSONSchemaProps to its *Schema. Schemas
// in a registry are never mutated after registration (and lazily loaded
// ones are memoized), so the pointer is a sound key, and a process
// validates a handful of types. A caller that hands in a freshly decoded
// schema every time would grow the cache without bound, so it is
// emptied when it holds more than maxCached schemas.
var (
	cache     sync.Map
	cached    atomic.Int64
	maxCached int64 = 1024
)

// For returns the compiled form of p, compiling it on first use. It
// returns nil for a nil p. Concurrent first calls may compile twice;
// both results are equal and one wins.
func For(p *apiextensionsv1.JSONSchemaProps) *Schema {
	if p == nil {
		return nil
	}
	if s, ok := cache.Load(p); ok {
		return s.(*Schema)
	}
	if cached.Add(1) > maxCached {
		cache.Clear()
		cached.Store(1)
	}
	s, _ := cache.LoadOrStore(p, Compile(p))
	return s.(*Schema)
}

// Compile converts p without consulting the cache. Malformed parts (a
// default or enum value that is not JSON, a pattern that does not
// compile) never fail compilation: defaults and enum values that do not
// decode are dropped, and a bad pattern is reported by validation of
// every value it applies to, as the API server does.
func Compile(p *apiextensionsv1.JSONSchemaProps) *Schema {
	if p == nil {
		return nil
	}
	s := &Schema{
		Type:             p.Type,
		Format:           p.Format,
		Nullable:         p.Nullable,
		IntOrString:      p.XIntOrString,
		EmbeddedResource: p.XEmbeddedResource,
		ListMapKeys:      p.XListMapKeys,
		Required:         p.Required,
		Maximum:          p.Maximum,
		ExclusiveMaximum: p.ExclusiveMaximum,
		Minimum:          p.Minimum,
		ExclusiveMinimum: p.ExclusiveMinimum,
		MultipleOf:       p.MultipleOf,
		MaxLength:        p.MaxLength,
		MinLength:        p.MinLength,
		MaxItems:         p.MaxItems,
		MinItems:         p.MinItems,
		UniqueItems:      p.UniqueItems,
		MaxProperties:    p.MaxProperties,
		MinProperties:    p.MinProperties,
	}
	s.extensions(p)
	s.values(p)
	s.children(p)
	s.AllOf = compileAll(p.AllOf)
	s.AnyOf = compileAll(p.AnyOf)
	s.OneOf = compileAll(p.OneOf)
	s.Not = Compile(p.Not)
	s.HasListTypes = s.ListType == "set" || s.ListType == "map"
	s.HasEmbedded = s.EmbeddedResource
	s.HasRules = len(p.XValidations) > 0
	for _, c := range append([]*Schema{s.AdditionalProperties, s.Items}, mapValues(s.Properties)...) {
		if c != nil {
			s.HasListTypes = s.HasListTypes || c.HasListTypes
			s.HasEmbedded = s.HasEmbedded || c.HasEmbedded
			s.HasRules = s.HasRules || c.HasRules
		}
	}
	for _, c := range slices.Concat(s.AllOf, s.AnyOf, s.OneOf, []*Schema{s.Not}) {
		s.HasRules = s.HasRules || c != nil && c.HasRules
	}
	if s.HasRules {
		s.rules = &ruleSet{props: p}
	}
	return s
}

// extensions reads the x-kubernetes-* extensions that are pointers.
func (s *Schema) extensions(p *apiextensionsv1.JSONSchemaProps) {
	if p.XPreserveUnknownFields != nil {
		s.PreserveUnknownFields = *p.XPreserveUnknownFields
	}
	if p.XListType != nil {
		s.ListType = *p.XListType
	}
	if p.XMapType != nil {
		s.MapType = *p.XMapType
	}
}

// values decodes the default and enum values and compiles the pattern.
func (s *Schema) values(p *apiextensionsv1.JSONSchemaProps) {
	if p.Default != nil {
		if v, ok := decode(p.Default.Raw); ok {
			s.Default, s.HasDefault = v, true
		}
	}
	if p.Enum != nil {
		s.Enum = make([]any, 0, len(p.Enum))
		for _, e := range p.Enum {
			if v, ok := decode(e.Raw); ok {
				s.Enum = append(s.Enum, v)
			}
		}
	}
	if p.Pattern != "" {
		s.PatternSource = p.Pattern
		s.Pattern, s.PatternError = regexp.Compile(p.Pattern)
	}
}

// children compiles properties, additionalProperties and items.
func (s *Schema) children(p *apiextensionsv1.JSONSchemaProps) {
	if len(p.Properties) > 0 {
		s.Properties = make(map[string]*Schema, len(p.Properties))
		s.PropertyNames = make([]string, 0, len(p.Properties))
		for k := range p.Properties {
			prop := p.Properties[k]
			s.Properties[k] = Compile(&prop)
			s.PropertyNames = append(s.PropertyNames, k)
		}
		sort.Strings(s.PropertyNames)
	}
	if ap := p.AdditionalProperties; ap != nil {
		s.AdditionalPropertiesSet = true
		s.AdditionalPropertiesAllowed = ap.Allows || ap.Schema != nil
		s.AdditionalProperties = Compile(ap.Schema)
	}
	if p.Items != nil {
		// CRDs forbid the tuple form of items; its first schema is the
		// closest meaning if a hand-built schema uses it anyway.
		if p.Items.Schema != nil {
			s.Items = Compile(p.Items.Schema)
		} else if len(p.Items.JSONSchemas) > 0 {
			s.Items = Compile(&p.Items.JSONSchemas[0])
		}
	}
}

func mapValues(m map[string]*Schema) []*Schema {
	out := make([]*Schema, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func compileAll(ps []apiextensionsv1.JSONSchemaProps) []*Schema {
	if len(ps) == 0 {
		return nil
	}
	out := make([]*Schema, len(ps))
	for i := range ps {
		out[i] = Compile(&ps[i])
	}
	return out
}

// decode parses a JSON value the way unstructured objects hold it:
// integers as int64, other numbers as float64.
func decode(raw []byte) (any, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var v any
	if err := utiljson.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	return v, true
}

// Property returns the schema for key k of an object described by s: the
// named property, else the additionalProperties schema, else nil.
func (s *Schema) Property(k string) *Schema {
	if s == nil {
		return nil
	}
	if p, ok := s.Properties[k]; ok {
		return p
	}
	return s.AdditionalProperties
}

// items is s's Items, nil for a nil s.
func (s *Schema) items() *Schema {
	if s == nil {
		return nil
	}
	return s.Items
}
