package registry

import (
	"strings"
	"sync"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// PrintColumn is one column of a type's table output, with the meaning of
// a CRD's additionalPrinterColumns entry.
type PrintColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format,omitempty"`
	Description string `json:"description,omitempty"`
	// JSONPath is evaluated against each object, e.g. ".spec.quantity".
	JSONPath string `json:"jsonPath"`
	// Priority > 0 shows the column only in wide output.
	Priority int32 `json:"priority,omitempty"`
}

// Type describes one served version of a resource type.
type Type struct {
	// Kind is the type's group, version and kind.
	Kind schema.GroupVersionKind `json:"kind"`
	// Resource is the lower-case plural resource name ("configmaps").
	Resource string `json:"resource"`
	// Singular is the lower-case singular name ("configmap").
	Singular   string   `json:"singular,omitempty"`
	ShortNames []string `json:"shortNames,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Namespaced bool     `json:"namespaced"`
	// ListKind is the kind of the type's list ("ConfigMapList").
	ListKind     string        `json:"listKind,omitempty"`
	PrintColumns []PrintColumn `json:"printColumns,omitempty"`
	// StatusSubresource splits .status from the rest of the object:
	// Update ignores it and Status().Update writes only it.
	StatusSubresource bool `json:"statusSubresource,omitempty"`
	// SelectableFields are the JSON paths (".spec.color") usable in field
	// selectors besides metadata.name and metadata.namespace.
	SelectableFields []string `json:"selectableFields,omitempty"`
	// Schema is the type's OpenAPI v3 schema, or nil when it has none or
	// when LoadSchema supplies it. Read it through OpenAPISchema.
	Schema *apiextensionsv1.JSONSchemaProps `json:"schema,omitempty"`
	// LoadSchema, when set and Schema is nil, produces the schema on first
	// use: plugin discovery keeps schemas undecoded so that a read-only
	// command such as `k1s get` never pays for decoding them.
	LoadSchema func() (*apiextensionsv1.JSONSchemaProps, error) `json:"-"`
	// Storage marks the version objects are stored as when a resource has
	// several; it is also the version a bare resource name resolves to.
	Storage bool `json:"storage,omitempty"`
	// NoGeneration marks kinds whose API server strategy keeps no
	// metadata.generation (ConfigMap, Secret, ServiceAccount, Namespace,
	// Event): their objects have none. Every other kind, custom resources
	// always, starts at generation 1 and moves when its spec changes.
	NoGeneration bool `json:"noGeneration,omitempty"`
	// Source is "" for types compiled in (Go types, CRDs embedded in the
	// program) and the manifest path for plugin types. It says where the
	// type came from, not how it is served: see CustomResource.
	Source string `json:"source,omitempty"`
	// CustomResource marks a type a cluster serves through a
	// CustomResourceDefinition, whether it has a Go type or not, for the
	// answers of the API server that differ for custom resources (see
	// IsCustomResource). discovery.CRDTypes sets it.
	CustomResource bool `json:"customResource,omitempty"`

	// lazy memoizes LoadSchema for types held by a Registry.
	lazy *lazySchema
}

type lazySchema struct {
	once   sync.Once
	load   func() (*apiextensionsv1.JSONSchemaProps, error)
	schema *apiextensionsv1.JSONSchemaProps
	err    error
}

// OpenAPISchema returns the type's schema, loading it on first use when
// the type has a LoadSchema hook; nil with a nil error means the type has
// no schema. Safe for concurrent use on types held by a Registry.
func (t *Type) OpenAPISchema() (*apiextensionsv1.JSONSchemaProps, error) {
	switch {
	case t.Schema != nil:
		return t.Schema, nil
	case t.lazy != nil:
		t.lazy.once.Do(func() { t.lazy.schema, t.lazy.err = t.lazy.load() })
		return t.lazy.schema, t.lazy.err
	case t.LoadSchema != nil:
		return t.LoadSchema()
	}
	return nil, nil
}

// GroupVersionResource returns the type's group, version and resource.
func (t *Type) GroupVersionResource() schema.GroupVersionResource {
	return t.Kind.GroupVersion().WithResource(t.Resource)
}

// GroupResource returns the type's group and resource.
func (t *Type) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: t.Kind.Group, Resource: t.Resource}
}

// QualifiedResource is the name kubectl prints in messages:
// "items.inventory.example.com", or "configmaps" for the core group.
func (t *Type) QualifiedResource() string {
	return t.GroupResource().String()
}

// IsPlugin reports whether the type came from a plugin manifest.
func (t *Type) IsPlugin() bool { return t.Source != "" }

// IsCustomResource reports whether a cluster would serve the type through
// a CustomResourceDefinition, which decides some of the API server's
// answers (a table's leading NAME column, no strategic merge patch, no
// update without a resourceVersion): types marked CustomResource, plugin
// types, and types of a group that is not Kubernetes' own (those are "",
// have no dot, as apps, or end in .k8s.io). A CRD of a .k8s.io group
// (gateway.networking.k8s.io) is known only by its mark.
func (t *Type) IsCustomResource() bool {
	g := t.Kind.Group
	return t.CustomResource || t.IsPlugin() || strings.Contains(g, ".") && !strings.HasSuffix(g, ".k8s.io")
}
