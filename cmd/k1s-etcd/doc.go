// Command k1s-etcd is k1s with the etcd client linked. Users do not run
// it by name: k1s, which is built without etcd's client and gRPC so that
// every start is lighter, replaces itself with k1s-etcd (same arguments
// and environment) when --storage or K1S_STORAGE names an etcd:// URL.
// Install it beside k1s:
//
//	go install github.com/k1s-dev/k1s/cmd/k1s github.com/k1s-dev/k1s/cmd/k1s-etcd
package main
