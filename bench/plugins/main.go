package main

import (
	"crypto/sha256"
	"encoding/hex"
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
	runs := flag.Int("n", 31, "runs per command (the median is reported)")
	count := flag.Int("plugins", 10, "plugins installed in the second project")
	other := flag.String("other", "", "another k1s binary (say, main's, without the WASM runtime) run in the project without plugins, as a third column")
	flag.Parse()
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "k1s-pluginbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	bin := filepath.Join(dir, "k1s")
	// k1s-etcd beside k1s: k1s hands it the commands that write.
	must(run(root, nil, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", dir+"/", "./cmd/k1s", "./cmd/k1s-etcd"))
	wasm := filepath.Join(dir, "guest.wasm")
	must(run(root, []string{"GOOS=wasip1", "GOARCH=wasm"}, "go", "build", "-buildmode=c-shared", "-o", wasm, "./plugins/testdata/guest"))
	module, err := os.ReadFile(wasm)
	must(err)
	sum := sha256.Sum256(module)
	types, err := os.ReadFile(filepath.Join(root, "examples", "inventory", "plugins", "types.yaml"))
	must(err)

	projects := map[string]string{"none": filepath.Join(dir, "none"), "plugins": filepath.Join(dir, "plugins")}
	for name, p := range projects {
		pd := filepath.Join(p, ".k1s", "plugins")
		must(os.MkdirAll(pd, 0o755))
		must(os.WriteFile(filepath.Join(pd, "inventory.yaml"), types, 0o644))
		if name == "plugins" {
			for i := range *count {
				d := filepath.Join(pd, fmt.Sprintf("p%02d", i))
				must(os.MkdirAll(d, 0o755))
				must(os.WriteFile(filepath.Join(d, "plugin.wasm"), module, 0o644))
				must(os.WriteFile(filepath.Join(d, "plugin.yaml"), fmt.Appendf(nil, `apiVersion: k1s.io/v1alpha1
kind: Plugin
metadata: {name: p%02d}
spec:
  version: 0.1.0
  module: {path: plugin.wasm, sha256: '%s'}
  reconcile:
  - {apiVersion: inventory.example.com/v1alpha1, kind: Category}
  validate:
  - {apiVersion: inventory.example.com/v1alpha1, kind: Item, operations: [CREATE, UPDATE]}
  mutate:
  - {apiVersion: inventory.example.com/v1alpha1, kind: Item, operations: [CREATE]}
  permissions:
  - {apiGroups: [inventory.example.com], resources: [categories], verbs: [get, list]}
`, i, hex.EncodeToString(sum[:])), 0o644))
			}
		}
		must(run(p, env(dir), bin, "create", "configmap", "c0", "--from-literal=a=b"))
	}
	type cmdSpec struct{ name, args string }
	cmds := []cmdSpec{{"get configmap c0", "get configmap c0"}, {"create configmap (not hooked)", "create configmap c%d"}}
	for _, c := range cmds {
		wall := map[string][]time.Duration{}
		cpu := map[string][]time.Duration{}
		rss := map[string]int64{}
		names := []string{"none", "plugins"}
		if *other != "" {
			names = append(names, "other")
		}
		for i := 0; i <= *runs; i++ { // run 0 warms the page cache
			for _, name := range names {
				args := strings.Fields(c.args)
				for j, a := range args {
					if strings.Contains(a, "%d") {
						args[j] = fmt.Sprintf(a, i+1)
					}
				}
				b, project := bin, projects[name]
				if name == "other" {
					b, project = *other, projects["none"]
					for j, a := range args {
						args[j] = strings.Replace(a, fmt.Sprint("c", i+1), fmt.Sprint("o", i+1), 1)
					}
				}
				cmd := exec.Command(b, args...)
				cmd.Dir, cmd.Env = project, env(dir)
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					log.Fatalf("%s %s: %v\n%s", name, c.args, err, out)
				}
				if i == 0 {
					continue
				}
				wall[name] = append(wall[name], time.Since(start))
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					rss[name] = max(rss[name], ru.Maxrss)
					cpu[name] = append(cpu[name], time.Duration(ru.Utime.Nano()+ru.Stime.Nano()))
				}
			}
		}
		for _, name := range names {
			fmt.Printf("%-30s %-8s wall %7.2f ms  cpu %7.2f ms  rss %5.1f MB  (wall %.2fx, cpu %.2fx of none)\n", c.name, name,
				ms(median(wall[name])), ms(median(cpu[name])), float64(rss[name])/1024,
				float64(median(wall[name]))/float64(median(wall["none"])), float64(median(cpu[name]))/float64(median(cpu["none"])))
		}
	}
}

func env(dir string) []string {
	return append(os.Environ(), "HOME="+filepath.Join(dir, "home"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "K1S_PLUGIN_PATH=")
}

func run(dir string, extraEnv []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), extraEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
