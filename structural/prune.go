package structural

import (
	"slices"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Apply does to obj what the API server does to a custom resource
// before validating it: it prunes fields the schema does not know
// (stopping below x-kubernetes-preserve-unknown-fields, keeping
// apiVersion, kind and metadata of the object and of embedded
// resources), drops nulls the schema neither allows nor defaults,
// normalises the metadata of embedded resources, and applies defaults at
// every level. It is Prune followed by ApplyDefaults. A nil s or obj is left
// alone.
func (s *Schema) Apply(obj map[string]any) {
	if s != nil && obj != nil {
		prune(s, obj)
		defaultValue(obj, s)
	}
}

// Prune is the first half of Apply: it removes unknown fields and
// non-nullable nulls without a default, and coerces the metadata of
// embedded resources to ObjectMeta's fields. It returns the paths of the
// pruned unknown fields ("spec.colour", "spec.items[0].x"), sorted, for
// the API server's `unknown field "spec.colour"` warnings.
func (s *Schema) Prune(obj map[string]any) []string {
	if s != nil && obj != nil {
		return prune(s, obj)
	}
	return nil
}

// ApplyDefaults is the second half of Apply: it applies the schema's
// defaults the API server's way. A property's default is set when the
// property is absent (or null and not nullable); defaults inside an
// object apply only when that object exists (or was just defaulted into
// existence); items and additionalProperties values are defaulted as
// their own schema says. Values are deep-copied from the schema.
func (s *Schema) ApplyDefaults(obj map[string]any) {
	if s != nil && obj != nil {
		defaultValue(obj, s)
	}
}

func prune(s *Schema, obj map[string]any) []string {
	p := pruner{}
	root := *s
	root.EmbeddedResource = true
	p.prune(obj, &root, "", true)
	pruneNulls(obj, s)
	slices.Sort(p.unknown)
	return p.unknown
}

func isNonNullableNull(x any, s *Schema) bool {
	return x == nil && s != nil && !s.Nullable
}

func defaultValue(x any, s *Schema) {
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
				x[k] = DeepCopy(prop.Default)
			}
		}
		for k, v := range x {
			if prop, found := s.Properties[k]; found {
				defaultValue(v, prop)
			} else if ap := s.AdditionalProperties; ap != nil {
				if isNonNullableNull(v, ap) && ap.HasDefault {
					v = DeepCopy(ap.Default)
					x[k] = v
				}
				defaultValue(v, ap)
			}
		}
	case []any:
		for i, v := range x {
			if isNonNullableNull(v, s.Items) && s.Items.HasDefault {
				v = DeepCopy(s.Items.Default)
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

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func (p *pruner) prune(x any, s *Schema, path string, root bool) {
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
		p.fields(x, s, path, false)
	case []any:
		for i, v := range x {
			p.prune(v, s.items(), indexPath(path, i), false)
		}
	}
}

// fields prunes the values of object x described by s. Unknown fields
// are removed, unless preserve (x-kubernetes-preserve-unknown-fields)
// keeps them; apiVersion, kind and metadata of an embedded resource are
// left alone.
func (p *pruner) fields(x map[string]any, s *Schema, path string, preserve bool) {
	for k, v := range x {
		if s.EmbeddedResource && metaFields[k] {
			continue
		}
		prop, described := s.Properties[k]
		switch {
		case described:
			p.prune(v, prop, join(path, k), false)
		case s.AdditionalProperties != nil || !preserve && s.AdditionalPropertiesSet:
			p.prune(v, s.AdditionalProperties, join(path, k), false)
		case !preserve:
			p.record(join(path, k))
			delete(x, k)
		}
	}
}

// skip walks a preserve-unknown-fields subtree: nothing here is pruned,
// but properties the schema does describe are pruned as usual.
func (p *pruner) skip(x any, s *Schema, path string) {
	switch x := x.(type) {
	case map[string]any:
		if s.EmbeddedResource {
			coerceMetadata(x)
		}
		p.fields(x, s, path, true)
	case []any:
		if s.Items == nil {
			return
		}
		for i, v := range x {
			p.skip(v, s.Items, indexPath(path, i))
		}
	}
}

func pruneNulls(x any, s *Schema) {
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
		for _, v := range x {
			pruneNulls(v, s.items())
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
