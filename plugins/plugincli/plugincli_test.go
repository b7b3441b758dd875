package plugincli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/plugins/plugincli"
)

// run runs the CLI in process with the plugin commands and session.
func run(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	p := plugincli.New()
	cli := cliruntime.New("k1s", "test", p.Session)
	cli.Commands = p.Commands
	var out, errOut bytes.Buffer
	cli.In, cli.Out, cli.ErrOut = strings.NewReader(""), &out, &errOut
	all := append([]string{"--data", filepath.Join(dir, "data.db"), "--plugins-dir", filepath.Join(dir, "plugins")}, args...)
	code := cli.ExecuteContext(context.Background(), all)
	return out.String(), errOut.String(), code
}

func writePlugin(t *testing.T, dir, name string, module []byte, spec string) {
	t.Helper()
	pd := filepath.Join(dir, "plugins", name)
	if err := os.MkdirAll(pd, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(module)
	manifest := fmt.Sprintf("apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata: {name: %s}\nspec:\n  module: {path: m.wasm, sha256: '%s'}\n%s", name, hex.EncodeToString(sum[:]), spec)
	if err := os.WriteFile(filepath.Join(pd, "plugin.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pd, "m.wasm"), module, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCommands drives the commands in process; the scripts of cmd/k1s
// (testdata/plugins) run them with a real module.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	if out, errOut, code := run(t, dir, "plugins", "list"); code != 0 || out != "" || !strings.Contains(errOut, "No plugins found.") {
		t.Fatalf("list without plugins: %d %q %q", code, out, errOut)
	}
	writePlugin(t, dir, "notwasm", []byte("plain text"), "  version: 1.2.3\n  validate:\n  - {apiVersion: v1, kind: ConfigMap, operations: [CREATE]}\n  reconcile:\n  - {apiVersion: v1, kind: Secret}\n")
	writePlugin(t, dir, "empty", []byte("\x00asm"), "")
	if err := os.MkdirAll(filepath.Join(dir, "plugins", "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plugins", "broken", "plugin.yaml"), []byte("apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata: {name: broken}\nspec: {bogus: 1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, dir, "plugins", "list")
	if code != 0 || !strings.Contains(out, "notwasm   1.2.3     Secret,ConfigMap   validate,reconcile   Ready") || !strings.Contains(out, "empty     <none>    <none>             <none>               Ready") || !strings.Contains(errOut, `broken/plugin.yaml: unknown field "spec.bogus"`) {
		t.Errorf("list: %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, dir, "plugins", "inspect", "notwasm", "--load")
	if code != 0 || !strings.Contains(out, "Status:       Failed") || !strings.Contains(out, `Last error:   plugin "notwasm": module `) || !strings.Contains(out, "is not a WebAssembly module") {
		t.Errorf("inspect --load: %d\n%s", code, out)
	}
	if _, errOut, code := run(t, dir, "plugins", "inspect", "nope"); code == 0 || !strings.Contains(errOut, `plugin "nope" not found`) {
		t.Errorf("inspect nope: %d %s", code, errOut)
	}
	// A write of a hooked kind fails with the plugin's error and writes
	// nothing; other kinds are untouched.
	if _, errOut, code := run(t, dir, "create", "configmap", "a"); code == 0 || !strings.Contains(errOut, `failed calling webhook "notwasm": plugin "notwasm": module`) {
		t.Errorf("create configmap: %d %s", code, errOut)
	}
	if out, _, code := run(t, dir, "create", "secret", "generic", "s"); code != 0 || !strings.Contains(out, "secret/s created") {
		t.Errorf("create secret: %d %s", code, out)
	}
	if _, errOut, code := run(t, dir, "get", "configmap", "a"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("get configmap a: %d %s", code, errOut)
	}
	out, errOut, code = run(t, dir, "reconcile")
	if code == 0 || !strings.Contains(out, "1 reconciles in 1 passes, 0 writes, 1 errors") || !strings.Contains(errOut, `plugin "notwasm"`) {
		t.Errorf("reconcile: %d %s %s", code, out, errOut)
	}
	if _, errOut, code := run(t, dir, "--storage", "nope://", "reconcile"); code == 0 || !strings.Contains(errOut, "unsupported --storage") {
		t.Errorf("reconcile with a bad store: %d %s", code, errOut)
	}
}
