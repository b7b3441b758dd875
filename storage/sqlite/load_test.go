package sqlite_test

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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func init() {
	sqlite.RegisterChild("corewatch", childCoreWatch)
	sqlite.RegisterChild("corecreate", childCoreCreate)
	sqlite.RegisterChild("corepatch", childCorePatch)
}

// endName is the ConfigMap whose creation ends the watchers.
const endName = "zz-end"

// childCoreSession opens the store and a CoreClient as a k1s command does.
func childCoreSession(path string) (*core.Client, func(), error) {
	s, err := sqlite.Open(path, sqlite.ChildOptions()...)
	if err != nil {
		return nil, nil, err
	}
	c, err := core.New(core.Options{Storage: s, SkipPlugins: true})
	if err != nil {
		_ = s.Close()
		return nil, nil, err
	}
	return c, func() { _ = s.Close() }, nil
}

// childCoreWatch watches the ConfigMaps of namespace default from the
// resourceVersion arg and prints "TYPE NAME RESOURCEVERSION" for every
// event until it sees endName created.
func childCoreWatch(path string, from int) error {
	c, done, err := childCoreSession(path)
	if err != nil {
		return err
	}
	defer done()
	w, err := c.Watch(context.Background(), &corev1.ConfigMapList{}, client.InNamespace("default"),
		&client.ListOptions{ResourceVersion: strconv.Itoa(from)})
	if err != nil {
		return err
	}
	defer w.Stop()
	out := bufio.NewWriter(os.Stdout)
	defer func() { _ = out.Flush() }()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("watch ended before %s was created", endName)
			}
			cm, ok := ev.Object.(*corev1.ConfigMap)
			if !ok {
				return fmt.Errorf("watch event %s carries %T: %v", ev.Type, ev.Object, ev.Object)
			}
			if _, err := fmt.Fprintln(out, ev.Type, cm.Name, cm.ResourceVersion); err != nil {
				return err
			}
			if cm.Name == endName {
				return nil
			}
		case <-time.After(2 * time.Minute):
			return fmt.Errorf("watch: no event within 2 minutes")
		}
	}
}

// childResult prints the outcome of one write: "ok NAME RESOURCEVERSION"
// or "fail ERROR"; a one-shot command reports either.
func childResult(name string, obj client.Object, err error) {
	if err != nil {
		fmt.Println("fail", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Println("ok", name, obj.GetResourceVersion())
}

// childCoreCreate creates n ConfigMaps of about 4 KB in namespace default.
func childCoreCreate(path string, n int) error {
	c, done, err := childCoreSession(path)
	if err != nil {
		fmt.Println("fail", err)
		return nil
	}
	defer done()
	for i := range n {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("cm-%d-%d", os.Getpid(), i)},
			Data:       map[string]string{"payload": strings.Repeat("x", 4000)},
		}
		err := c.Create(context.Background(), cm)
		childResult(cm.Name, cm, err)
	}
	return nil
}

// childCorePatch merge-patches ConfigMap default/shared n times, as
// "k1s patch cm shared --type merge" does: no resourceVersion, so
// concurrent patches never conflict.
func childCorePatch(path string, n int) error {
	c, done, err := childCoreSession(path)
	if err != nil {
		fmt.Println("fail", err)
		return nil
	}
	defer done()
	for i := range n {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shared"}}
		patch := fmt.Sprintf(`{"data":{"p%d":"%d-%d"}}`, os.Getpid(), i, time.Now().UnixNano())
		err := c.Patch(context.Background(), cm, client.RawPatch(types.MergePatchType, []byte(patch)))
		childResult(cm.Name, cm, err)
	}
	return nil
}

// started is a child process and the lines it printed, once it ended.
type started struct {
	cmd   *exec.Cmd
	lines chan []string
}

func startChild(t *testing.T, mode, path string, arg int) started {
	t.Helper()
	cmd := sqlite.Child(t, mode, path, arg)
	cmd.Env = append(cmd.Env, sqlite.EnvCheckpoint+"=16")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := started{cmd: cmd, lines: make(chan []string, 1)}
	go func() {
		var lines []string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		p.lines <- lines
	}()
	return p
}

func (p started) wait(t *testing.T) []string {
	t.Helper()
	lines := <-p.lines
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("%s: %v", p.cmd.Env[len(p.cmd.Env)-2], err)
	}
	return lines
}

// TestConcurrentCommandsAndWatchers is the load of issue 19: 4 long-lived
// watchers while 16 processes at a time create ConfigMaps and 8 at a time
// merge-patch one ConfigMap, each a short-lived process (open the store,
// a few writes through core, exit), with checkpoints every 16 WAL pages.
// No command may fail, and every watcher must see every write once, in
// order.
func TestConcurrentCommandsAndWatchers(t *testing.T) {
	const (
		watchers, creators, patchers = 4, 16, 8
		waves, writesPerProcess      = 4, 4
	)
	path := filepath.Join(t.TempDir(), "k1s.db")
	c := openCore(t, path)
	ctx := t.Context()
	shared := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shared"}}
	if err := c.Create(ctx, shared); err != nil {
		t.Fatal(err)
	}
	from, _ := strconv.Atoi(shared.ResourceVersion)
	var ws []started
	for range watchers {
		ws = append(ws, startChild(t, "corewatch", path, from))
	}
	var lines []string
	for range waves {
		var ps []started
		for range creators {
			ps = append(ps, startChild(t, "corecreate", path, writesPerProcess))
		}
		for range patchers {
			ps = append(ps, startChild(t, "corepatch", path, writesPerProcess))
		}
		for _, p := range ps {
			lines = append(lines, p.wait(t)...)
		}
	}
	end := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: endName}}
	if err := c.Create(ctx, end); err != nil {
		t.Fatal(err)
	}

	type event struct {
		rv   int
		line string
	}
	var want []event
	var failed []string
	for _, l := range append(lines, "ok "+endName+" "+end.ResourceVersion) {
		f := strings.Fields(l)
		if f[0] != "ok" || len(f) != 3 {
			failed = append(failed, l)
			continue
		}
		rv, _ := strconv.Atoi(f[2])
		typ := "ADDED"
		if f[1] == "shared" {
			typ = "MODIFIED"
		}
		want = append(want, event{rv, typ + " " + f[1] + " " + f[2]})
	}
	total := waves * (creators + patchers) * writesPerProcess
	if len(failed) > 0 {
		t.Errorf("%d of %d commands failed; first: %s", len(failed), total, failed[0])
	}
	if got := len(want) - 1 + len(failed); got != total {
		t.Errorf("%d results for %d writes", got, total)
	}
	slices.SortFunc(want, func(a, b event) int { return a.rv - b.rv })
	var wantLines []string
	for _, e := range want {
		wantLines = append(wantLines, e.line)
	}
	for i, w := range ws {
		got := w.wait(t)
		if !slices.Equal(got, wantLines) {
			t.Errorf("watcher %d saw %d events, want %d (every write once, in order); first difference at %d",
				i, len(got), len(wantLines), firstDiff(got, wantLines))
		}
	}
	var list corev1.ConfigMapList
	if err := c.List(ctx, &list, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	if want := waves*creators*writesPerProcess + 2; len(failed) == 0 && len(list.Items) != want {
		t.Errorf("%d ConfigMaps stored, want %d", len(list.Items), want)
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
