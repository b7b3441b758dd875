// Package defaulting fills in objects before they are validated and
// written.
//
// Go hooks: Defaulter has the shape of controller-runtime's admission
// CustomDefaulter; ByKind dispatches by GroupVersionKind
// (ForKind(gvk, d).With(gvk2, d2) builds one); Func makes a Defaulter of
// a function, and Typed adapts a function over a Go type whatever form
// the object arrives in, typed or unstructured.
//
// Schema: pruning and defaulting by a type's OpenAPI v3 schema (a CRD's
// defaults) is package structural's; the client runs the hooks here
// first, then the schema's pruning and defaults.
package defaulting
