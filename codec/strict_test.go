package codec

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestDecodeStreamDuplicates holds the API server's strict decoding of
// fields given twice: a document with duplicates decodes (the last wins),
// and the error says which fields, in the server's words, at the line of
// the first.
func TestDecodeStreamDuplicates(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		names  []string
		errs   []string
		strict bool
	}{
		{
			name: "YAML: metadata.name and a data key twice",
			in: `apiVersion: v1
kind: ConfigMap
metadata:
  name: d1
  name: d2
data:
  a: "1"
  a: "2"
`,
			names:  []string{"d2"},
			errs:   []string{`f.yaml:5: document 1: strict decoding error: duplicate field "metadata.name", duplicate field "data.a"`},
			strict: true,
		},
		{
			name:   "YAML: in a list item, flow style, second document",
			in:     "apiVersion: v1\nkind: A\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: B, metadata: {name: x1, name: y1}}\n",
			names:  []string{"ok", "y1"},
			errs:   []string{`f.yaml:8: document 2: strict decoding error: duplicate field "items[0].metadata.name"`},
			strict: true,
		},
		{
			name:   "JSON",
			in:     `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"},"data":{"k":"1","k":"2"}}`,
			names:  []string{"b"},
			errs:   []string{`f.yaml:1: document 1: strict decoding error: duplicate field "metadata.name", duplicate field "data.k"`},
			strict: true,
		},
		{
			name:  "a duplicate beside a real error is only the real error",
			in:    "apiVersion: v1\nkind: A\nmetadata:\n  name: [x]\n  name: [y]\n",
			errs:  []string{"f.yaml:4: document 1: metadata.name: must be a string, not a list"},
			names: nil,
		},
		{
			name:  "a YAML syntax error is not strict",
			in:    "apiVersion: v1\nkind: A\nmetadata\n  name: b\n",
			errs:  []string{"f.yaml:4: document 1: invalid YAML: could not find expected ':'"},
			names: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := DecodeStream(strings.NewReader(tt.in), "f.yaml")
			var names []string
			for _, o := range objs {
				names = append(names, o.GetName())
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			var msgs []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					msgs = append(msgs, e.Error())
				}
			}
			if diff := cmp.Diff(tt.errs, msgs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if got := IsStrict(err); got != tt.strict {
				t.Errorf("IsStrict = %v, want %v", got, tt.strict)
			}
		})
	}
	if IsStrict(nil) || IsStrict(errors.New("x")) || IsStrict(errors.Join()) {
		t.Error("IsStrict of a non-strict error")
	}
	if !IsStrict(&DecodeError{Strict: []string{"x"}}) {
		t.Error("IsStrict of a bare strict DecodeError")
	}
}

func TestDuplicateHelpers(t *testing.T) {
	if duplicateLines(errors.New("yaml: line 3: could not find expected ':'")) != nil {
		t.Error("a syntax error read as duplicates")
	}
	if duplicateLines(errors.New("yaml: unmarshal errors:\n  line 2: cannot unmarshal !!str")) != nil {
		t.Error("another unmarshal error read as duplicates")
	}
	if duplicatePaths([]byte("- a\n- b\n")) != nil || duplicatePaths([]byte("a: [")) != nil {
		t.Error("paths from a document that is not a mapping")
	}
}

// TestDecodeTyped holds typed decoding as the API server's serializer
// does it: numbers that do not fit are refused in its words, unknown
// fields returned by path.
func TestDecodeTyped(t *testing.T) {
	ev := func(count any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "e"}, "count": count}
	}
	for count, want := range map[any]string{
		int64(2147483648):  "json: cannot unmarshal number 2147483648 into Go struct field Event.count of type int32",
		int64(4294967297):  "json: cannot unmarshal number 4294967297 into Go struct field Event.count of type int32",
		1e20:               "json: cannot unmarshal number 100000000000000000000 into Go struct field Event.count of type int32",
		"3":                "json: cannot unmarshal string into Go struct field Event.count of type int32",
		int64(-2147483649): "json: cannot unmarshal number -2147483649 into Go struct field Event.count of type int32",
	} {
		_, err := DecodeTyped(ev(count), &corev1.Event{})
		if err == nil || err.Error() != want {
			t.Errorf("count %v: %v, want %q", count, err, want)
		}
	}
	var e corev1.Event
	content := ev(int64(2147483647))
	content["spec"] = map[string]any{"bogus": 1}
	content["metadata"].(map[string]any)["colour"] = "red"
	unknown, err := DecodeTyped(content, &e)
	if err != nil || e.Count != 2147483647 {
		t.Fatalf("count = %d, %v", e.Count, err)
	}
	if diff := cmp.Diff([]string{"metadata.colour", "spec"}, unknown); diff != "" {
		t.Errorf("unknown (-want +got):\n%s", diff)
	}
	if _, err := DecodeTyped(map[string]any{"x": func() {}}, &e); err == nil {
		t.Error("an unencodable value decoded")
	}
}

func TestFromUnstructuredRange(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Event",
		"metadata": map[string]any{"name": "e", "namespace": "n"}, "count": int64(2147483648)}}
	err := FromUnstructured(u, &corev1.Event{})
	if want := `Event "n/e": count: 2147483648 does not fit in an int32`; err == nil || err.Error() != want {
		t.Errorf("FromUnstructured = %v, want %q", err, want)
	}
	if err := FromUnstructured(u, nil); err == nil {
		t.Error("FromUnstructured into nil: no error")
	}
	u.Object["bad"] = func() {}
	if err := FromUnstructured(u, &corev1.Event{}); err == nil {
		t.Error("FromUnstructured of an unencodable value: no error")
	}
}
