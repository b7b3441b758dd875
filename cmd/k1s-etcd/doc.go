// Command k1s-etcd is the full k1s: the etcd client and the CEL engine
// of x-kubernetes-validations rules (structural/celrules) linked. Users
// do not run it by name: k1s, which is built without either so that
// every start (every read) is lighter, replaces itself with k1s-etcd
// (same arguments and environment) when --storage or K1S_STORAGE names
// an etcd:// URL, and for the commands that write objects (create,
// apply, replace, patch, edit, label, annotate, diff, reconcile).
// Install it beside k1s:
//
//	go install github.com/k1s-dev/k1s/cmd/k1s github.com/k1s-dev/k1s/cmd/k1s-etcd
package main
