package fieldmanager

import (
	"fmt"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v2"
	"sigs.k8s.io/structured-merge-diff/v6/schema"
)

type typeDef struct {
	name, refs, yaml string
}

// lookupDef returns the generated definition of the named type.
func lookupDef(name string) (*typeDef, bool) {
	i := sort.Search(len(typeDefs), func(i int) bool { return typeDefs[i].name >= name })
	if i < len(typeDefs) && typeDefs[i].name == name {
		return &typeDefs[i], true
	}
	return nil, false
}

// closure returns the parsed definitions of the named types and of every
// type they refer to, skipping those in have (which it fills in).
func closure(have map[string]bool, names ...string) ([]schema.TypeDef, error) {
	var out []schema.TypeDef
	queue := append([]string(nil), names...)
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if have[n] {
			continue
		}
		have[n] = true
		d, ok := lookupDef(n)
		if !ok {
			return nil, fmt.Errorf("no schema for type %s", n)
		}
		var td schema.TypeDef
		if err := yaml.Unmarshal([]byte(d.yaml), &td); err != nil {
			return nil, fmt.Errorf("schema of type %s: %w", n, err)
		}
		out = append(out, td)
		if d.refs != "" {
			queue = append(queue, strings.Split(d.refs, " ")...)
		}
	}
	return out, nil
}

// openAPIName is the OpenAPI definition name of a Go type, as
// kube-openapi names k8s.io/api's types: the reversed domain of its
// package path ("k8s.io/api/core/v1" is "io.k8s.api.core.v1") and its
// name.
func openAPIName(pkgPath, name string) string {
	host, rest, _ := strings.Cut(pkgPath, "/")
	parts := strings.Split(host, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".") + "." + strings.ReplaceAll(rest, "/", ".") + "." + name
}
