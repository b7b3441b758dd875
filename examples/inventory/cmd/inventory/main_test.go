package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/app"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func TestReconcileCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "inv.db")
	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := app.NewRuntime(store)
	if err != nil {
		t.Fatal(err)
	}
	c := rt.CoreClient()
	ctx := context.Background()
	if err := c.Create(ctx, &v1alpha1.Category{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "tools"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, &v1alpha1.Item{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "saw"}, Spec: v1alpha1.ItemSpec{Category: "tools", Quantity: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	if code := run([]string{"-db", db, "reconcile"}, &out, &errOut); code != 0 {
		t.Fatalf("reconcile exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "converged after ") {
		t.Errorf("reconcile printed %q", out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: inventory"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"-nope"}, 2, "flag provided but not defined"},
		{[]string{"-db", filepath.Join(t.TempDir(), "x.db"), "reconcile", "-settle", "bogus"}, 1, "invalid value"},
		{[]string{"-db", filepath.Join(t.TempDir(), "missing", "x.db"), "reconcile"}, 1, "inventory:"},
		{[]string{"-db", filepath.Join(t.TempDir(), "missing", "x.db"), "run"}, 1, "inventory:"},
	} {
		var out, errOut bytes.Buffer
		if code := run(tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}

// TestRunCommandStops runs the continuous mode with a context that is
// already cancelled, as after SIGINT: it starts, stops and shuts down
// cleanly.
func TestRunCommandStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	if err := runCmd(ctx, filepath.Join(t.TempDir(), "run.db"), &out); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "running") {
		t.Errorf("run printed %q", out.String())
	}
}
