package defaulting

import (
	"k8s.io/apimachinery/pkg/runtime"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/internal/structural"
	"github.com/k1s-dev/k1s/registry"
)

// ApplySchema does to obj what the API server does to a custom resource
// before validating it: it prunes fields the schema does not know
// (stopping below x-kubernetes-preserve-unknown-fields, keeping
// apiVersion, kind and metadata of the object and of embedded
// resources), drops nulls the schema neither allows nor defaults,
// normalises the metadata of embedded resources, and applies defaults at
// every level. It is Prune followed by Default. It does nothing when t
// or its schema is nil, or when the schema cannot be loaded
// (validation.ValidateSchema reports that).
func ApplySchema(t *registry.Type, obj map[string]any) {
	if s := compiled(t, obj); s != nil {
		prune(s, obj)
		defaultValue(obj, s)
	}
}

// Prune is the first half of ApplySchema: it removes unknown fields and
// non-nullable nulls without a default, and coerces the metadata of
// embedded resources to ObjectMeta's fields. It returns the paths of the
// pruned unknown fields ("spec.colour", "spec.items[0].x"), sorted, for
// the API server's `unknown field "spec.colour"` warnings.
func Prune(t *registry.Type, obj map[string]any) []string {
	if s := compiled(t, obj); s != nil {
		return prune(s, obj)
	}
	return nil
}

// Default is the second half of ApplySchema: it applies the schema's
// defaults the API server's way. A property's default is set when the
// property is absent (or null and not nullable); defaults inside an
// object apply only when that object exists (or was just defaulted into
// existence); items and additionalProperties values are defaulted as
// their own schema says. Values are deep-copied from the schema.
func Default(t *registry.Type, obj map[string]any) {
	if s := compiled(t, obj); s != nil {
		defaultValue(obj, s)
	}
}

// compiled returns t's compiled schema, or nil when there is nothing to
// do.
func compiled(t *registry.Type, obj map[string]any) *structural.Schema {
	if t == nil || obj == nil {
		return nil
	}
	schema, err := t.OpenAPISchema()
	if err != nil || schema == nil {
		// A schema that cannot be loaded is reported by validation.
		return nil
	}
	return structural.For(schema)
}

func prune(s *structural.Schema, obj map[string]any) []string {
	p := pruner{}
	root := *s
	root.EmbeddedResource = true
	p.prune(obj, &root, "", true)
	pruneNulls(obj, s)
	return p.sorted()
}

func isNonNullableNull(x any, s *structural.Schema) bool {
	return x == nil && s != nil && !s.Nullable
}

func defaultValue(x any, s *structural.Schema) {
	if s == nil {
		return
	}
	switch x := x.(type) {
	case map[string]any:
		for k, prop := range s.Properties {
			if !prop.HasDefault {
				continue
			}
			if v, found := x[k]; !found || isNonNullableNull(v, prop) {
				x[k] = structural.DeepCopy(prop.Default)
			}
		}
		for k, v := range x {
			if prop, found := s.Properties[k]; found {
				defaultValue(v, prop)
			} else if ap := s.AdditionalProperties; ap != nil {
				if isNonNullableNull(v, ap) && ap.HasDefault {
					v = structural.DeepCopy(ap.Default)
					x[k] = v
				}
				defaultValue(v, ap)
			}
		}
	case []any:
		for i, v := range x {
			if isNonNullableNull(v, s.Items) && s.Items.HasDefault {
				v = structural.DeepCopy(s.Items.Default)
				x[i] = v
			}
			defaultValue(v, s.Items)
		}
	}
}

// metaFields are kept at a resource root and in embedded resources
// whatever the schema says: they are the object's identity, validated
// separately.
var metaFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true}

type pruner struct {
	unknown []string
}

func (p *pruner) record(path string) { p.unknown = append(p.unknown, path) }

func (p *pruner) sorted() []string {
	sortStrings(p.unknown)
	return p.unknown
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (p *pruner) prune(x any, s *structural.Schema, path string, root bool) {
	if s != nil && s.PreserveUnknownFields {
		p.skip(x, s, path)
		return
	}
	switch x := x.(type) {
	case map[string]any:
		if s == nil {
			for k := range x {
				p.record(join(path, k))
				delete(x, k)
			}
			return
		}
		if s.EmbeddedResource && !root {
			coerceMetadata(x)
		}
		for k, v := range x {
			if s.EmbeddedResource && metaFields[k] {
				continue
			}
			if prop, ok := s.Properties[k]; ok {
				p.prune(v, prop, join(path, k), false)
			} else if s.AdditionalPropertiesSet {
				p.prune(v, s.AdditionalProperties, join(path, k), false)
			} else {
				p.record(join(path, k))
				delete(x, k)
			}
		}
	case []any:
		var items *structural.Schema
		if s != nil {
			items = s.Items
		}
		for i, v := range x {
			p.prune(v, items, indexPath(path, i), false)
		}
	}
}

// skip walks a preserve-unknown-fields subtree: nothing here is pruned,
// but properties the schema does describe are pruned as usual.
func (p *pruner) skip(x any, s *structural.Schema, path string) {
	switch x := x.(type) {
	case map[string]any:
		if s.EmbeddedResource {
			coerceMetadata(x)
		}
		for k, v := range x {
			if s.EmbeddedResource && metaFields[k] {
				continue
			}
			if prop, ok := s.Properties[k]; ok {
				p.prune(v, prop, join(path, k), false)
			} else if s.AdditionalProperties != nil {
				p.prune(v, s.AdditionalProperties, join(path, k), false)
			}
		}
	case []any:
		if s.Items == nil {
			return
		}
		for i, v := range x {
			p.skip(v, s.Items, indexPath(path, i))
		}
	}
}

func pruneNulls(x any, s *structural.Schema) {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			ps := s.Property(k)
			if v == nil && ps != nil && !ps.Nullable && !ps.HasDefault {
				delete(x, k)
			} else {
				pruneNulls(v, ps)
			}
		}
	case []any:
		var items *structural.Schema
		if s != nil {
			items = s.Items
		}
		for _, v := range x {
			pruneNulls(v, items)
		}
	}
}

// coerceMetadata normalises an embedded resource as the API server does
// when it decodes one: apiVersion and kind that are not strings are
// dropped, and metadata keeps only ObjectMeta's fields, each field that
// does not decode dropped on its own, a zero creationTimestamp left out.
func coerceMetadata(x map[string]any) {
	for _, k := range []string{"apiVersion", "kind"} {
		if v, ok := x[k]; ok {
			if _, isStr := v.(string); !isStr {
				delete(x, k)
			}
		}
	}
	md, found := x["metadata"]
	if !found {
		return
	}
	m, ok := md.(map[string]any)
	if !ok {
		if md == nil {
			x["metadata"] = map[string]any{}
		}
		// Anything else is left for validation to reject.
		return
	}
	var meta metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &meta); err != nil {
		good := make(map[string]any, len(m))
		for k, v := range m {
			var probe metav1.ObjectMeta
			if runtime.DefaultUnstructuredConverter.FromUnstructured(map[string]any{k: v}, &probe) == nil {
				good[k] = v
			}
		}
		meta = metav1.ObjectMeta{}
		// Each field decoded alone, so together they decode too.
		_ = runtime.DefaultUnstructuredConverter.FromUnstructured(good, &meta)
	}
	out, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&meta)
	if err != nil {
		return
	}
	if meta.CreationTimestamp.IsZero() {
		delete(out, "creationTimestamp")
	}
	x["metadata"] = out
}
