package kinebench

import (
	"context"
	"testing"
)

// BenchmarkCreateAlone runs one side's creates alone, for profiles and
// system-call counts of one store at a time (strace -c, pprof); the
// figures to compare are BenchmarkVersusKine's.
func BenchmarkCreateAlone(b *testing.B) {
	ctx := context.Background()
	for s, name := range []string{"k1s", "kine"} {
		b.Run(name, func(b *testing.B) {
			k, q := openPair(b)
			sd := []*side{k, q}[s]
			b.ResetTimer()
			for i := range b.N {
				if _, err := sd.create(ctx, key(i), value(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
