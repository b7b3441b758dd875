package storage

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CoreGroup is the key segment used for the legacy core API group (""),
// so that no key has an empty segment.
const CoreGroup = "core"

// DefaultTenant is the tenant used when none is given.
const DefaultTenant = "default"

// Key returns the storage key of one object:
// /{tenant}/{group}/{resource}/{namespace}/{name}, with the namespace
// segment left out for cluster-scoped objects (namespace "").
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
