package storage

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
)

// CoreGroup is the key segment used for the legacy core API group (""),
// so that no key has an empty segment. No other group may be called so
// (ValidateKey): a type of group "core" would share the built-in types'
// keys.
const CoreGroup = "core"

// ReservedGroup holds k1s's own resources (the dependents index, under
// /{tenant}/k1s.io/dependents/...); plugin types may not use it or its
// subdomains.
const ReservedGroup = "k1s.io"

// DefaultTenant is the tenant used when none is given.
const DefaultTenant = "default"

// The key layout is injective by construction when every segment passes
// ValidateKey: no segment is empty or holds "/", the group "" is written
// CoreGroup and no real group is, and a resource is either namespaced
// (five segments) or cluster-scoped (four), never both. So two distinct
// objects never share a key, and a Prefix selects exactly the objects of
// its tenant, resource (and namespace) — never another tenant's, however
// its names are chosen (a tenant "a/core" would otherwise reach tenant
// "a"'s core objects).

// Key returns the storage key of one object:
// /{tenant}/{group}/{resource}/{namespace}/{name}, with the namespace
// segment left out for cluster-scoped objects (namespace ""). Its
// arguments must pass ValidateKey.
func Key(tenant string, gr schema.GroupResource, namespace, name string) string {
	return Prefix(tenant, gr, namespace) + name
}

// Prefix returns the prefix under which all objects of one resource live:
// in one namespace when namespace is set, in all namespaces (or the whole
// cluster-scoped resource) when it is "". It always ends with "/", so one
// prefix never matches a longer name.
func Prefix(tenant string, gr schema.GroupResource, namespace string) string {
	group := gr.Group
	if group == "" {
		group = CoreGroup
	}
	var b strings.Builder
	b.Grow(len(tenant) + len(group) + len(gr.Resource) + len(namespace) + 6)
	b.WriteByte('/')
	b.WriteString(tenant)
	b.WriteByte('/')
	b.WriteString(group)
	b.WriteByte('/')
	b.WriteString(gr.Resource)
	b.WriteByte('/')
	if namespace != "" {
		b.WriteString(namespace)
		b.WriteByte('/')
	}
	return b.String()
}

// TenantPrefix returns the prefix of every key of one tenant.
func TenantPrefix(tenant string) string {
	return "/" + tenant + "/"
}

// KeyParts is a key taken apart.
type KeyParts struct {
	Tenant    string
	Resource  schema.GroupResource
	Namespace string
	Name      string
}

// ParseKey takes a key built by Key apart. It accepts both the namespaced
// (five segments) and cluster-scoped (four segments) forms.
func ParseKey(key string) (KeyParts, error) {
	parts := strings.Split(strings.TrimPrefix(key, "/"), "/")
	if !strings.HasPrefix(key, "/") || len(parts) < 4 || len(parts) > 5 {
		return KeyParts{}, fmt.Errorf("storage key %q is not of the form /tenant/group/resource/[namespace/]name", key)
	}
	group := parts[1]
	if group == CoreGroup {
		group = ""
	}
	kp := KeyParts{Tenant: parts[0], Resource: schema.GroupResource{Group: group, Resource: parts[2]}}
	if len(parts) == 5 {
		kp.Namespace, kp.Name = parts[3], parts[4]
	} else {
		kp.Name = parts[3]
	}
	return kp, nil
}

// ValidateTenant checks a tenant name: a DNS-1123 label (lower-case
// letters, digits and "-", at most 63 characters), one key segment.
func ValidateTenant(tenant string) error {
	if errs := validation.IsDNS1123Label(tenant); len(errs) > 0 {
		return fmt.Errorf("invalid tenant %q: %s", tenant, strings.Join(errs, "; "))
	}
	return nil
}

// ValidateGroupResource checks the group and resource segments of a type:
// the group "" (core) or a DNS-1123 subdomain other than CoreGroup, the
// resource a DNS-1123 label.
func ValidateGroupResource(gr schema.GroupResource) error {
	if gr.Group != "" {
		if gr.Group == CoreGroup {
			return fmt.Errorf("invalid group %q: it is the key segment of the core group (\"\")", gr.Group)
		}
		if errs := validation.IsDNS1123Subdomain(gr.Group); len(errs) > 0 {
			return fmt.Errorf("invalid group %q: %s", gr.Group, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1123Label(gr.Resource); len(errs) > 0 {
		return fmt.Errorf("invalid resource %q: %s", gr.Resource, strings.Join(errs, "; "))
	}
	return nil
}

// PathSegmentProblems returns what keeps name from being one path
// segment — "." and ".." and names holding "/" or "%" — in client-go's
// words ("may not contain '/'"), as it refuses such names before a
// request is sent.
func PathSegmentProblems(name string) []string {
	if name == "." || name == ".." {
		return []string{fmt.Sprintf("may not be '%s'", name)}
	}
	var out []string
	for _, c := range []string{"/", "%"} {
		if strings.Contains(name, c) {
			out = append(out, fmt.Sprintf("may not contain '%s'", c))
		}
	}
	return out
}

// ValidateKey checks every segment of an object's key (see Key): the
// tenant, group and resource as above, the namespace "" or a DNS-1123
// label, the name not empty and one path segment.
func ValidateKey(tenant string, gr schema.GroupResource, namespace, name string) error {
	if err := ValidateTenant(tenant); err != nil {
		return err
	}
	if err := ValidateGroupResource(gr); err != nil {
		return err
	}
	if namespace != "" {
		if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
			return fmt.Errorf("invalid namespace %q: %s", namespace, strings.Join(errs, "; "))
		}
	}
	if name == "" {
		return fmt.Errorf("resource name may not be empty")
	}
	if msgs := PathSegmentProblems(name); len(msgs) > 0 {
		return fmt.Errorf("invalid resource name %q: %v", name, msgs)
	}
	return nil
}
