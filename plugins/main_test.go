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
		defer func() { _ = os.RemoveAll(dir) }()
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
		// The compilation cache is content-addressed (module digest and
		// wazero version): a persistent one spares every later test run
		// the compile, which is most of this package's test time.
		if user, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(user, "k1s-test", "wazero")
		} else {
			cacheDir = filepath.Join(dir, "cache")
		}
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
	manifest := fmt.Sprintf("apiVersion: k1s.io/v1alpha1\nkind: Plugin\nmetadata:\n  name: %s\nspec:\n  version: 0.0.1\n  module:\n    path: plugin.wasm\n    sha256: '%s'\n%s", name, digest(wasm), spec)
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

// rawModule is a WebAssembly module written byte by byte, for what the
// SDK would never do: k1s_abi_version returns version, and k1s_admit and
// k1s_reconcile return (answerPtr << 32 | answerLen), where answer sits
// at 2048 in its one page of memory.
func rawModule(version int32, answer []byte, answerPtr, answerLen uint32) []byte {
	uleb := func(v uint64) []byte {
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v != 0 {
				c |= 0x80
			}
			b = append(b, c)
			if v == 0 {
				return b
			}
		}
	}
	sleb := func(v int64) []byte {
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	vec := func(items ...[]byte) []byte {
		out := uleb(uint64(len(items)))
		for _, it := range items {
			out = append(out, it...)
		}
		return out
	}
	name := func(s string) []byte { return append(uleb(uint64(len(s))), s...) }
	section := func(id byte, body []byte) []byte {
		return append(append([]byte{id}, uleb(uint64(len(body)))...), body...)
	}
	body := func(instr ...byte) []byte {
		b := append([]byte{0}, instr...) // no locals
		b = append(b, 0x0b)
		return append(uleb(uint64(len(b))), b...)
	}
	packed := int64(uint64(answerPtr)<<32 | uint64(answerLen))
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	out = append(out, section(1, vec(
		[]byte{0x60, 0, 1, 0x7f},
		[]byte{0x60, 1, 0x7f, 1, 0x7f},
		[]byte{0x60, 2, 0x7f, 0x7f, 1, 0x7e},
	))...)
	out = append(out, section(3, vec([]byte{0}, []byte{1}, []byte{2}, []byte{2}))...)
	out = append(out, section(5, vec([]byte{0, 1}))...)
	out = append(out, section(7, vec(
		append(name("memory"), 2, 0),
		append(name("k1s_abi_version"), 0, 0),
		append(name("k1s_alloc"), 0, 1),
		append(name("k1s_admit"), 0, 2),
		append(name("k1s_reconcile"), 0, 3),
	))...)
	out = append(out, section(10, vec(
		body(append([]byte{0x41}, sleb(int64(version))...)...),
		body(append([]byte{0x41}, sleb(1024)...)...),
		body(append([]byte{0x42}, sleb(packed)...)...),
		body(append([]byte{0x42}, sleb(packed)...)...),
	))...)
	data := append([]byte{0, 0x41}, sleb(2048)...)
	data = append(data, 0x0b)
	data = append(data, name(string(answer))...)
	out = append(out, section(11, vec(data))...)
	return out
}
