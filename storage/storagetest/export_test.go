package storagetest

// SetBenchBatch lets the package's test run every reset path of Benchmark
// in a few hundred iterations; it returns the function restoring the
// default.
func SetBenchBatch(n int) (restore func()) {
	old := benchBatch
	benchBatch = n
	return func() { benchBatch = old }
}
