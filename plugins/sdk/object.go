package sdk

import (
	"encoding/json"
	"sort"
)

// Unstructured is an object as JSON holds it, as apimachinery's
// unstructured.Unstructured (whose weight a plugin need not carry).
type Unstructured struct {
	Object map[string]any
}

// MarshalJSON implements json.Marshaler.
func (u *Unstructured) MarshalJSON() ([]byte, error) { return json.Marshal(u.Object) }

// UnmarshalJSON implements json.Unmarshaler.
func (u *Unstructured) UnmarshalJSON(b []byte) error {
	u.Object = nil
	return json.Unmarshal(b, &u.Object)
}

// DeepCopy returns a copy sharing nothing with u.
func (u *Unstructured) DeepCopy() *Unstructured {
	b, _ := json.Marshal(u.Object)
	out := &Unstructured{}
	_ = json.Unmarshal(b, &out.Object)
	return out
}

// GetAPIVersion returns apiVersion.
func (u *Unstructured) GetAPIVersion() string { s, _ := u.Nested("apiVersion").(string); return s }

// GetKind returns kind.
func (u *Unstructured) GetKind() string { s, _ := u.Nested("kind").(string); return s }

// SetAPIVersionKind sets apiVersion and kind.
func (u *Unstructured) SetAPIVersionKind(apiVersion, kind string) {
	u.SetNested(apiVersion, "apiVersion")
	u.SetNested(kind, "kind")
}

// GetName returns metadata.name.
func (u *Unstructured) GetName() string { s, _ := u.Nested("metadata", "name").(string); return s }

// GetNamespace returns metadata.namespace.
func (u *Unstructured) GetNamespace() string {
	s, _ := u.Nested("metadata", "namespace").(string)
	return s
}

// GetLabels returns metadata.labels (nil when there are none).
func (u *Unstructured) GetLabels() map[string]string {
	m, _ := u.Nested("metadata", "labels").(map[string]any)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// SetLabels sets metadata.labels.
func (u *Unstructured) SetLabels(labels map[string]string) {
	m := make(map[string]any, len(labels))
	for k, v := range labels {
		m[k] = v
	}
	u.SetNested(m, "metadata", "labels")
}

// Nested returns the value at path, or nil.
func (u *Unstructured) Nested(path ...string) any {
	var cur any = u.Object
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// NestedString returns the string at path ("" when absent or not a string).
func (u *Unstructured) NestedString(path ...string) string {
	s, _ := u.Nested(path...).(string)
	return s
}

// SetNested sets the value at path, creating the maps on the way (and
// replacing what is not a map).
func (u *Unstructured) SetNested(value any, path ...string) {
	if u.Object == nil {
		u.Object = map[string]any{}
	}
	cur := u.Object
	for _, p := range path[:len(path)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	cur[path[len(path)-1]] = value
}

// UnstructuredList is a list as JSON holds it.
type UnstructuredList struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Items      []Unstructured `json:"items"`
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
