// Package admission holds the hooks a Client runs on every create,
// update and delete before anything is written: mutating admission
// (Defaulter) and validating admission (Validator), as the API server's
// admission chain and controller-runtime's pkg/webhook/admission
// (CustomDefaulter and CustomValidator) keep them together.
//
// # Hooks
//
// Defaulter and Validator have the method sets of controller-runtime's
// CustomDefaulter and CustomValidator, so webhook code moves over
// unchanged. DefaulterFunc and ValidatorFuncs make hooks of plain
// functions; TypedDefaulter and TypedValidator adapt a function over a Go
// type whatever form the object arrives in, typed or unstructured.
// Invalid turns a field.ErrorList into the API server's 422 Invalid
// error.
//
// # The chain and its order
//
// A Chain holds every hook of a Client, each for one kind
// (AddMutating, AddValidating) or for all kinds (AddMutatingForAll,
// AddValidatingForAll). Hooks run in the order they were added, so a
// program's Go hooks, added before the Chain is given to core.New, run
// before hooks added later through the Client's Admission (a plugin's,
// say). A Chain may be added to while the Client runs.
//
// core runs a write through these steps, in the API server's order:
//
//  1. decoding: pruning of unknown fields and schema defaulting (a
//     custom resource's OpenAPI schema, package structural);
//  2. mutating admission: every Defaulter for the kind, in order; then,
//     as the API server does after mutating webhooks, the schema prunes
//     and defaults again what they added;
//  3. validation: object metadata, the built-in rules of the kind and
//     the schema (package structural), every problem reported at once
//     as one Invalid error;
//  4. validating admission: every Validator for the kind, in order; the
//     first error refuses the write.
//
// A hook learns which request it admits (operation, kind, the old object)
// from its context: AttributesFrom.
package admission
