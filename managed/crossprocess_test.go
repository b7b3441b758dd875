package managed_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/managed"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// The cross-process tests re-execute the test binary as helper processes;
// K1S_HELPER says which role to play.
const helperEnv = "K1S_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "writer":
		os.Exit(runWriter())
	case "watcher":
		os.Exit(runWatcher())
	default:
		_, _ = fmt.Fprintln(os.Stderr, "unknown helper role")
		os.Exit(2)
	}
}

func openRuntime(path string) (*managed.Runtime, func(), error) {
	store, err := sqlite.Open(path)
	if err != nil {
		return nil, nil, err
	}
	rt, err := managed.New(managed.Options{CoreClientOptions: coreOpts(store), EnableInformers: true})
	if err != nil {
		_ = store.Close()
		return nil, nil, err
	}
	return rt, func() {
		_ = rt.Shutdown(context.Background())
		_ = store.Close()
	}, nil
}

// runWriter creates and then updates K1S_COUNT ConfigMaps named after
// K1S_WRITER, printing "name rv" for every acknowledged write, and for
// the latency benchmark the write's wall-clock time in the object.
func runWriter() int {
	rt, closeFn, err := openRuntime(os.Getenv("K1S_DB"))
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeFn()
	id := os.Getenv("K1S_WRITER")
	n, _ := strconv.Atoi(os.Getenv("K1S_COUNT"))
	pause, _ := time.ParseDuration(os.Getenv("K1S_PAUSE"))
	ctx := context.Background()
	c := rt.Client()
	out := bufio.NewWriter(os.Stdout)
	defer func() { _ = out.Flush() }()
	for i := range n {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("w%s-%d", id, i)},
			Data: map[string]string{"t": strconv.FormatInt(time.Now().UnixNano(), 10)}}
		if err := c.Create(ctx, cm); err != nil {
			_, _ = fmt.Fprintln(os.Stderr, err)
			return 1
		}
		_, _ = fmt.Fprintf(out, "%s %s\n", cm.Name, cm.ResourceVersion)
		if pause > 0 {
			time.Sleep(pause)
		}
		cm.Data["t"] = strconv.FormatInt(time.Now().UnixNano(), 10)
		if err := c.Update(ctx, cm); err != nil {
			_, _ = fmt.Fprintln(os.Stderr, err)
			return 1
		}
		_, _ = fmt.Fprintf(out, "%s %s\n", cm.Name, cm.ResourceVersion)
		if pause > 0 {
			time.Sleep(pause)
		}
	}
	return 0
}

// runWatcher lists ConfigMaps, prints "ready", then watches from the
// list's revision and prints "TYPE name rv latency-ns" for each of the
// K1S_EXPECT events it waits for.
func runWatcher() int {
	rt, closeFn, err := openRuntime(os.Getenv("K1S_DB"))
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeFn()
	expect, _ := strconv.Atoi(os.Getenv("K1S_EXPECT"))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var list corev1.ConfigMapList
	if err := rt.Client().List(ctx, &list); err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w, err := rt.Client().Watch(ctx, &corev1.ConfigMapList{}, &client.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		_, _ = fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Stop()
	fmt.Println("ready")
	out := bufio.NewWriter(os.Stdout)
	defer func() { _ = out.Flush() }()
	for got := 0; got < expect; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				_, _ = fmt.Fprintln(os.Stderr, "watch closed early")
				return 1
			}
			now := time.Now().UnixNano()
			if ev.Type == watch.Error {
				_, _ = fmt.Fprintf(os.Stderr, "watch error: %v\n", ev.Object)
				return 1
			}
			m, _ := meta.Accessor(ev.Object)
			t, _ := strconv.ParseInt(ev.Object.(*corev1.ConfigMap).Data["t"], 10, 64)
			_, _ = fmt.Fprintf(out, "%s %s %s %d\n", ev.Type, m.GetName(), m.GetResourceVersion(), now-t)
			got++
		case <-ctx.Done():
			_, _ = fmt.Fprintln(os.Stderr, "watcher timed out")
			return 1
		}
	}
	return 0
}

