//go:build k1s_measure

package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// main runs each binary named on the command line in turn, N rounds, so
// that machine noise falls on all of them alike, and prints medians.
// Arguments after "--" are passed to every binary (a whole CLI command).
func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: measure ROUNDS BINARY... [-- ARG...]")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "measure: ROUNDS must be a positive integer")
		os.Exit(2)
	}
	bins, args := os.Args[2:], []string(nil)
	if i := slices.Index(bins, "--"); i >= 0 {
		bins, args = bins[:i], bins[i+1:]
	}
	walls := make([][]time.Duration, len(bins))
	rss := make([][]int64, len(bins))
	for range n {
		for j, b := range bins {
			c := exec.Command(b, args...)
			start := time.Now()
			if err := c.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "measure: %s: %v\n", b, err)
				os.Exit(1)
			}
			walls[j] = append(walls[j], time.Since(start))
			rss[j] = append(rss[j], c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
		}
	}
	fmt.Printf("%-34s %10s %10s %12s %12s\n", "binary", "median", "p10", "RSS median", "RSS max")
	for j, b := range bins {
		slices.Sort(walls[j])
		slices.Sort(rss[j])
		fmt.Printf("%-34s %7.2f ms %7.2f ms %9d KB %9d KB\n", b,
			float64(walls[j][n/2].Microseconds())/1000, float64(walls[j][n/10].Microseconds())/1000,
			rss[j][n/2], rss[j][n-1])
	}
}
