// Package core is the CoreClient, tier 1 of k1s: a client.Client that
// reads and writes Kubernetes objects straight to a storage.Interface, with
// the semantics an API server would apply (names, namespaces, server-set
// metadata, status subresource, finalizers, cascading deletion, patches,
// selectors, defaulting and validation) but no server, no cache and no
// goroutines of its own.
//
// Objects are stored as their JSON with apiVersion and kind and without
// resourceVersion, which is the storage revision that last wrote the key and
// is set on every object read. Typed Go objects (kinds in the scheme) and
// unstructured objects work interchangeably for every kind; a kind the
// scheme does not know is served as unstructured as long as the registry
// knows its resource.
//
// Where a cluster relies on background controllers, the client does their
// work synchronously inside the request:
//
//   - Background and Foreground deletion delete dependents (objects whose
//     ownerReferences name the deleted object's UID) transitively, in the same
//     storage transaction as the owner. Orphan removes the owner reference
//     from dependents instead. The owner→dependents lookup uses an index kept
//     under the reserved resource "dependents.k1s.io" of the tenant.
//   - Foreground deletion that a dependent with finalizers blocks leaves the
//     owner with a deletionTimestamp and the foregroundDeletion finalizer;
//     when the last blocking dependent goes away (its last finalizer removed),
//     the same request removes foregroundDeletion and, if no other finalizer
//     remains, the owner.
//   - Deleting a Namespace deletes every object in it, of every
//     namespaced resource the registry knows or the store's catalog of
//     stored types records (catalog.go: types of other programs
//     included). Objects with finalizers are marked for deletion instead;
//     the Namespace then stays Terminating, with the namespace
//     controller's status conditions, until the last of them goes, which
//     removes the "kubernetes" spec finalizer and the Namespace. A
//     terminating Namespace refuses new objects, and the "default"
//     Namespace cannot be deleted, as the API server's NamespaceLifecycle
//     admission does (namespace.go).
//   - A dependent whose owners are all gone is collected as the garbage
//     collector would (gc.go).
//
// Updates follow the API server's strategies: an Update without a
// resourceVersion is unconditional for built-in kinds and refused
// (Invalid: metadata.resourceVersion must be specified) for plugin kinds,
// as for custom resources; an update that changes nothing writes nothing
// and keeps the resourceVersion; metadata.generation starts at 1 and moves
// when anything but metadata (and status, for kinds with a status
// subresource) changes, except for the kinds whose strategy keeps none
// (registry.Type.NoGeneration: ConfigMap, Secret, ServiceAccount,
// Namespace, Event).
package core
