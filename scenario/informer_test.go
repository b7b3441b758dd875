package scenario

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func init() {
	helpers["informer"] = informerHelper
	helpers["compacting-writer"] = compactingWriter
}

// informerDump is what the informer helper reports: its cache, as
// namespace/name -> resourceVersion.
type informerDump struct {
	Objects map[string]string `json:"objects"`
}

// informerHelper runs a ManagedRuntime with a ConfigMap informer over the
// store in SCENARIO_DB, prints "synced REV" once its cache is (REV being
// the revision its watch resumes from), and on SIGTERM
// waits until the cache has caught up with the store, writes an
// informerDump to SCENARIO_OUT and exits.
func informerHelper() error {
	ctx := context.Background()
	store, err := sqlite.Open(os.Getenv("SCENARIO_DB"))
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	rt, err := k1s.NewManagedRuntime(k1s.ManagedRuntimeOptions{CoreClientOptions: k1s.CoreClientOptions{Storage: store}, EnableInformers: true})
	if err != nil {
		return err
	}
	inf, err := rt.GetInformerFor(&corev1.ConfigMap{})
	if err != nil {
		return err
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	if err := rt.Start(ctx); err != nil {
		return err
	}
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("informer did not sync")
	}
	fmt.Println("synced", inf.LastSyncResourceVersion())
	<-term
	for {
		rev, err := store.CurrentRevision(ctx)
		if err != nil {
			return err
		}
		if last, err := strconv.ParseInt(inf.LastSyncResourceVersion(), 10, 64); err == nil && last >= rev {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	dump := informerDump{Objects: map[string]string{}}
	for _, o := range inf.GetStore().List() {
		cm := o.(*corev1.ConfigMap)
		dump.Objects[cm.Namespace+"/"+cm.Name] = cm.ResourceVersion
	}
	b, _ := json.Marshal(dump)
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := rt.Shutdown(sctx); err != nil {
		return err
	}
	return os.WriteFile(os.Getenv("SCENARIO_OUT"), b, 0o600)
}

// compactingWriter writes to the store in SCENARIO_DB with a retention of
// 50 revisions, so that automatic compaction runs every few writes:
// creates, updates and deletes of ConfigMaps.
func compactingWriter() error {
	ctx := context.Background()
	store, err := sqlite.Open(os.Getenv("SCENARIO_DB"), sqlite.Retention(50, 0))
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	c, err := core.New(core.Options{Storage: store})
	if err != nil {
		return err
	}
	for i := range 1500 {
		name := fmt.Sprintf("cm-%d", i%40)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}, Data: map[string]string{"n": fmt.Sprint(i)}}
		if i%7 == 6 {
			err = c.Delete(ctx, cm)
		} else if err = c.Update(ctx, cm); err != nil && strings.Contains(err.Error(), "not found") {
			err = c.Create(ctx, cm)
		}
		if err != nil && !strings.Contains(err.Error(), "not found") {
			return err
		}
	}
	return nil
}

// helper starts the test binary as helper name with env.
func helper(t *testing.T, name string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "SCENARIO_HELPER="+name)...)
	cmd.Stderr = os.Stderr
	return cmd
}

// TestInformerBesideACompactingWriter runs an informer in one process and,
// while that process is paused (a laptop asleep, a process stopped in a
// debugger), a writer in another whose automatic compaction removes the
// history the informer's watch would resume from. Resumed, the informer
// must relist and end with exactly the store's objects.
func TestInformerBesideACompactingWriter(t *testing.T) {
	w := newWorld(t)
	if r := w.run(false, "", "create", "configmap", "cm-0", "--from-literal=n=0"); r.code != 0 {
		t.Fatalf("%s", r)
	}
	out := w.dir + "/informer.json"
	inf := helper(t, "informer", "SCENARIO_DB="+w.db, "SCENARIO_OUT="+out)
	stdout, err := inf.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := inf.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inf.Process.Kill(); _ = inf.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	var synced int64
	if _, serr := fmt.Sscanf(line, "synced %d", &synced); err != nil || serr != nil {
		t.Fatalf("informer helper said %q (%v)", line, err)
	}
	if err := inf.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := helper(t, "compacting-writer", "SCENARIO_DB="+w.db).Run(); err != nil {
		t.Fatalf("writer: %v", err)
	}
	// The history the paused watch resumes from is gone.
	store, err := sqlite.Open(w.db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.List(t.Context(), "/", storage.ListOptions{Revision: synced})
	_ = store.Close()
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("a list at the informer's revision %d after the writer: %v, want 410 Gone (the test must make the watch expire)", synced, err)
	}
	if err := inf.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if err := inf.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- inf.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("informer helper: %v", err)
		}
	case <-time.After(hangAfter):
		t.Fatal("the informer never caught up with the store")
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var dump informerDump
	if err := json.Unmarshal(b, &dump); err != nil {
		t.Fatal(err)
	}
	objs, err := w.list(false, "configmaps", "default")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, o := range objs {
		want["default/"+o.name()] = o.str("metadata", "resourceVersion")
	}
	if fmt.Sprint(want) != fmt.Sprint(dump.Objects) {
		t.Errorf("informer cache after the relist:\n%v\nstore:\n%v", dump.Objects, want)
	}
}
