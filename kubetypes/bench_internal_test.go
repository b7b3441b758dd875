package kubetypes

import "testing"

// BenchmarkBuildTypes is what the first call of Types costs a process:
// the scheme, every kind's description and its print columns.
func BenchmarkBuildTypes(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if len(buildTypes()) == 0 {
			b.Fatal("no types")
		}
	}
}
