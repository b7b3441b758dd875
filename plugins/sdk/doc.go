// Package sdk is the guest side of k1s plugins: a plugin is an ordinary Go
// program, built by the standard toolchain into a WebAssembly module that
// k1s runs in a sandbox (see package plugins and the ABI in package
// plugins/abi). The SDK has no dependency outside the standard library
// and package abi, so a module stays small (about 4 MB) and compiles
// quickly.
//
// # From nothing to a working plugin
//
// 1. Write the plugin: a main package that registers its entry points in
// an init function (a reactor module's main never runs).
//
//	package main
//
//	import (
//		"context"
//		"errors"
//
//		"github.com/k1s-dev/k1s/plugins/sdk"
//	)
//
//	var c = sdk.NewClient()
//
//	func validate(ctx context.Context, req *sdk.AdmissionRequest) ([]string, error) {
//		if req.Name == "forbidden" {
//			return nil, errors.New("that name is taken")
//		}
//		return nil, nil
//	}
//
//	func mutate(ctx context.Context, req *sdk.AdmissionRequest, obj *sdk.Unstructured) error {
//		labels := obj.GetLabels()
//		if labels == nil {
//			labels = map[string]string{}
//		}
//		labels["team"] = "default"
//		obj.SetLabels(labels)
//		return nil
//	}
//
//	func reconcile(ctx context.Context, req sdk.Request) (sdk.Result, error) {
//		obj := &sdk.Unstructured{}
//		obj.SetAPIVersionKind(req.APIVersion, req.Kind)
//		if err := c.Get(ctx, req.NamespacedName, obj); err != nil {
//			return sdk.Result{}, sdk.IgnoreNotFound(err)
//		}
//		// ... compute, then c.UpdateStatus(ctx, obj)
//		return sdk.Result{}, nil
//	}
//
//	func init() {
//		sdk.Register(sdk.Plugin{Validate: validate, Mutate: mutate, Reconcile: reconcile})
//	}
//
//	func main() {}
//
// 2. Build it as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o myplugin.wasm .
//
// 3. Put it in a plugin directory (a subdirectory of a plugin path:
// --plugins-dir, K1S_PLUGIN_PATH, .k1s/plugins or the user's
// k1s/plugins), next to a plugin.yaml naming it and its digest
// (sha256sum myplugin.wasm; quote it, or YAML may read it as a number),
// the hooks and reconcilers it serves, and what its client may do:
//
//	apiVersion: k1s.io/v1alpha1
//	kind: Plugin
//	metadata:
//	  name: myplugin
//	spec:
//	  version: 0.1.0
//	  module: {path: myplugin.wasm, sha256: '<hex digest>'}
//	  validate:
//	  - {apiVersion: example.com/v1, kind: Widget, operations: [CREATE, UPDATE]}
//	  mutate:
//	  - {apiVersion: example.com/v1, kind: Widget, operations: [CREATE]}
//	  reconcile:
//	  - {apiVersion: example.com/v1, kind: Widget}
//	  permissions:
//	  - {apiGroups: [example.com], resources: [widgets, widgets/status], verbs: [get, list, update]}
//	  limits: {memoryPages: 512, timeout: 1s, instances: 4}
//
// Types the plugin brings (PluginTypeManifest or CRD files) go in the
// same directory: type discovery finds them there. 4. Check it with
// `k1s plugins list` and `k1s plugins inspect myplugin`; its hooks now run
// on every create, update and delete of a Widget, and `k1s reconcile`
// runs its reconciler.
//
// # What a plugin can do
//
// Hooks get the admission/v1 request (AdmissionRequest: operation,
// object, oldObject, name, namespace). A validating hook's error denies
// the request; the client sees `admission webhook "myplugin" denied the
// request: <message>` and nothing is written. A mutating hook changes the
// object in place; the SDK sends the change back as a JSON patch.
//
// The Client reads like the k1s Client: Get, List, Create, Update,
// UpdateStatus (Status().Update), Patch, Delete, plus Event and Log.
// Objects are any value that encodes to the object's JSON with apiVersion
// and kind set: an *Unstructured, or a typed struct (with TypeMeta set) —
// including the API types of a project, at the cost of linking
// apimachinery into the module. Errors are StatusErrors; IsNotFound,
// IsForbidden, IsConflict and IgnoreNotFound work as apierrors' do. A
// request the manifest's permissions do not grant is Forbidden.
//
// The sandbox: no files, no network, no environment (unless grants.env
// lists variables), a fake clock (unless grants.clock), memory and time
// limits per call. A call that panics, loops or runs out of memory fails
// that request only; the instance is discarded and the next call gets a
// fresh one.
//
// # Testing a plugin natively
//
// Plugin.Admit and Plugin.ReconcileJSON are the module's entry points as
// plain functions, and NewClientWithTransport takes the host's own handler
// (plugins.Plugin.Serve, over a real k1s client), so a plugin's logic can
// be tested with go test, without building a module.
package sdk
