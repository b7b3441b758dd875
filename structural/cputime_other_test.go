//go:build !unix

package structural_test

import "time"

// cpuTime is not measured off Unix; the cpu-ns/op metric reads 0 there.
func cpuTime() time.Duration { return 0 }
