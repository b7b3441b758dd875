package cliruntime

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

// gatedWriter collects what a watch prints; the first write that contains
// block waits until release is closed, as a reader that paused would.
type gatedWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	block   string
	blocked chan struct{}
	release chan struct{}
	stopOn  string
	cancel  context.CancelFunc
}

func (g *gatedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	n, err := g.buf.Write(p)
	// Printers write a line in pieces: match what has been written.
	pause := g.block != "" && strings.Contains(g.buf.String(), g.block)
	if pause {
		g.block = ""
	}
	if strings.Contains(g.buf.String(), g.stopOn) {
		g.cancel()
	}
	g.mu.Unlock()
	if pause {
		close(g.blocked)
		<-g.release
	}
	return n, err
}

func (g *gatedWriter) String() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.String()
}

// TestWatchRelistsAfterExpiry: a get -w whose reader paused while the
// store compacted past its position relists and goes on (issue 15.6),
// printing what changed while it was behind, instead of ending with
// "too old resource version" as kubectl's plain watch does; what it
// printed, replayed, is the store's final state.
func TestWatchRelistsAfterExpiry(t *testing.T) {
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "k1s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	plugins, err := filepath.Abs(filepath.Join("..", "examples", "inventory", "plugins"))
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	newCLI := func(out, errOut *bytes.Buffer, in string) *CLI {
		return &CLI{
			Name: "k1s", Version: "v0.0.0-test", In: strings.NewReader(in), Out: out, ErrOut: errOut,
			Getenv: func(string) string { return "" },
			Open: func(ctx context.Context, flags *GlobalFlags) (*Session, error) {
				cc, err := core.New(core.Options{Storage: store, PluginPaths: []string{plugins}, DiscoveryCacheDir: cacheDir})
				if err != nil {
					return nil, err
				}
				return &Session{Client: cc, Registry: cc.Registry()}, nil
			},
		}
	}
	run := func(in string, args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := newCLI(&out, &errOut, in).ExecuteContext(context.Background(), args); code != 0 {
			t.Fatalf("k1s %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	run(itemsYAML(3), "apply", "-f", "-")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &gatedWriter{block: "MODIFIED item-000", blocked: make(chan struct{}), release: make(chan struct{}), stopOn: "item-zzz", cancel: cancel}
	var errOut bytes.Buffer
	watcher := newCLI(nil, &errOut, "")
	watcher.Out = g
	done := make(chan int)
	go func() {
		done <- watcher.ExecuteContext(ctx, []string{"get", "items", "-w", "--output-watch-events", "-v=2",
			"-o", `jsonpath={.type} {.object.metadata.name} {.object.spec.quantity}{"\n"}`})
	}()

	// The list is printed before the watch starts; the patch comes after.
	for !strings.Contains(g.String(), "ADDED item-002") {
		select {
		case code := <-done:
			t.Fatalf("watch ended (exit %d) before listing: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	run("", "patch", "item", "item-000", "--type=merge", "-p", `{"spec":{"quantity":50}}`)
	<-g.blocked
	// While the reader is paused: far more changes than any buffer holds,
	// a delete and a create, then compaction past all of them.
	for i := range 400 {
		run("", "patch", "item", "item-002", "--type=merge", "-p", fmt.Sprintf(`{"spec":{"quantity":%d}}`, 100+i))
	}
	run("", "delete", "item", "item-001")
	run("apiVersion: inventory.example.com/v1alpha1\nkind: Item\nmetadata:\n  name: item-100\nspec:\n  category: c\n  quantity: 7\n", "apply", "-f", "-")
	rev, err := store.CurrentRevision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	run("apiVersion: inventory.example.com/v1alpha1\nkind: Item\nmetadata:\n  name: item-zzz\nspec:\n  category: c\n  quantity: 1\n", "apply", "-f", "-")
	if code := <-done; code != 0 {
		t.Fatalf("watch exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "relisting") {
		t.Fatalf("the watch never fell behind compaction; stderr:\n%s\nstdout:\n%s", errOut.String(), g.String())
	}

	// Replaying what was printed gives the store's final state.
	state := map[string]string{}
	for line := range strings.Lines(g.String()) {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("line %q", line)
		}
		if f[0] == "DELETED" {
			delete(state, f[1])
		} else {
			state[f[1]] = f[2]
		}
	}
	want := map[string]string{}
	for line := range strings.Lines(run("", "get", "items", "-o", `jsonpath={range .items[*]}{.metadata.name} {.spec.quantity}{"\n"}{end}`)) {
		f := strings.Fields(line)
		want[f[0]] = f[1]
	}
	if fmt.Sprint(state) != fmt.Sprint(want) {
		t.Errorf("replayed watch = %v, store = %v\nwatch printed:\n%s", state, want, g.String())
	}
	if !strings.Contains(g.String(), "DELETED item-001") || !strings.Contains(g.String(), "ADDED item-100 7") {
		t.Errorf("the relist did not print what changed while behind:\n%s", g.String())
	}
}
