// Package structural is the CRD schema language of k1s: it compiles a
// type's OpenAPI v3 schema (apiextensionsv1.JSONSchemaProps) and prunes,
// defaults and validates objects by it exactly as the API server does
// for custom resources.
//
// # Compiling
//
// For compiles a schema on first use and caches it per schema pointer
// (Compile skips the cache): defaults and enum values are decoded once,
// patterns compiled once, extensions resolved to plain fields, property
// names sorted, and flags set that let walks skip subtrees with nothing
// to check. A command that never writes pays nothing.
//
// # Pruning and defaulting
//
// Apply prunes and defaults an object as the API server does (pruning of
// unknown fields below the root, stopping at
// x-kubernetes-preserve-unknown-fields except for described properties;
// apiVersion, kind and metadata kept at the root and in embedded
// resources, whose metadata is coerced to ObjectMeta; non-nullable nulls
// dropped or defaulted; defaults at every level, in items and
// additionalProperties values, nested ones only inside objects that
// exist). Prune and ApplyDefaults are its two halves, Prune also
// returning the unknown fields it removed for "unknown field" warnings.
// The root object's metadata is not touched: the caller owns it.
//
// # Validation
//
// Validate checks an object against the schema as the API server checks
// a custom resource, after Apply has pruned and defaulted it. Every problem is
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
// CEL (x-kubernetes-validations) rules run on the engine registered with
// RegisterRuleEngine: package celrules, the API server's own validator,
// registers itself when imported. Without an engine, writes of a type
// with rules are refused (ErrNoRuleEngine), never let through unchecked.
//
// # Library choice
//
// DESIGN asks for Kubernetes' own libraries where their start-up weight
// fits. Measured on the 2-core build machine (no-op binaries that link
// the code, interleaved runs, median; see BENCHMARKS.md, "Schema
// validation: library choice"):
//
//	binary links                               deps  size     start            peak RSS
//	apimachinery + apiextensions v1 (base)     273   11.4 MB   5.64 ms          8.2 MiB
//	base + k1s structural (prune, default,
//	  validate)                                284   11.9 MB   5.73 ms (x1.02)  8.5 MiB (+0.3)
//	  same, validating one Item at start       285   12.2 MB   6.74 ms (x1.20)  9.6 MiB (+1.4)
//	base + structural schema, pruning,
//	  listtype, kube-openapi validate+strfmt   345   16.5 MB   8.66 ms (x1.54) 11.4 MiB (+3.1)
//	base + apiextensions-apiserver validation
//	  and schema/defaulting (CEL, apiserver)   474   27.2 MB  14.51 ms (x2.57) 17.0 MiB (+8.8)
//	base + cel-go, linked only                 344   19.7 MB   8.08 ms (x1.43) 12.2 MiB (+4.0)
//	base + cel-go, one rule compiled and run   344   19.7 MB  10.03 ms (x1.78) 13.2 MiB (+5.0)
//
// (300 interleaved rounds, medians, load average ~15 from other jobs, so
// absolute times are inflated; ratios and RSS are the stable figures.)
// In-process, checking one valid inventory Item costs ~3.8 µs of CPU and
// 11 allocations here against ~86 µs and 477 allocations for the API
// server's code on the same object (BenchmarkValidateSchema).
//
// Even the lightest use of the Kubernetes packages (structural schema +
// kube-openapi's validator, whose strfmt registry compiles its regular
// expressions at init) costs more start time and RSS than the whole
// budget leaves, in every process that links the client, validating or
// not. So the rules are implemented here over the compiled schema, with
// format regular expressions compiled on first use, and held to the API
// server's behaviour by the differential test. The harness behind the
// figures is structural/internal/startup.
package structural
