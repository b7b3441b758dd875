// Package validation checks objects before they are written.
//
// # Go hooks
//
// Validator has the shape of controller-runtime's admission
// CustomValidator, so webhook code moves over unchanged. ByKind
// dispatches by GroupVersionKind; ForKind(gvk, v).With(gvk2, v2) builds
// one. Funcs makes a Validator from plain functions, and Typed adapts a
// check over a Go type (func(ctx, obj, old *T) field.ErrorList) whatever
// form the object arrives in, typed or unstructured. Invalid turns a
// field.ErrorList into the API server's 422 Invalid error.
//
// # Schema validation
//
// Checking an object against its type's OpenAPI v3 schema (a CRD's
// rules) is package structural's; the client runs it before the hooks
// here.
package validation
