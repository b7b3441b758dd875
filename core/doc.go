// Package core is the CoreClient, tier 1 of k1s: a client.Client that
// reads and writes Kubernetes objects straight to a storage.Interface, with
// the semantics an API server would apply (names, namespaces, server-set
// metadata, status subresource, finalizers, cascading deletion, patches,
// selectors, defaulting and validation) but no server, no cache and no
// goroutines of its own.
//
// A create, update or delete is admitted in the API server's order:
// pruning and schema defaulting, mutating admission, pruning and defaults
// again, metadata, built-in and schema validation, validating admission
// (Options.Admission; package admission documents the steps).
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
//
// Requests are decoded as the API server decodes a request body: an
// unstructured object of a kind with a Go type goes through JSON into it
// (decode.Typed), so a number its field cannot hold is the server's
// BadRequest ("Event in version "v1" cannot be handled as a Event: json:
// cannot unmarshal number 2147483648 into Go struct field Event.count of
// type int32"), never a wrapped or dropped value. Fields the type does not
// have (by its Go type, its schema's pruning, or ObjectMeta for metadata)
// are what fieldValidation judges (client.FieldValidation, on Create,
// Update and Patch): Strict refuses them with the server's strict decoding
// error, Warn — the default, as on the API server — drops each with a
// warning (`unknown field "spec.bogus"`) for the context's WarningHandler
// (WithWarningHandler) or Options.WarningHandler, Ignore drops them
// silently. Stored objects are at most storage.MaxValueSize (1.5 MiB)
// encoded; a bigger one is RequestEntityTooLarge naming it.
//
// Keys: the tenant (Options.Tenant) is a DNS-1123 label, every type's
// group and resource one key segment, not the core group's "core" nor
// k1s's "k1s.io", and a request's name and namespace one path segment
// ("invalid resource name "..": [may not be '..']", as client-go says), so
// no request reaches another tenant's or type's objects (see
// storage.ValidateKey).
//
// The "default" Namespace exists from the first open, but New writes
// nothing, and neither does any read: a tenant's default Namespace is
// stored by its first successful write; until then reads present it (with
// the uid it will be stored with, and no creationTimestamp), creating it
// is AlreadyExists, deleting it Forbidden, and updating it stores it.
package core
