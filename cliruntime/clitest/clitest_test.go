package clitest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime/clitest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// writer appends its arguments to a file, in the background.
		"writer": func() {
			f, err := os.OpenFile(os.Args[1], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				os.Exit(1)
			}
			defer func() { _ = f.Close() }()
			for _, a := range os.Args[2:] {
				_, _ = f.WriteString(a + "\n")
			}
		},
	})
}

// TestParams runs a script that checks the isolated environment and
// waits for a background process's output.
func TestParams(t *testing.T) {
	if _, err := os.Stat(filepath.Join(clitest.RepoRoot(t), "go.mod")); err != nil {
		t.Fatalf("RepoRoot: %v", err)
	}
	p := clitest.Params(t, "testdata", map[string]string{"EXTRA": "yes"})
	testscript.Run(t, p)
}

// TestSetupErrors checks that a project directory that cannot be laid out
// fails the script's setup instead of running commands in a half-made
// environment.
func TestSetupErrors(t *testing.T) {
	p := clitest.Params(t, "testdata", nil)

	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Setup(&testscript.Env{WorkDir: notADir}); err == nil {
		t.Error("Setup succeeded with a work directory that is a file")
	}

	// The types file's path is taken by a directory.
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, ".k1s", "plugins", "inventory.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := p.Setup(&testscript.Env{WorkDir: work}); err == nil {
		t.Error("Setup succeeded though the plugin types file could not be written")
	}
}