type watched struct {
	typ, name string
	rv        int64
	latency   time.Duration
}

// crossProcess runs one watcher and `writers` writer processes over one
// SQLite file, and returns the writers' acknowledged "name rv" lines and
// the events the watcher received.
func crossProcess(t testing.TB, writers, perWriter int, pause time.Duration) (acked []string, got []watched) {
	db := filepath.Join(t.TempDir(), "xp.db")
	// Create the file and the default namespace once, up front.
	_, closeFn, err := openRuntime(db)
	if err != nil {
		t.Fatal(err)
	}
	closeFn()
	env := func(kv ...string) []string { return append(os.Environ(), append([]string{"K1S_DB=" + db}, kv...)...) }

	watcher := exec.Command(os.Args[0], "-test.run=^$")
	watcher.Env = env(helperEnv+"=watcher", fmt.Sprintf("K1S_EXPECT=%d", writers*perWriter*2))
	watcher.Stderr = os.Stderr
	stdout, err := watcher.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watcher.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("watcher did not get ready: %q %v", line, err)
	}

	procs := make([]*exec.Cmd, writers)
	outs := make([]*strings.Builder, writers)
	for i := range procs {
		outs[i] = &strings.Builder{}
		procs[i] = exec.Command(os.Args[0], "-test.run=^$")
		procs[i].Env = env(helperEnv+"=writer", fmt.Sprintf("K1S_WRITER=%d", i), fmt.Sprintf("K1S_COUNT=%d", perWriter), "K1S_PAUSE="+pause.String())
		procs[i].Stdout, procs[i].Stderr = outs[i], os.Stderr
		if err := procs[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
		acked = append(acked, strings.Fields(outs[i].String())...)
	}
	rest, _ := io.ReadAll(r)
	if err := watcher.Wait(); err != nil {
		t.Fatalf("watcher: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(rest)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 {
			t.Fatalf("watcher printed %q", line)
		}
		rv, _ := strconv.ParseInt(f[2], 10, 64)
		lat, _ := strconv.ParseInt(f[3], 10, 64)
		got = append(got, watched{f[0], f[1], rv, time.Duration(lat)})
	}
	return acked, got
}

// TestCrossProcessWatch: a watcher process receives, in order and exactly
// once, every change made by 4 writer processes.
func TestCrossProcessWatch(t *testing.T) {
	const writers, perWriter = 4, 25
	acked, got := crossProcess(t, writers, perWriter, 0)
	var want []string
	for i := 0; i < len(acked); i += 2 {
		want = append(want, acked[i]+" "+acked[i+1])
	}
	sort.Strings(want)
	var seen []string
	var last int64
	for _, ev := range got {
		if ev.rv <= last {
			t.Errorf("event %s %s at revision %d after revision %d: out of order or repeated", ev.typ, ev.name, ev.rv, last)
		}
		last = ev.rv
		seen = append(seen, fmt.Sprintf("%s %d", ev.name, ev.rv))
	}
	sort.Strings(seen)
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("watched changes differ from acknowledged writes (-acked +watched):\n%s", diff)
	}
	if len(seen) != writers*perWriter*2 {
		t.Errorf("watched %d changes, want %d", len(seen), writers*perWriter*2)
	}
}

// BenchmarkCrossProcessWatchLatency measures the time from a write in one
// process to its watch event in another (SQLite file, one writer pacing
// its writes 2 ms apart so each is measured on its own).
func BenchmarkCrossProcessWatchLatency(b *testing.B) {
	var lat []time.Duration
	for b.Loop() {
		_, got := crossProcess(b, 1, 100, 2*time.Millisecond)
		for _, ev := range got {
			lat = append(lat, ev.latency)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(1), "max-µs")
}
