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
// ValidateSchema checks an object against its type's OpenAPI v3 schema
// as the API server checks a custom resource, after
// defaulting.ApplySchema has pruned and defaulted it. Every problem is
// returned at once, with the API server's field paths, error types and
// messages: type (object, array, string, integer, number, boolean, with
// nullable), required, enum (field.NotSupported), pattern, minimum and
// maximum (exclusive or not), multipleOf, minLength/maxLength
// (field.TooLong), minItems/maxItems (field.TooMany), uniqueItems,
// minProperties/maxProperties, properties, additionalProperties (schema
// or bool), items, allOf/anyOf/oneOf/not, the formats the API server
// checks (date-time, date, byte, int32, uri, email, uuid, hostname,
// ipv4, ipv6, cidr, mac, duration, k8s-short-name... any other format is
// ignored, as there), x-kubernetes-int-or-string,
// x-kubernetes-embedded-resource (apiVersion, kind and metadata
// checked), x-kubernetes-list-type set and map (field.Duplicate, with
// x-kubernetes-list-map-keys). On update, parts of the object equal to
// the stored one are not reported (the API server's validation
// ratcheting, with its correlation rules), and list-type duplicates are
// enforced only when the stored object had none.
// x-kubernetes-map-type and x-kubernetes-preserve-unknown-fields matter
// for merging and pruning only.
//
// The behaviour is checked by a differential test that runs the API
// server's own code (apiextensions-apiserver's pruning, defaulting,
// kube-openapi validator, list-type and embedded-object checks) on the
// same generated objects; the test binary may link what k1s does not.
//
// Where k1s differs on purpose:
//   - A value of the wrong type gets only its type error; kube-openapi
//     goes on with checks that cannot mean much (a format range check
//     on a string, a multipleOf on a boolean...).
//   - kube-openapi truncates a fractional bound to an integer when the
//     value is an integer, so it rejects 5 against multipleOf 0.01 and
//     accepts 0 against minimum 0.5; k1s compares the numbers.
//   - allOf/anyOf/oneOf/not failures and format range failures are
//     reported at the value's path, not at the object root.
//   - Map values are named "labels.key" everywhere; the API server says
//     "labels[key]" in list-type and embedded-object errors only.
//
// CEL (x-kubernetes-validations) is not implemented: cel-go costs
// ~3 ms and ~4 MB at start when merely linked, and ~5 ms and ~5 MB once
// an environment is built, against a 6 ms / 10 MB budget for a whole
// `k1s get` (figures below).
//
// # Library choice
//
// DESIGN asks for Kubernetes' own libraries where their start-up weight
// fits. Measured on the 2-core build machine (no-op binaries that link
// the code, interleaved runs, median; see BENCHMARKS.md, "Schema
// validation: library choice"):
//
//	binary links                                    deps  size     start  RSS
//	apimachinery + apiextensions v1 types (base)    273   11.4 MB  FIGBASE
//	base + k1s validation, defaulting (chosen)      284   11.9 MB  FIGOWN
//	base + structural schema, pruning, listtype,
//	       kube-openapi validate + strfmt           345   16.5 MB  FIGLIGHT
//	base + apiextensions-apiserver validation
//	       and schema/defaulting (CEL, apiserver)   474   27.2 MB  FIGHEAVY
//	base + cel-go (linked, unused)                  344   19.7 MB  FIGCEL
//
// Even the lightest use of the Kubernetes packages (structural schema +
// kube-openapi's validator, whose strfmt registry compiles its regular
// expressions at init) costs more start time and RSS than the whole
// budget leaves, in every process that links the client, validating or
// not. So the rules are implemented here over the compiled schema of
// internal/structural, with format regular expressions compiled on first
// use, and held to the API server's behaviour by the differential test.
package validation
