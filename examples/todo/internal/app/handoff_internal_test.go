package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestControllerPath finds todo-controller where the hand-off looks:
// on PATH, and not in the working directory only.
func TestControllerPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, Controller)
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if p, err := controllerPath(); err != nil || p != exe {
		t.Errorf("on PATH: %q, %v; want %q", p, err, exe)
	}
	t.Chdir(dir)
	t.Setenv("PATH", ".")
	if _, err := controllerPath(); err == nil || !strings.Contains(err.Error(), "working directory only") {
		t.Errorf("in the working directory: %v", err)
	}
	t.Setenv(envHandedOff, exe)
	if _, err := controllerPath(); err == nil || !strings.Contains(err.Error(), "handed reconcile back") {
		t.Errorf("handed back: %v", err)
	}
}
