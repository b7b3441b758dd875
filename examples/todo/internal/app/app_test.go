package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/cliruntime"
	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
	"github.com/k1s-dev/k1s/examples/todo/internal/app"
)

// TestRegistry checks what the embedded CRD gives the Task type.
func TestRegistry(t *testing.T) {
	types := app.Types()
	if len(types) != 1 || types[0].Kind != todov1.GroupVersion.WithKind("Task") {
		t.Fatalf("types %+v", types)
	}
	typ := types[0]
	if !typ.Namespaced || !typ.StatusSubresource || !typ.CustomResource || typ.Resource != "tasks" ||
		len(typ.ShortNames) != 1 || typ.ShortNames[0] != "tk" || typ.Schema == nil {
		t.Errorf("Task type: %+v", typ)
	}
	var cols []string
	for _, c := range typ.PrintColumns {
		cols = append(cols, c.Name)
	}
	if got, want := strings.Join(cols, " "), "NAME Title Priority Due Done Ready Age"; got != want {
		t.Errorf("printer columns %q, want %q", got, want)
	}
}

// TestSessionDefaultStore writes a task through the session with no
// --data: it lands in .todo/todo.db of the project, with the CRD's
// default priority.
func TestSessionDefaultStore(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ".todo"), 0o755); err != nil {
		t.Fatal(err)
	}
	flags := &cliruntime.GlobalFlags{WorkDir: dir, Brand: app.Brand}
	ctx := context.Background()
	s, err := app.Session(ctx, flags)
	if err != nil {
		t.Fatal(err)
	}
	task := &todov1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "milk"}, Spec: todov1.TaskSpec{Title: "Buy milk"}}
	if err := s.Client.Create(ctx, task); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if task.Spec.Priority != todov1.PriorityMedium {
		t.Errorf("priority %q, want the CRD's default Medium", task.Spec.Priority)
	}
	if _, err := os.Stat(filepath.Join(dir, ".todo", "todo.db")); err != nil {
		t.Error(err)
	}
}

func TestSessionBadStore(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, flags := range []*cliruntime.GlobalFlags{
		{Data: filepath.Join(file, "under-a-file.db")},
		{Data: filepath.Join(t.TempDir(), "t.db"), Tenant: "Not A Tenant"},
	} {
		if _, err := app.Session(context.Background(), flags); err == nil {
			t.Errorf("flags %+v: no error", flags)
		}
	}
}

// TestHandoffNotInstalled runs todo reconcile where no todo-controller
// is: beside the test binary there is none, and PATH is empty.
func TestHandoffNotInstalled(t *testing.T) {
	t.Setenv("PATH", "")
	var out, errOut bytes.Buffer
	c := app.NewCLI("v0", app.HandoffCommands)
	c.Out, c.ErrOut = &out, &errOut
	if code := c.ExecuteContext(context.Background(), []string{"reconcile"}); code != 1 {
		t.Errorf("exit %d", code)
	}
	if want := "reconcile is run by todo-controller, which is not installed beside todo nor on PATH"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

// TestHandoffExecFails runs todo reconcile where todo-controller is a
// file that cannot be run: the hand-off reports it, naming the file.
func TestHandoffExecFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, app.Controller), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	var errOut bytes.Buffer
	c := app.NewCLI("v0", app.HandoffCommands)
	c.Out, c.ErrOut = &bytes.Buffer{}, &errOut
	if code := c.ExecuteContext(context.Background(), []string{"reconcile"}); code != 1 || !strings.Contains(errOut.String(), "running "+filepath.Join(dir, app.Controller)+": exec format error") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
