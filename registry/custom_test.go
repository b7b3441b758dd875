package registry

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestIsCustomResource(t *testing.T) {
	for _, tc := range []struct {
		group, source string
		want          bool
	}{
		{"", "", false},
		{"apps", "", false},
		{"rbac.authorization.k8s.io", "", false},
		{"inventory.example.com", "", true},
		{"", "plugins/types.yaml", true},
	} {
		typ := &Type{Kind: schema.GroupVersionKind{Group: tc.group, Version: "v1", Kind: "K"}, Source: tc.source}
		if got := typ.IsCustomResource(); got != tc.want {
			t.Errorf("group %q, source %q: IsCustomResource() = %v, want %v", tc.group, tc.source, got, tc.want)
		}
	}
}
