package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	runs := flag.Int("n", 41, "runs per command (the median is reported)")
	items := flag.Int("items", 10000, "items to seed")
	manifests := flag.Int("manifests", 20, "plugin manifests (the inventory one plus generated ones)")
	kubectl := flag.String("kubectl", "/usr/bin/kubectl", "kubectl binary for the anchor; empty to skip")
	keep := flag.String("dir", "", "work directory to use and keep (default: a temporary one, removed)")
	ldflags := flag.String("ldflags", "-s -w", "linker flags for the k1s build")
	mode := flag.String("mode", "table", "table: the commands below, one after another; floor: `get item NAME -o json` against bench/floor, interleaved; select: `get items -l shelf=s7` against `get item NAME`, interleaved")
	prebuilt := flag.String("bin", "", "directory holding k1s, k1s-etcd (and for -mode floor, floor) already built with the flags above: skips the builds")
	with := flag.String("with", "", "for -mode floor and select: more k1s binaries to run interleaved, as name=path,name=path (an older build, say)")
	flag.Parse()
	log.SetFlags(0)

	dir := *keep
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "k1s-clibench-"); err != nil {
			log.Fatal(err)
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	root, err := repoRoot()
	if err != nil {
		log.Fatal(err)
	}
	// k1s and its etcd companion, side by side as installed: k1s execs
	// k1s-etcd for etcd:// storage.
	bindir := dir
	if *prebuilt != "" {
		bindir = *prebuilt
	}
	bin := filepath.Join(bindir, "k1s")
	companion := filepath.Join(bindir, "k1s-etcd")
	for _, b := range []struct{ out, pkg string }{{bin, "./cmd/k1s"}, {companion, "./cmd/k1s-etcd"}} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags", *ldflags, "-o", b.out, b.pkg)
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if *prebuilt != "" {
			build = nil
		} else if err := build.Run(); err != nil {
			log.Fatalf("building k1s: %v", err)
		}
		if fi, err := os.Stat(b.out); err == nil {
			log.Printf("%s binary: %.1f MB", filepath.Base(b.out), float64(fi.Size())/1e6)
		}
	}

	project := filepath.Join(dir, "project")
	plugins := filepath.Join(project, ".k1s", "plugins")
	cache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		log.Fatal(err)
	}
	types, err := os.ReadFile(filepath.Join(root, "examples", "inventory", "plugins", "types.yaml"))
	if err != nil {
		log.Fatal(err)
	}
	must(os.WriteFile(filepath.Join(plugins, "inventory.yaml"), types, 0o644))
	for i := 1; i < *manifests; i++ {
		must(os.WriteFile(filepath.Join(plugins, fmt.Sprintf("plugin-%02d.yaml", i)), []byte(manifest(i)), 0o644))
	}
	env := append(os.Environ(), "K1S_CACHE_DIR="+cache, "K1S_DATA=", "K1S_PLUGIN_PATH=", "K1S_STORAGE=", "K1S_NAMESPACE=", "K1S_TENANT=")

	db := filepath.Join(project, ".k1s", "k1s.db")
	if _, err := os.Stat(db); err != nil {
		seed := filepath.Join(dir, "seed.yaml")
		must(os.WriteFile(seed, []byte(seedItems(*items)), 0o644))
		start := time.Now()
		cmd := exec.Command(bin, "apply", "-f", seed, "-o", "name")
		cmd.Dir, cmd.Env, cmd.Stderr = project, env, os.Stderr
		if err := cmd.Run(); err != nil {
			log.Fatalf("seeding: %v", err)
		}
		log.Printf("seeded %d items + 2 categories with one `k1s apply` in %s", *items, time.Since(start).Round(time.Millisecond))
	}

	target := fmt.Sprintf("item-%05d", *items/2)
	if *mode != "table" {
		var extra [][2]string
		for _, kv := range strings.Split(*with, ",") {
			if name, path, ok := strings.Cut(kv, "="); ok {
				extra = append(extra, [2]string{name, path})
			}
		}
		var cs []contender
		switch *mode {
		case "floor":
			floor := filepath.Join(bindir, "floor")
			if *prebuilt == "" {
				floor = buildFloor(root, dir, *ldflags)
			}
			key := floorKey(floor, project, target)
			cs = append(cs, contender{"floor (bench/floor)", []string{floor, "-db", db, "-key", key}, `"name": "` + target + `"`})
			for _, b := range append([][2]string{{"k1s", bin}}, extra...) {
				cs = append(cs, contender{b[0] + " get item " + target + " -o json", []string{b[1], "get", "item", target, "-o", "json"}, `"name": "` + target + `"`})
			}
		case "select":
			for _, b := range append([][2]string{{"k1s", bin}}, extra...) {
				cs = append(cs,
					contender{b[0] + " get item " + target, []string{b[1], "get", "item", target}, target},
					contender{b[0] + " get items -l shelf=s7", []string{b[1], "get", "items", "-l", "shelf=s7"}, "item-00007"})
			}
		default:
			log.Fatalf("unknown -mode %q", *mode)
		}
		interleave(project, env, *runs, cs)
		return
	}

	type bench struct {
		name  string
		argv  []string
		cold  bool
		check string
	}
	benches := []bench{
		{"k1s get item " + target + " (cold)", []string{bin, "get", "item", target}, true, target},
		{"k1s get item " + target + " (warm)", []string{bin, "get", "item", target}, false, target},
		{"k1s get items -l shelf=s7 (cold)", []string{bin, "get", "items", "-l", "shelf=s7"}, true, "item-"},
		{"k1s get items -l shelf=s7 (warm)", []string{bin, "get", "items", "-l", "shelf=s7"}, false, "item-"},
		{"k1s version (no store)", []string{bin, "version"}, false, "Client Version"},
		// The same command as k1s-etcd runs it, which is what k1s
		// --storage etcd:// costs on top of the exec.
		{"k1s-etcd get item " + target + " (warm)", []string{companion, "get", "item", target}, false, target},
	}
	if *kubectl != "" {
		if _, err := os.Stat(*kubectl); err == nil {
			benches = append(benches, bench{"kubectl version --client", []string{*kubectl, "version", "--client"}, false, "Client Version"})
		}
	}
	results := map[string][2]float64{}
	fmt.Printf("| command | median wall | peak RSS (max of runs) |\n|---|---:|---:|\n")
	for _, b := range benches {
		var walls []time.Duration
		var rss int64
		for i := 0; i < *runs+1; i++ {
			if b.cold {
				must(os.RemoveAll(cache))
			}
			cmd := exec.Command(b.argv[0], b.argv[1:]...)
			var out bytes.Buffer
			cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = project, env, &out, &out
			start := time.Now()
			err := cmd.Run()
			wall := time.Since(start)
			if err != nil || !strings.Contains(out.String(), b.check) {
				log.Fatalf("%s: %v\n%s", b.name, err, out.String())
			}
			if i == 0 {
				continue // the first run only warms the page cache
			}
			walls = append(walls, wall)
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > rss {
				rss = ru.Maxrss
			}
		}
		sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
		med := walls[len(walls)/2]
		results[b.name] = [2]float64{float64(med.Microseconds()) / 1000, float64(rss) / 1024}
		fmt.Printf("| `%s`%s | %.1f ms | %.1f MB |\n", strings.Join(append([]string{filepath.Base(b.argv[0])}, b.argv[1:]...), " "),
			map[bool]string{true: " cold", false: ""}[b.cold], float64(med.Microseconds())/1000, float64(rss)/1024)
		log.Printf("%s: median %s, peak RSS %d KB", b.name, med, rss)
	}
	if k, ok := results["kubectl version --client"]; ok {
		fmt.Println()
		fmt.Println("| k1s command | wall vs kubectl | RSS vs kubectl |\n|---|---:|---:|")
		for _, b := range benches {
			if strings.HasPrefix(b.name, "kubectl") {
				continue
			}
			r := results[b.name]
			fmt.Printf("| %s | %.2fx | %.2fx |\n", b.name, r[0]/k[0], r[1]/k[1])
		}
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// manifest returns a plugin manifest with two types, as a plugin that is
// installed but not used by the benchmarked commands.
func manifest(i int) string {
	return fmt.Sprintf(`apiVersion: k1s.io/v1alpha1
kind: PluginTypeManifest
metadata:
  name: plugin-%02d
spec:
  types:
  - group: plugin%02d.example.com
    version: v1
    kind: Widget
    plural: widgets
    shortNames: [wg%02d]
    namespaced: true
    printColumns:
    - name: SIZE
      type: integer
      jsonPath: .spec.size
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, minimum: 0}
              color: {type: string, enum: [red, green, blue]}
  - group: plugin%02d.example.com
    version: v1
    kind: Gadget
    plural: gadgets
    namespaced: false
`, i, i, i, i)
}

// seedItems returns n items spread over 100 shelves (so -l shelf=s7
// selects 1%%) plus their two categories, as one List.
func seedItems(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for _, c := range []string{"tools", "fasteners"} {
		_, _ = fmt.Fprintf(&b, "- apiVersion: inventory.example.com/v1alpha1\n  kind: Category\n  metadata:\n    name: %s\n", c)
	}
	for i := 0; i < n; i++ {
		_, _ = fmt.Fprintf(&b, "- apiVersion: inventory.example.com/v1alpha1\n  kind: Item\n  metadata:\n    name: item-%05d\n    labels:\n      shelf: s%d\n  spec:\n    category: tools\n    quantity: %d\n    description: item number %d\n", i, i%100, i%1000, i)
	}
	return b.String()
}
