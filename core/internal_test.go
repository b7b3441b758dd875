package core

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFieldValue(t *testing.T) {
	content := map[string]any{"spec": map[string]any{"s": "x", "i": int64(4), "b": true, "n": nil}}
	for path, want := range map[string]string{".spec.s": "x", ".spec.i": "4", ".spec.b": "true", ".spec.n": "", ".spec.missing": "", ".spec.s.deeper": ""} {
		if got := fieldValue(content, path); got != want {
			t.Errorf("fieldValue(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestGenerateName(t *testing.T) {
	long := strings.Repeat("a", 80)
	got := generateName(long)
	if len(got) != 63 || !strings.HasPrefix(got, long[:58]) {
		t.Fatalf("generateName of an 80-character prefix = %q (%d characters), want 63", got, len(got))
	}
}

func TestKeyHelpers(t *testing.T) {
	if d := cmp.Diff("", kvNamespace("not a key", true)); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff("", keyOwnerSegment("not a key")); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff("core:configmaps:ns:a", keyOwnerSegment("/t/core/configmaps/ns/a")); d != "" {
		t.Error(d)
	}
	if got := rvString(0); got != "" {
		t.Errorf("rvString(0) = %q", got)
	}
}

func TestKeyOwnerSegment(t *testing.T) {
	for key, want := range map[string]string{
		"/t/core/configmaps/ns/a":          "core:configmaps:ns:a",
		"/t/example.com/widgets/w":         "example.com:widgets::w",
		"t/core/configmaps/ns/a":           "",
		"/t/core/configmaps/ns/a/extra":    "",
		"/t/core/configmaps":               "",
		"/t/core/configmaps/ns/a/b/c/d/ef": "",
	} {
		if got := keyOwnerSegment(key); got != want {
			t.Errorf("keyOwnerSegment(%q) = %q, want %q", key, got, want)
		}
	}
}
