// Package coretest is the conformance suite of the CoreClient: every rule
// of the client contract (names, namespaces, server-set metadata, status
// subresource, finalizers, cascading and namespace deletion, patches,
// selectors, pagination, watch, defaulting and validation hooks, built-in
// kind rules) and every error reason, each case run with typed and with
// unstructured objects.
//
// A storage backend's test runs it with a constructor returning a fresh
// empty store:
//
//	coretest.Run(t, func(t *testing.T) storage.Interface { return memory.New() })
//
// Cases assume they own the store: they check that failed and dry-run
// requests leave the store's revision unchanged.
package coretest
