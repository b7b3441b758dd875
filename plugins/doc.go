// Package plugins runs k1s's sandboxed WebAssembly plugins: admission
// hooks (validating and mutating) and reconcilers, written with the
// guest SDK (plugins/sdk) and run by wazero (pure Go, no cgo).
//
// A plugin is a directory holding plugin.yaml (apiVersion
// k1s.io/v1alpha1, kind Plugin; see Manifest), its .wasm module and the
// type manifests of the types it provides. The ABI between host and
// module is package plugins/abi, version abi.Version, checked at load.
//
// # Lifecycle
//
// New discovers plugins by reading manifests only: a command that writes
// no kind a plugin hooks never loads a module. The first call that needs
// a plugin loads it: the module's digest is checked against the manifest,
// it is compiled (or read from wazero's compilation cache on disk, so a
// later process skips compiling), its imports and exports are checked, one
// instance is started and its ABI version checked. Calls take an
// instance from a pool bounded by limits.instances; an instance whose call
// failed (time limit, memory limit, panic, a malformed answer) is closed,
// never reused. Restart drops a plugin's runtime; Close stops them all.
//
// # Sandbox
//
// Each plugin has its own wazero runtime with the manifest's memory limit
// (limits.memoryPages). Every call runs under a context with the time
// limit (limits.timeout); when it expires the module stops, even in an
// endless loop: before compiling a module the host adds a check of a
// stop flag at the head of every loop (stopcheck.go), which the context
// raises. A call's warnings (an AdmissionResponse's) reach the client as
// a webhook's do: through the request's warning handler. WASI is present with nothing behind it: no
// preopened directory, no environment, no sockets, a fake clock and
// stdout/stderr kept only for error messages; grants open the clock and
// named environment variables. The host's client (Plugin.Serve) enforces
// the manifest's permissions as RBAC does and answers Forbidden
// otherwise, naming the plugin, the verb, the resource and the namespace.
//
// # Integration
//
// Admission runs the hooks where the API server runs admission webhooks:
// mutating hooks, then (after schema validation) validating hooks. A
// denial is the API server's error, `admission webhook "NAME" denied the
// request: ...`; a plugin that fails is `failed calling webhook "NAME":
// ...` (failurePolicy Fail): either way nothing is written.
// ReconcileAll runs every reconciler until idle (k1s reconcile); each
// Reconciler also runs in a ManagedRuntime's controller manager.
package plugins
