// Package defaulting fills in objects before they are validated and
// written.
//
// Go hooks: Defaulter has the shape of controller-runtime's admission
// CustomDefaulter; ByKind dispatches by GroupVersionKind
// (ForKind(gvk, d).With(gvk2, d2) builds one); Func makes a Defaulter of
// a function, and Typed adapts a function over a Go type whatever form
// the object arrives in, typed or unstructured.
//
// Schema: ApplySchema prunes and defaults an object from its type's
// OpenAPI v3 schema exactly as the API server does for custom resources
// (pruning of unknown fields below the root, stopping at
// x-kubernetes-preserve-unknown-fields except for described properties;
// apiVersion, kind and metadata kept at the root and in embedded
// resources, whose metadata is coerced to ObjectMeta; non-nullable nulls
// dropped or defaulted; defaults at every level, in items and
// additionalProperties values, nested ones only inside objects that
// exist). Prune and Default are its two halves, Prune also returning the
// unknown fields it removed for "unknown field" warnings. The results
// are compared with the API server's own pruning and defaulting code by
// the differential tests in package validation.
//
// The root object's metadata is not touched: the caller owns it.
package defaulting
