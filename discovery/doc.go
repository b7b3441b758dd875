// Package discovery finds plugin resource types by reading type manifests
// in plugin directories — it reads manifests, it never loads plugins — and
// serves them to the type registry (as a registry.Source), to a
// runtime.Scheme (RegisterTypes, RegisterKinds) and to the CLI (the seed's
// PluginDiscovery methods).
//
// # Manifests
//
// Files named *.yaml, *.yml or *.json (not starting with ".") are read
// from each plugin path and from each subdirectory one level down (a
// plugin may keep its manifests in its own directory, e.g.
// plugins/inventory/types.yaml); a path may also name a single file.
// Deeper directories are not searched. A file may hold several YAML
// documents or JSON objects, and List objects, as kubectl apply -f
// accepts. Two kinds of document declare types:
//
//   - k1s.io/v1alpha1 PluginTypeManifest (the seed's format): spec.types[]
//     with group, version, kind, plural (required), singular, listKind,
//     shortNames, namespaced (or scope: Namespaced|Cluster; default
//     namespaced), categories, printColumns (name, type, format,
//     description, jsonPath, priority), subresources.status, selectableFields
//     (".spec.x" strings or {jsonPath: .spec.x}), schema (either
//     {openAPIV3Schema: ...} as in a CRD version, or the schema itself) and
//     storage (when a resource is listed in several versions; by default
//     the first listed is the storage version).
//   - apiextensions.k8s.io/v1 CustomResourceDefinition, decoded with the
//     API's own Go types: one type per served version (unserved versions
//     are not registered), the storage version marked Storage, with the
//     version's additionalPrinterColumns, subresources.status,
//     schema.openAPIV3Schema and selectableFields.
//
// A type's group is a domain with at least one dot (never "" or "core",
// which would share the core group's storage keys) and not k1s.io or a
// subdomain of it (k1s's own resources); its plural is a DNS-1035 label,
// as for a CRD. A schema is checked as the API server checks a CRD's
// (structural schema, known types, unsupported keywords, list and map
// extensions; see checkSchema): a manifest whose schema it would refuse
// is refused — the CRD, or the seed type — with a warning naming the file
// and the field, as the CRD would not exist on a cluster.
//
// Documents of other kinds, and documents without apiVersion or kind, are
// skipped silently. Anything wrong with a manifest — broken YAML, a type
// without a plural, an unknown field, an unsupported apiVersion — is a
// warning naming the file (Warnings); the file's other types, and every
// other file, keep working. So are unreadable files and directories,
// dangling links and symlink loops, each one warning naming its path. A
// command line prints ScanWarnings on every command that opens the store,
// whatever types it uses, so that a broken manifest is never reported by
// some commands only; with the cache warm, that scan stats the files and
// reads the cache (BenchmarkDiscoveryWarm).
//
// # CRDs compiled in
//
// CRDTypes and CRDTypesFS read the CRDs a program embeds (go:embed of
// controller-gen's output) with the same parser and checks, for the
// program to add to its registry next to the Go types it registers in its
// scheme for the same kinds. Those types have no Source and are marked
// registry.Type.CustomResource; anything wrong is an error, not a
// warning, since it is the program's own mistake.
//
// # Print columns
//
// A type's PrintColumns are complete, as for the built-in types (see
// package coretypes): NAME (.metadata.name) comes first unless a column
// already shows .metadata.name, and a type declaring no columns gets NAME
// and AGE, as the API server shows CRDs without additionalPrinterColumns.
//
// # Conflicts
//
// Paths are in precedence order, and so are files within a path (files by
// name, then subdirectories by name). A type whose kind is already
// declared with another resource or scope, or whose resource is already
// served by another kind or with another scope — by a built-in type or an
// earlier file — is dropped with a warning naming both. Declaring the same
// type twice with the same meaning (the same CRD in the project and in the
// user directory) is fine: the first declaration wins, silently.
//
// # Cache
//
// The first use of a Discovery scans the paths; creating one costs
// nothing. What each file yielded is cached in one file,
// CacheDir/discovery-<hash of the paths>.cache, keyed by each file's path,
// size and modification time: a warm start lists the directories, stats
// the files and reads the cache, parsing no YAML; a changed, added or
// removed file re-parses that file only. Conflicts are resolved on every
// start (it is cheap), so the cache holds no cross-file state.
//
// The cache holds a small binary index of the types, then their schemas
// as JSON. A schema is decoded only when it is read: the types Types
// returns carry a registry.Type.LoadSchema hook instead of a decoded
// Schema (except right after a file was parsed, when the schema is at
// hand), so `k1s get` decodes no schema and create or apply of one kind
// decodes one. Schema and GetTypeMetadata decode only the one asked for;
// DiscoverAvailableTypes, IsPluginType, RegisterTypes and RegisterKinds
// never decode any. The cache is written to a temporary file and renamed
// into place, so concurrent processes never read a torn one; a cache that
// cannot be written is silently skipped. A file edited twice within the
// file system's mtime granularity without changing its size can go
// unnoticed until its next change.
package discovery
