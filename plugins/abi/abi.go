// Package abi is the host/guest interface of k1s's WebAssembly plugins,
// version 1: what a module must export, what the host offers it, and the
// JSON messages that cross between them. The host (package plugins) and
// the guest SDK (package plugins/sdk) both build on these definitions, so
// they cannot drift apart; a plugin written in another language follows
// this file.
//
// # Module
//
// A plugin is a WASI preview 1 reactor module (for Go:
// GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared). The host runs
// its _initialize export once per instance, then calls its entry points,
// one call at a time per instance. It must export:
//
//	memory                                  its linear memory
//	k1s_abi_version() -> i32                Version; any other value is refused at load
//	k1s_alloc(size i32) -> i32              a guest buffer of size bytes the host writes a request into
//	k1s_admit(ptr, len i32) -> i64          an AdmissionReview (request) -> AdmissionReview (response)
//	k1s_reconcile(ptr, len i32) -> i64      a ReconcileRequest -> ReconcileResult
//
// An entry point's argument is the buffer k1s_alloc returned, holding a
// JSON request; it returns (ptr << 32 | len) of its JSON answer in its own
// memory, which the host reads before the next call. A module may omit
// k1s_admit or k1s_reconcile when its manifest declares no hook or no
// reconciler.
//
// # Host functions (import module "k1s")
//
//	call(ptr, len i32) -> i32   a HostRequest (JSON) -> the length of its HostResponse
//	take(ptr i32)               copies the pending HostResponse to ptr (the guest allocated it)
//
// Two steps rather than one because the host must not call back into the
// guest (an allocation) while the guest is inside an import. Every
// request is checked against the manifest's permissions; one that is not
// granted gets the Kubernetes Forbidden status, as the API server answers
// a request RBAC denies.
//
// # Sandbox
//
// WASI is present, with nothing behind it unless the manifest grants it:
// no preopened directory, no environment (grants.env names the variables
// a module may read), no arguments, no sockets, a fake clock (grants.clock
// gives the real one); what a module prints on stdout and stderr is kept
// (the first 2 KiB since its last failure) only to explain its failures. Each instance's memory is limited to the
// manifest's limits.memoryPages (64 KiB each), each call to
// limits.timeout (the module is stopped when it passes, by a check the
// host adds at the head of every loop before compiling it, exported as
// "k1s:stop", a name a module may not export itself; the instance is
// discarded), and a plugin to limits.instances concurrent calls. A message
// larger than MaxMessageBytes is refused in either direction.
package abi

import "encoding/json"

// Version is the ABI version this package describes; k1s_abi_version must
// return it.
const Version = 1

// MaxMessageBytes bounds any JSON message crossing the boundary, in either
// direction.
const MaxMessageBytes = 4 << 20

// Names of the exports and imports.
const (
	ExportVersion   = "k1s_abi_version"
	ExportAlloc     = "k1s_alloc"
	ExportAdmit     = "k1s_admit"
	ExportReconcile = "k1s_reconcile"
	HostModule      = "k1s"
	HostCall        = "call"
	HostTake        = "take"
)

// Admission operations, as admission/v1 spells them.
const (
	Create = "CREATE"
	Update = "UPDATE"
	Delete = "DELETE"
)

// GroupVersionKind is metav1.GroupVersionKind's JSON.
type GroupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// GroupVersionResource is metav1.GroupVersionResource's JSON.
type GroupVersionResource struct {
	Group    string `json:"group"`
	Version  string `json:"version"`
	Resource string `json:"resource"`
}

// AdmissionReview is admission.k8s.io/v1 AdmissionReview's JSON (the
// fields k1s fills): the host sends Request, the guest answers Response.
type AdmissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *AdmissionRequest  `json:"request,omitempty"`
	Response   *AdmissionResponse `json:"response,omitempty"`
}

// AdmissionRequest is admission/v1 AdmissionRequest's JSON. Hook is the
// hook being called: "validate" or "mutate" (an extension: a webhook
// knows it by its URL).
type AdmissionRequest struct {
	UID       string               `json:"uid"`
	Kind      GroupVersionKind     `json:"kind"`
	Resource  GroupVersionResource `json:"resource"`
	Name      string               `json:"name,omitempty"`
	Namespace string               `json:"namespace,omitempty"`
	Operation string               `json:"operation"`
	Object    json.RawMessage      `json:"object,omitempty"`
	OldObject json.RawMessage      `json:"oldObject,omitempty"`
	DryRun    bool                 `json:"dryRun,omitempty"`
	Hook      string               `json:"hook"`
}

// AdmissionResponse is admission/v1 AdmissionResponse's JSON. Patch is a
// JSON patch (RFC 6902), as PatchType "JSONPatch" says; the host applies
// it for a mutating hook only.
type AdmissionResponse struct {
	UID       string   `json:"uid"`
	Allowed   bool     `json:"allowed"`
	Result    *Status  `json:"status,omitempty"`
	Patch     []byte   `json:"patch,omitempty"`
	PatchType string   `json:"patchType,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// Status is metav1.Status's JSON, the fields errors need.
type Status struct {
	Code    int32  `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// ReconcileRequest asks a reconciler to reconcile one object, as
// controller-runtime's reconcile.Request with the kind beside it.
type ReconcileRequest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// ReconcileResult is controller-runtime's reconcile.Result, plus the
// error (a non-empty Error requeues with backoff, as a returned error does).
type ReconcileResult struct {
	Requeue        bool   `json:"requeue,omitempty"`
	RequeueAfterMS int64  `json:"requeueAfterMs,omitempty"`
	Error          string `json:"error,omitempty"`
}

// Verbs a HostRequest may carry (Kubernetes' RBAC verbs, plus the two
// the host offers besides a client).
const (
	VerbGet          = "get"
	VerbList         = "list"
	VerbCreate       = "create"
	VerbUpdate       = "update"
	VerbPatch        = "patch"
	VerbDelete       = "delete"
	VerbUpdateStatus = "update/status" // RBAC: verb update on resource <plural>/status
	VerbEvent        = "event"         // RBAC: verb create on events
	VerbLog          = "log"           // always allowed
)

// HostRequest is one call of the restricted client. Object is the object
// to write (create, update, update/status) or the event's involved
// object; Patch and PatchType (a types.PatchType) go with patch;
// LabelSelector with list; Message, Reason and EventType with event and
// log.
type HostRequest struct {
	Verb          string          `json:"verb"`
	APIVersion    string          `json:"apiVersion,omitempty"`
	Kind          string          `json:"kind,omitempty"`
	Namespace     string          `json:"namespace,omitempty"`
	Name          string          `json:"name,omitempty"`
	Object        json.RawMessage `json:"object,omitempty"`
	Patch         json.RawMessage `json:"patch,omitempty"`
	PatchType     string          `json:"patchType,omitempty"`
	LabelSelector string          `json:"labelSelector,omitempty"`
	EventType     string          `json:"eventType,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	Message       string          `json:"message,omitempty"`
}

// HostResponse is the answer to a HostRequest: the object read or
// written (a list for list), or the error's Status.
type HostResponse struct {
	Object json.RawMessage `json:"object,omitempty"`
	Error  *Status         `json:"error,omitempty"`
}
