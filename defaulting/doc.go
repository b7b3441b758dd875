// Package defaulting fills in objects before they are validated and
// written: the per-kind Defaulter hooks (ByKind) for Go code, and
// ApplySchema, which prunes and defaults an object from its type's
// OpenAPI v3 schema the way the API server does for custom resources.
package defaulting
