package plugins_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/storage/memory"
)

// The guest module is built once per test binary, and compiled once too:
// every manager of the tests shares one compilation cache.
var (
	guestWasm []byte
	cacheDir  string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "k1s-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "guest.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "./testdata/guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building the guest: %v\n%s", err, b)
			return 1
		}
		if guestWasm, err = os.ReadFile(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cacheDir = filepath.Join(dir, "cache")
		return m.Run()
	}()
	os.Exit(code)
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writePlugin writes a plugin directory under root: plugin.yaml with
// spec (the YAML under spec:, the module and its digest added) and the
// module.
func writePlugin(t testing.TB, root, name string, wasm []byte, spec string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plugin.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := fmt.Sprintf("apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata:\n  name: %s\nspec:\n  version: 0.0.1\n  module:\n    path: plugin.wasm\n    sha256: %s\n%s", name, digest(wasm), spec)
	if err := os.WriteFile(filepath.Join(dir, plugins.ManifestFile), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newManager returns a manager over root's plugins with a CoreClient
// over a memory store.
func newManager(t testing.TB, root string) (*plugins.Manager, *core.Client) {
	t.Helper()
	c, err := core.New(core.Options{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	m := plugins.New(plugins.Options{Paths: []string{root}, CompilationCacheDir: cacheDir, Client: c})
	t.Cleanup(func() { _ = m.Close(t.Context()) })
	if w := m.Warnings(); len(w) > 0 {
		t.Fatalf("warnings: %v", w)
	}
	return m, c
}
