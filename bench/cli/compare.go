package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// contender is one command of an interleaved comparison.
type contender struct {
	name  string
	argv  []string
	check string // the output must contain it
}

// interleave runs every contender once per round, rounds times, rotating
// which goes first, after one warm-up round; so that whatever else the
// shared machine is doing falls on all of them alike. It prints, per
// contender, the medians of wall and CPU time, the max of peak RSS, the
// medians of RssAnon and RssFile at exit, and the ratios to the first
// contender (the anchor).
func interleave(dir string, env []string, rounds int, cs []contender) {
	samples := make([][]sample, len(cs))
	for r := 0; r <= rounds; r++ {
		for j := range cs {
			i := (j + r) % len(cs)
			s, err := runTraced(dir, env, cs[i].argv...)
			if err != nil {
				log.Fatalf("%s: %v", cs[i].name, err)
			}
			if !strings.Contains(string(s.out), cs[i].check) {
				log.Fatalf("%s: output lacks %q:\n%s", cs[i].name, cs[i].check, s.out)
			}
			if r > 0 { // round 0 warms the page cache
				samples[i] = append(samples[i], s)
			}
		}
	}
	type summary struct {
		wall, cpu            time.Duration
		hwm, anon, file, bin float64 // MB
	}
	sums := make([]summary, len(cs))
	for i, ss := range samples {
		sums[i] = summary{
			wall: median(ss, func(s sample) time.Duration { return s.wall }),
			cpu:  median(ss, func(s sample) time.Duration { return s.cpu }),
			hwm:  float64(slices.MaxFunc(ss, func(a, b sample) int { return int(a.hwm - b.hwm) }).hwm) / 1024,
			anon: float64(median(ss, func(s sample) time.Duration { return time.Duration(s.rssAnon) })) / 1024,
			file: float64(median(ss, func(s sample) time.Duration { return time.Duration(s.rssFile) })) / 1024,
		}
		if fi, err := os.Stat(cs[i].argv[0]); err == nil {
			sums[i].bin = float64(fi.Size()) / 1e6
		}
	}
	a := sums[0]
	fmt.Printf("\n%d interleaved rounds; ratios are to `%s`\n\n", rounds, cs[0].name)
	fmt.Println("| command | binary | wall | CPU (user+sys) | peak RSS | RssAnon | RssFile | wall ratio | CPU ratio | peak RSS ratio |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, s := range sums {
		fmt.Printf("| `%s` | %.1f MB | %.1f ms | %.1f ms | %.1f MB | %.1f MB | %.1f MB | %.2fx | %.2fx | %.2fx |\n",
			cs[i].name, s.bin, ms(s.wall), ms(s.cpu), s.hwm, s.anon, s.file,
			ms(s.wall)/ms(a.wall), ms(s.cpu)/ms(a.cpu), s.hwm/a.hwm)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(ss []sample, f func(sample) time.Duration) time.Duration {
	v := make([]time.Duration, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// buildFloor builds bench/floor with the k1s build's flags.
func buildFloor(root, dir, ldflags string) string {
	out := filepath.Join(dir, "floor")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, "./bench/floor")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		log.Fatalf("building the floor: %v", err)
	}
	return out
}

// floorKey asks the floor program for the storage key of an item.
func floorKey(floor, project, name string) string {
	cmd := exec.Command(floor, "-db", filepath.Join(".k1s", "k1s.db"), "-suffix", "/"+name)
	cmd.Dir, cmd.Stderr = project, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("finding the key of %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}
