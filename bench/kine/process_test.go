package kinebench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The child process of BenchmarkCrossProcessWatch: when childEnv names a
// side, TestMain opens that side's store at childPath and creates
// childCount keys childGap apart, then prints each key's index and the
// time its Create returned.
const (
	childEnv   = "KINEBENCH_CHILD"
	childPath  = "KINEBENCH_PATH"
	childCount = "KINEBENCH_COUNT"
	// childGap is not a divisor of kine's 1 s poll interval, so the
	// writes land at every phase of it.
	childGap = 37 * time.Millisecond
)

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		if err := runChild(name, os.Getenv(childPath), os.Getenv(childCount)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(name, path, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil {
		return err
	}
	var s *side
	if name == "kine" {
		s, err = openKine(path, 1000)
	} else {
		s, err = openK1s(path)
	}
	if err != nil {
		return err
	}
	defer func() { _ = s.close() }()
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	stamps := make([]int64, n)
	for i := range n {
		time.Sleep(childGap)
		if _, err := s.create(ctx, key(i), value(i)); err != nil {
			return err
		}
		stamps[i] = time.Now().UnixNano()
	}
	for i, t := range stamps {
		if _, err := fmt.Fprintf(out, "%d %d\n", i, t); err != nil {
			return err
		}
	}
	return out.Flush()
}

// BenchmarkCrossProcessWatch measures, for each side, the time from a
// Create returning in one process to its event's receipt by a watcher in
// another process on the same file; b.N is the number of writes.
func BenchmarkCrossProcessWatch(b *testing.B) {
	b.Logf("kine on %s", kineBuild)
	for _, name := range []string{"k1s", "kine"} {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), name+".db")
			var s *side
			var err error
			if name == "kine" {
				s, err = openKine(path, 1000)
			} else {
				s, err = openK1s(path)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = s.close() }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			next, err := s.watch(ctx, prefix)
			if err != nil {
				b.Fatal(err)
			}
			c := exec.Command(os.Args[0], "-test.run", "^$")
			c.Env = append(os.Environ(), childEnv+"="+name, childPath+"="+path, childCount+"="+strconv.Itoa(b.N))
			c.Stderr = os.Stderr
			var stdout strings.Builder
			c.Stdout = &stdout
			b.ResetTimer()
			if err := c.Start(); err != nil {
				b.Fatal(err)
			}
			got := make(map[string]time.Time, b.N)
			for len(got) < b.N {
				k, err := next()
				if err != nil {
					b.Fatal(err)
				}
				got[k] = time.Now()
			}
			b.StopTimer()
			if err := c.Wait(); err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			for line := range strings.Lines(stdout.String()) {
				var i int
				var at int64
				if _, err := fmt.Sscanf(line, "%d %d", &i, &at); err != nil {
					b.Fatalf("child wrote %q: %v", line, err)
				}
				t, ok := got[key(i)]
				if !ok {
					b.Fatalf("no event for %s", key(i))
				}
				lat = append(lat, t.Sub(time.Unix(0, at)))
			}
			if len(lat) != b.N {
				b.Fatalf("child reported %d writes, want %d", len(lat), b.N)
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		})
	}
}
