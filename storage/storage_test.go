package storage

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestKeyLayout(t *testing.T) {
	items := schema.GroupResource{Group: "inventory.example.com", Resource: "items"}
	namespaces := schema.GroupResource{Resource: "namespaces"}
	tests := []struct {
		name      string
		tenant    string
		gr        schema.GroupResource
		namespace string
		objName   string
		key       string
		prefix    string
	}{
		{"namespaced plugin type", "acme", items, "default", "widget", "/acme/inventory.example.com/items/default/widget", "/acme/inventory.example.com/items/default/"},
		{"cluster-scoped core type", "default", namespaces, "", "kube-system", "/default/core/namespaces/kube-system", "/default/core/namespaces/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := Key(tt.tenant, tt.gr, tt.namespace, tt.objName)
			if key != tt.key {
				t.Errorf("Key = %q, want %q", key, tt.key)
			}
			if p := Prefix(tt.tenant, tt.gr, tt.namespace); p != tt.prefix || !strings.HasPrefix(key, p) {
				t.Errorf("Prefix = %q, want %q (a prefix of %q)", p, tt.prefix, key)
			}
			if !strings.HasPrefix(key, TenantPrefix(tt.tenant)) {
				t.Errorf("key %q is not under its tenant prefix", key)
			}
			got, err := ParseKey(key)
			if err != nil {
				t.Fatal(err)
			}
			want := KeyParts{Tenant: tt.tenant, Resource: tt.gr, Namespace: tt.namespace, Name: tt.objName}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseKey (-want +got):\n%s", diff)
			}
		})
	}
	// A namespace prefix never matches a longer namespace.
	if strings.HasPrefix(Key("t", items, "default", "x"), Prefix("t", items, "def")) {
		t.Error("prefix of namespace \"def\" matches namespace \"default\"")
	}
}

func TestParseKeyRejectsOtherShapes(t *testing.T) {
	for _, key := range []string{"", "relative/core/x/y", "/t/core/x", "/t/core/x/ns/name/extra"} {
		if _, err := ParseKey(key); err == nil {
			t.Errorf("ParseKey(%q) succeeded", key)
		}
	}
}

func TestErrors(t *testing.T) {
	key := Key("t", schema.GroupResource{Group: "inventory.example.com", Resource: "items"}, "default", "widget")
	tests := []struct {
		name  string
		err   error
		check func(error) bool
		want  string
	}{
		{"not found", NewNotFound(key), apierrors.IsNotFound, `items.inventory.example.com "widget" not found`},
		{"already exists", NewAlreadyExists(key), apierrors.IsAlreadyExists, `items.inventory.example.com "widget" already exists`},
		{"conflict", NewConflict(key, 3, 5), apierrors.IsConflict, "resourceVersion 3, current 5"},
		{"gone", NewGone(3, 10), apierrors.IsResourceExpired, "too old resource version: 3 (10)"},
		{"too large", NewTooLarge(key, MaxValueSize+1), apierrors.IsRequestEntityTooLargeError, key},
		{"key outside the layout", NewNotFound("odd"), apierrors.IsNotFound, `"odd" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.check(tt.err) {
				t.Errorf("%v has the wrong reason", tt.err)
			}
			if !strings.Contains(tt.err.Error(), tt.want) {
				t.Errorf("message %q does not contain %q", tt.err.Error(), tt.want)
			}
		})
	}
	if err := CheckSize(key, make([]byte, MaxValueSize)); err != nil {
		t.Errorf("CheckSize at the limit: %v", err)
	}
	if err := CheckSize(key, make([]byte, MaxValueSize+1)); !apierrors.IsRequestEntityTooLargeError(err) {
		t.Errorf("CheckSize over the limit: %v", err)
	}
}
