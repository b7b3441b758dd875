// Package cliruntime is the kubectl-style command layer of k1s, reusable
// by any command-line tool built on a k1s Client: global flags with their
// environment variables, the printers of package printers (table, wide,
// yaml, json, name, jsonpath, custom-columns), the resource builder of
// package resource (files, directories, stdin, multi-document YAML, List
// kinds), handlers for get, create, apply, replace, diff, wait, delete,
// patch, label, annotate, edit, describe, explain and watch that return
// typed results, and the cobra commands that wire them together.
//
// # Your own program
//
// A tool ships its own CLI on this package, not k1s under another name:
// CLI.Brand sets its name, the prefix of its environment variables
// (TODO_DATA for a tool named todo), its project directory and data file
// (.todo/todo.db), its help, the type its examples use and which optional
// global flags it has (Brand.Without: plugin directories, --storage,
// --tenant, contexts). open.Options.Client takes its compiled-in types
// (discovery.CRDTypesFS of its embedded CRDs), scheme and admission hooks.
// Its own commands (CLI.Commands) join the same tree; wrapped by CLI.RunE
// and calling the store through Session and RequestContext, they get the
// signal handling, work tracking, error formatting and exit codes of the
// built-in ones. The package's testdata/brand is such a program.
//
// Named stores are kubeconfig-like contexts in a file (K1S_CONFIG, else
// k1s/config.yaml in the user config directory), managed by `config
// get-contexts|current-context|use-context|set-context|delete-context|view`
// and chosen by --context or K1S_CONTEXT, else the file's current-context.
// A context's store, tenant and namespace apply where neither a flag nor
// an environment variable gives them: flag > environment > current
// context > default. No command prints a context's credentials.
//
// It works on unstructured objects and the registry's type metadata, so a
// plugin type declared only by a manifest prints and applies exactly like
// a built-in one. It depends on the Client interface, never on a storage
// backend: the program that embeds it supplies a ClientFactory.
//
// kubectl's --validate (strict, the default, warn, ignore, true, false) is
// on apply, create and edit: it sets the fieldValidation of their writes
// and says what fields given twice in a file do. Warnings — of requests
// and of plugin manifests — are printed on stderr as kubectl prints a
// server's ("Warning: ..."), each text once per command; manifest
// warnings by every command that opens the store. Secret values appear in
// no describe output (each key shows its size), error or warning.
//
// One-shot commands use only tier 1; this package must not link
// client-go's cache, controller-runtime or the WASM runtime, whose
// initialisation would dominate a command that runs for milliseconds.
package cliruntime
