package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/client"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func init() {
	sqlite.RegisterChild("reconciler", childReconciler)
}

// openCore opens the store at path and a CoreClient over it.
func openCore(t testing.TB, path string) *core.Client {
	t.Helper()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, SkipPlugins: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// childReconciler keeps one CoreClient open and, for each line of stdin,
// does what a reconciler does on an event: Get the object, then write it
// back with the resourceVersion it read. It answers "ok RESOURCEVERSION"
// or "err MESSAGE".
//
//	status NS   Status().Update of Namespace NS with one more condition
//	update CM   Update of ConfigMap default/CM with one more data key
//	finalize CM Update of ConfigMap default/CM without its finalizers
//	delete CM   Delete of ConfigMap default/CM, preconditioned on its
//	            resourceVersion and UID
func childReconciler(path string, _ int) error {
	s, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	c, err := core.New(core.Options{Storage: s, SkipPlugins: true})
	if err != nil {
		return err
	}
	ctx := context.Background()
	step := func(verb, name string) (client.Object, error) {
		switch verb {
		case "status":
			ns := &corev1.Namespace{}
			if err := c.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
				return nil, err
			}
			ns.Status.Conditions = append(ns.Status.Conditions, corev1.NamespaceCondition{
				Type: corev1.NamespaceConditionType(fmt.Sprintf("Seen%d", len(ns.Status.Conditions))), Status: corev1.ConditionTrue})
			return ns, c.Status().Update(ctx, ns)
		}
		cm := &corev1.ConfigMap{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: name}, cm); err != nil {
			return nil, err
		}
		switch verb {
		case "update":
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[fmt.Sprintf("a%d", len(cm.Data))] = "x"
			return cm, c.Update(ctx, cm)
		case "finalize":
			cm.Finalizers = nil
			return cm, c.Update(ctx, cm)
		case "delete":
			rv, uid := cm.ResourceVersion, cm.UID
			return cm, c.Delete(ctx, cm, client.Preconditions{ResourceVersion: &rv, UID: &uid})
		}
		return nil, fmt.Errorf("unknown command %q", verb)
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		verb, name, _ := strings.Cut(sc.Text(), " ")
		obj, err := step(verb, name)
		ans := "err "
		if err != nil {
			ans += strings.ReplaceAll(err.Error(), "\n", " ")
		} else {
			ans = "ok " + obj.GetResourceVersion()
		}
		if _, err := fmt.Println(ans); err != nil {
			return err
		}
	}
	return sc.Err()
}

// reconciler drives a childReconciler process.
type reconciler struct {
	t   *testing.T
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startReconciler(t *testing.T, path string) *reconciler {
	cmd := sqlite.Child(t, "reconciler", path, 0)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &reconciler{t: t, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	t.Cleanup(func() {
		_ = in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("reconciler process: %v", err)
		}
	})
	return r
}

// do runs one step in the reconciler process and fails the test when it
// fails.
func (r *reconciler) do(step string) string {
	r.t.Helper()
	if _, err := fmt.Fprintln(r.in, step); err != nil {
		r.t.Fatal(err)
	}
	if !r.out.Scan() {
		r.t.Fatalf("reconciler %q: no answer (%v)", step, r.out.Err())
	}
	ans, ok := strings.CutPrefix(r.out.Text(), "ok ")
	if !ok {
		r.t.Fatalf("reconciler %q: %s", step, r.out.Text())
	}
	return ans
}

// TestReconcilerBesideOtherProcesses is issue 15's first failure through
// core, as a controller meets it: a long-lived process (the reconciler)
// and this one (a one-shot command's stand-in) write the same objects in
// turn. Every step of the reconciler reads first, so each write carries
// the current resourceVersion and must succeed, however often another
// process wrote in between; and a deletion held by a finalizer completes
// when the reconciler removes it.
func TestReconcilerBesideOtherProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k1s.db")
	b := openCore(t, path)
	ctx := t.Context()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "work"}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "shared"}}
	for _, o := range []client.Object{ns, cm} {
		if err := b.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	a := startReconciler(t, path)
	label := func(o client.Object, i int) {
		t.Helper()
		if err := b.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatal(err)
		}
		o.SetLabels(map[string]string{"round": fmt.Sprint(i)})
		if err := b.Update(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		a.do("status work")
		a.do("update shared")
		label(ns, i)
		label(cm, i)
		if rv := a.do("status work"); rv == ns.ResourceVersion {
			t.Fatalf("round %d: status update kept resourceVersion %s", i, rv)
		}
		a.do("update shared")
	}
	got := &corev1.Namespace{}
	if err := b.Get(ctx, client.ObjectKey{Name: "work"}, got); err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Conditions) != 6 || got.Labels["round"] != "2" {
		t.Fatalf("namespace after 6 status updates and 3 label updates: %d conditions, labels %v", len(got.Status.Conditions), got.Labels)
	}

	// A finalizer the reconciler removes after another process deleted
	// the object.
	label(cm, 9)
	cm.Finalizers = []string{"example.com/hold"}
	if err := b.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	a.do("update shared")
	if err := b.Delete(ctx, cm); err != nil {
		t.Fatal(err)
	}
	a.do("finalize shared")
	if err := b.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Fatalf("ConfigMap after its last finalizer was removed: %v, want NotFound", err)
	}

	// A delete preconditioned on the resourceVersion just read.
	cm = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "other"}}
	if err := b.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	a.do("update other")
	label(cm, 1)
	a.do("delete other")
	if err := b.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Fatalf("ConfigMap after the reconciler deleted it: %v, want NotFound", err)
	}
}
