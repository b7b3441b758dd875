package coretypes

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompute(t *testing.T) {
	event := map[string]any{
		"involvedObject": map[string]any{"kind": "Item", "name": "widget"},
		"message":        "  created \n",
		"lastTimestamp":  nil,
		"firstTimestamp": "2026-01-01T00:00:00Z",
		"count":          int64(0),
		"source":         map[string]any{"component": "k1s"},
	}
	tests := []struct {
		name  string
		expr  string
		obj   map[string]any
		want  any
		found bool
	}{
		{"count data and binaryData", "count(.data, .binaryData)",
			map[string]any{"data": map[string]any{"a": "1", "b": "2"}, "binaryData": map[string]any{"c": "AA=="}}, int64(3), true},
		{"count missing", "count(.data)", map[string]any{}, int64(0), true},
		{"count list", "count(.secrets)", map[string]any{"secrets": []any{map[string]any{"name": "x"}}}, int64(1), true},
		{"count wrong type", "count(.data)", map[string]any{"data": "x"}, int64(0), true},
		{"kindname", "kindname(.involvedObject)", event, "item/widget", true},
		{"kindname no name", "kindname(.involvedObject)", map[string]any{"involvedObject": map[string]any{"kind": "Node"}}, "node", true},
		{"kindname missing", "kindname(.involvedObject)", map[string]any{}, nil, false},
		{"coalesce skips null", "coalesce(.series.lastObservedTime, .lastTimestamp, .firstTimestamp, .eventTime)", event, "2026-01-01T00:00:00Z", true},
		{"coalesce literal", "coalesce(.series.count, .count, 1)", event, int64(1), true},
		{"coalesce value", "coalesce(.series.count, .count, 1)", map[string]any{"count": int64(4)}, int64(4), true},
		{"coalesce none", "coalesce(.a, .b)", map[string]any{"a": "", "b": false}, nil, false},
		{"coalesce through non-map", "coalesce(.a.b)", map[string]any{"a": "x"}, nil, false},
		{"coalesce zeros", "coalesce(.a, .b, .c, .d, .e, .f)", map[string]any{"a": int32(0), "b": 0, "c": 0.0, "d": []any{}, "e": map[string]any{}, "f": 2.5}, 2.5, true},
		{"trim", "trim(.message)", event, "created", true},
		{"trim missing", "trim(.message)", map[string]any{}, nil, false},
		{"eventsource component", "eventsource()", event, "k1s", true},
		{"eventsource host", "eventsource()", map[string]any{"source": map[string]any{"component": "kubelet", "host": "node-1"}}, "kubelet, node-1", true},
		{"eventsource reporting", "eventsource()", map[string]any{"reportingComponent": "ctrl", "reportingInstance": "pod-1"}, "ctrl, pod-1", true},
		{"eventsource empty", "eventsource( )", map[string]any{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := Compute(tt.expr, tt.obj)
			if err != nil {
				t.Fatalf("Compute(%q): %v", tt.expr, err)
			}
			if found != tt.found {
				t.Errorf("found = %v, want %v", found, tt.found)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compute(%q) (-want +got):\n%s", tt.expr, diff)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{".data", "not a computed expression"},
		{"Count(.data)", "not a computed expression"},
		{"count(data)", "neither a field path"},
		{"count(.a[0])", "neither a field path"},
		{"count(.a..b)", "neither a field path"},
		{"count()", "at least one"},
		{"kindname(.a, .b)", "takes 1 argument"},
		{"trim()", "takes 1 argument"},
		{"eventsource(.a)", "takes 0 argument"},
		{"len(.data)", "unknown function"},
	}
	for _, tt := range tests {
		_, _, err := Compute(tt.expr, map[string]any{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compute(%q) error = %v, want it to mention %q", tt.expr, err, tt.want)
		}
	}
}

func TestIsComputed(t *testing.T) {
	for expr, want := range map[string]bool{
		"count(.data)": true, "eventsource()": true, ".metadata.name": false,
		"{.metadata.name}": false, "(x)": false, "count(.data": false,
	} {
		if got := IsComputed(expr); got != want {
			t.Errorf("IsComputed(%q) = %v, want %v", expr, got, want)
		}
	}
}

func TestRegister(t *testing.T) {
	Register("test.replicas", func(obj map[string]any, args []string) (any, bool, error) {
		spec, _ := obj["spec"].(map[string]any)
		v, ok := spec["replicas"]
		return v, ok, nil
	})
	if !IsComputed("test.replicas()") {
		t.Error(`IsComputed("test.replicas()") = false`)
	}
	got, found, err := Compute("test.replicas()", map[string]any{"spec": map[string]any{"replicas": int64(3)}})
	if err != nil || !found || got != int64(3) {
		t.Errorf("Compute(test.replicas()) = %v, %v, %v; want 3, true, nil", got, found, err)
	}
	if _, found, err := Compute("test.replicas()", map[string]any{}); err != nil || found {
		t.Errorf("Compute on an object without the field = found %v, %v; want missing", found, err)
	}
	if _, _, err := Compute("test.unknown()", map[string]any{}); err == nil || !strings.Contains(err.Error(), "registered with Register") {
		t.Errorf("unknown dotted function error = %v", err)
	}
}

func TestRegisterRefuses(t *testing.T) {
	fn := func(map[string]any, []string) (any, bool, error) { return nil, false, nil }
	Register("test.once", fn)
	for _, name := range []string{"test.once", "count", "", "Test", "test.", ".test", "test..x", "test-x", "1test"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			Register(name, fn)
		}()
	}
	for _, expr := range []string{"a.b()", "deployment.ready(.spec)"} {
		if !IsComputed(expr) {
			t.Errorf("IsComputed(%q) = false", expr)
		}
	}
	for _, expr := range []string{"a..b()", "a.()", ".a()"} {
		if IsComputed(expr) {
			t.Errorf("IsComputed(%q) = true", expr)
		}
	}
}
