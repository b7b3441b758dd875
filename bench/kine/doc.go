// Package kinebench measures k1s's SQLite store (storage/sqlite) side by
// side with kine's SQLite backend (github.com/k3s-io/kine, the store k3s
// runs on), in one process, on the same operations, keys and 1 KiB values
// (storagetest.Key, storagetest.Value), interleaved in blocks of 100
// operations so that both see the same load (issue 13.4).
//
// It is a Go module of its own, with a replace directive pointing at the
// repository's root: kine brings etcd's server, gRPC, several SQL drivers
// and cgo SQLite (mattn/go-sqlite3) with it, which the k1s library must
// not carry. The root module's go.mod and go.sum do not mention kine, and
// `go test ./...` at the root (.ci/run) does not descend here.
//
// kine is called as its etcd-protocol server calls it (pkg/server: a
// create, get, update or delete request becomes one server.Backend call),
// opened as endpoint.Listen opens it (drivers' sqlite.New, then Start)
// with kine's default settings, without the gRPC server in front.
// "Update with precondition" is an update of a key expected at a given
// revision (its resourceVersion): kine's Backend.Update with that
// revision, k1s's Store.Update whose function refuses any other. Deletes
// carry the same precondition.
//
// Run from this directory. kine's usual build uses cgo SQLite (gcc
// needed); CGO_ENABLED=0 builds kine on modernc.org/sqlite, the driver
// k1s uses:
//
//	go test -run '^$' -bench VersusKine -benchtime 1000x -count 3 .
//	CGO_ENABLED=0 go test -run '^$' -bench VersusKine -benchtime 1000x .
//	go test -run '^$' -bench CrossProcessWatch -benchtime 30x .
//	go test -run '^$' -bench FileSize -benchtime 1x .
//
// BenchmarkVersusKine reports per side wall time (k1s-ns/op, kine-ns/op)
// and process CPU time (…-cpu-ns/op) per operation, and the time ratios
// k1s/kine (0.33 is three times ahead); its list-1000 also runs a raw
// modernc range scan of the same rows (k1s/raw), and watch-delivery the
// time from a create's return to its event (…-after-write-p50-us).
// BenchmarkCrossProcessWatch has a child process write and this one
// watch. BenchmarkFileSize reports the file after 10,000 creates and
// 10,000 updates and after compacting everything before the current
// revision. BENCHMARKS.md ("SQLite store vs kine") has the figures.
package kinebench
