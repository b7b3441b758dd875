package core

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"ints of different types", int(3), int64(3), true},
		{"int and float", int32(3), float64(3), true},
		{"float32", float32(1.5), float64(1.5), true},
		{"json.Number", json.Number("2"), int64(2), true},
		{"bad json.Number", json.Number("x"), int64(2), false},
		{"different numbers", int64(3), int64(4), false},
		{"number and string", int64(3), "3", false},
		{"strings", "a", "a", true},
		{"nil", nil, nil, true},
		{"nested equal", map[string]any{"a": []any{int(1), "x"}}, map[string]any{"a": []any{int64(1), "x"}}, true},
		{"map sizes", map[string]any{"a": 1}, map[string]any{"a": 1, "b": 2}, false},
		{"map key missing", map[string]any{"a": 1}, map[string]any{"b": 1}, false},
		{"map vs slice", map[string]any{}, []any{}, false},
		{"slice lengths", []any{1}, []any{1, 2}, false},
		{"slice elements", []any{1}, []any{2}, false},
		{"slice vs map", []any{}, map[string]any{}, false},
		{"other types", []string{"a"}, []string{"a"}, true},
	}
	for _, tc := range tests {
		if got := jsonEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: jsonEqual(%#v, %#v) = %v, want %v", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}

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
