// Package structural compiles a CRD's OpenAPI v3 schema
// (apiextensionsv1.JSONSchemaProps) into a tree that validation and
// defaulting walk without re-parsing: defaults and enum values decoded
// once, patterns compiled once, extensions resolved to plain fields,
// property names sorted, and flags that let walks skip subtrees with
// nothing to check.
//
// It exists because the API server's own schema packages are too heavy
// for k1s's start-up budget (see validation/doc.go for the figures): the
// tree here carries only what the CRD rules need, and compiling is lazy
// and cached per schema, so a command that never validates pays nothing.
package structural
