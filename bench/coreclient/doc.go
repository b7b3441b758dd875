// Package coreclient holds the side-by-side benchmarks of the k1s
// CoreClient against controller-runtime's fake client: the same CRUD loop
// on ConfigMaps through both, in one run, and the cost of NewCoreClient
// with 20 plugin manifests, cold and warm. It has no code of its own; see
// bench_test.go and BENCHMARKS.md.
package coreclient
