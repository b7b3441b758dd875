// Package validation checks objects before they are written: the
// per-kind Validator hooks (ByKind, ForKind) for Go code, and
// ValidateSchema, which checks an object against its type's OpenAPI v3
// schema the way the API server checks a custom resource.
package validation
