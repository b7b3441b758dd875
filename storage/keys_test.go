package storage

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// keyTuple is one object's identity; a resource is namespaced or not
// (here: by the parity of its length), never both, as in a registry.
type keyTuple struct {
	tenant, group, resource, namespace, name string
}

func (k keyTuple) gr() schema.GroupResource {
	return schema.GroupResource{Group: k.group, Resource: k.resource}
}

func (k keyTuple) namespaced() bool { return len(k.resource)%2 == 0 }

// valid reports whether the tuple names an object: its segments pass
// ValidateKey and its namespace matches its resource's scope.
func (k keyTuple) valid() bool {
	return ValidateKey(k.tenant, k.gr(), k.namespace, k.name) == nil && k.namespaced() == (k.namespace != "")
}

func (k keyTuple) key() string { return Key(k.tenant, k.gr(), k.namespace, k.name) }

// FuzzKeyLayout checks that the key layout is injective over valid
// tuples — no two distinct objects share a key — that a list prefix
// selects exactly its tenant's objects of its resource (and namespace),
// that no key is a prefix of another resource's list prefix, and that a
// key is taken apart into its tuple. Colliding tuples such as tenant
// "a/core" with group "secrets" and tenant "a" with the core group are
// always refused by ValidateKey.
func FuzzKeyLayout(f *testing.F) {
	f.Add("a/core", "secrets", "default", "", "s", "a", "", "secrets", "default", "s")
	f.Add("a", "core", "secrets", "", "default", "a", "", "secrets", "default", "x")
	f.Add("t", "k1s.io", "dependents", "", "x", "t", "", "dependents", "", "x")
	f.Add("t", "g.io", "rr", "ns", "..", "t", "g.io", "rr", "ns", "a")
	f.Add("t", "g.io", "rrr", "", "x", "t", "g.io", "rr", "x", "y")
	f.Add("t", "g.io", "rr", "x", "y", "t", "g.io", "rrr", "", "x/y")
	f.Add("default", "", "configmaps", "default", "a", "default", "", "configmaps", "default", "a")
	f.Fuzz(func(t *testing.T, t1, g1, r1, n1, o1, t2, g2, r2, n2, o2 string) {
		a := keyTuple{t1, g1, r1, n1, o1}
		b := keyTuple{t2, g2, r2, n2, o2}
		if a != b && a.key() == b.key() && a.valid() && b.valid() {
			t.Fatalf("%+v and %+v share the key %q", a, b, a.key())
		}
		if !a.valid() || !b.valid() {
			return
		}
		got, err := ParseKey(a.key())
		if err != nil || got != (KeyParts{Tenant: a.tenant, Resource: a.gr(), Namespace: a.namespace, Name: a.name}) {
			t.Fatalf("ParseKey(%q) = %+v, %v", a.key(), got, err)
		}
		for _, ns := range []string{"", a.namespace} {
			p := Prefix(a.tenant, a.gr(), ns)
			want := b.tenant == a.tenant && b.gr() == a.gr() && (ns == "" || b.namespace == ns)
			if strings.HasPrefix(b.key(), p) != want {
				t.Fatalf("key %q under prefix %q: %v, want %v", b.key(), p, !want, want)
			}
			if (b.tenant != a.tenant || b.gr() != a.gr()) && strings.HasPrefix(p, b.key()) {
				t.Fatalf("key %q is a prefix of %q", b.key(), p)
			}
		}
		if strings.HasPrefix(b.key(), TenantPrefix(a.tenant)) != (a.tenant == b.tenant) {
			t.Fatalf("key %q and tenant prefix %q", b.key(), TenantPrefix(a.tenant))
		}
	})
}

func TestValidateKey(t *testing.T) {
	secrets := schema.GroupResource{Resource: "secrets"}
	for _, tc := range []struct {
		tenant    string
		gr        schema.GroupResource
		namespace string
		name      string
		want      string
	}{
		{"default", secrets, "default", "s", ""},
		{"a/core", secrets, "default", "s", `invalid tenant "a/core": a lowercase RFC 1123 label must consist of`},
		{"../x/..", secrets, "default", "s", `invalid tenant "../x/.."`},
		{"a b", secrets, "default", "s", `invalid tenant "a b"`},
		{"", secrets, "default", "s", `invalid tenant ""`},
		{"t", schema.GroupResource{Group: "core", Resource: "secrets"}, "default", "s", `invalid group "core": it is the key segment of the core group`},
		{"t", schema.GroupResource{Group: "a/b", Resource: "x"}, "", "s", `invalid group "a/b"`},
		{"t", schema.GroupResource{Group: "g.io", Resource: "a/b"}, "", "s", `invalid resource "a/b"`},
		{"t", secrets, "a/b", "s", `invalid namespace "a/b"`},
		{"t", secrets, "default", "", "resource name may not be empty"},
		{"t", secrets, "default", "..", `invalid resource name "..": [may not be '..']`},
		{"t", secrets, "default", ".", `invalid resource name ".": [may not be '.']`},
		{"t", secrets, "default", "a/b%", `invalid resource name "a/b%": [may not contain '/' may not contain '%']`},
	} {
		err := ValidateKey(tc.tenant, tc.gr, tc.namespace, tc.name)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ValidateKey(%q, %v, %q, %q) = %v", tc.tenant, tc.gr, tc.namespace, tc.name, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ValidateKey(%q, %v, %q, %q) = %v, want %q", tc.tenant, tc.gr, tc.namespace, tc.name, err, tc.want)
		}
	}
}
