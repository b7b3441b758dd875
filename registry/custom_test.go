package registry

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestIsCustomResource(t *testing.T) {
	for _, tc := range []struct {
		group, source string
		marked        bool
		want          bool
	}{
		{"", "", false, false},
		{"apps", "", false, false},
		{"rbac.authorization.k8s.io", "", false, false},
		{"inventory.example.com", "", false, true},
		{"", "plugins/types.yaml", false, true},
		// A CRD of a Kubernetes group, compiled in.
		{"gateway.networking.k8s.io", "", true, true},
	} {
		typ := &Type{Kind: schema.GroupVersionKind{Group: tc.group, Version: "v1", Kind: "K"}, Source: tc.source, CustomResource: tc.marked}
		if got := typ.IsCustomResource(); got != tc.want {
			t.Errorf("group %q, source %q, CustomResource %v: IsCustomResource() = %v, want %v", tc.group, tc.source, tc.marked, got, tc.want)
		}
	}
}
