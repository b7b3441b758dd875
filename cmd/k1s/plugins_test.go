package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/k1s-dev/k1s/cliruntime/clitest"
)

// TestPluginScripts runs testdata/plugins/*.txtar with the sandbox
// tests' guest module built from source: $GUEST_WASM is its path,
// $GUEST_SHA256 its digest, $WAZERO_CACHE a compilation cache kept
// between runs (content-addressed, so safe to share).
func TestPluginScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a WebAssembly module")
	}
	out := filepath.Join(t.TempDir(), "guest.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, "../../plugins/testdata/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	cache := filepath.Join(t.TempDir(), "cache")
	if user, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(user, "k1s-test")
	}
	testscript.Run(t, clitest.Params(t, filepath.Join("testdata", "plugins"), map[string]string{
		"GUEST_WASM": out, "GUEST_SHA256": hex.EncodeToString(sum[:]), "WAZERO_CACHE": cache,
	}))
}
