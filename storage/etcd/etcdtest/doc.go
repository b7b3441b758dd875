// Package etcdtest runs a real etcd server for tests: the etcd v3.7.3
// server embedded in the test process, listening on 127.0.0.1 at random
// ports with its data in a temporary directory.
//
// Tests of storage/etcd, of the client conformance suite and of the CLI use
// it so that they exercise the etcd backend against etcd itself, never a
// mock. The server can be stopped and restarted on the same ports and data
// directory to test what happens to clients when etcd goes away.
//
// Start ties the server to a test; New returns one that the caller closes,
// for TestMain functions that share one server between many tests (and
// between the OS processes those tests start: they reach it through
// Endpoint or URL, e.g. K1S_STORAGE=<URL>/some-prefix). NewStore opens the
// k1s etcd backend on a server under a fresh key prefix, which is all a
// conformance suite's constructor needs.
package etcdtest
