package decode

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// summary lists decoded objects as "apiVersion kind namespace/name".
func summary(t *testing.T, in, source string) ([]string, []string) {
	t.Helper()
	objs, err := Stream(strings.NewReader(in), source)
	var got []string
	for _, o := range objs {
		got = append(got, o.GetAPIVersion()+" "+o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName())
	}
	var errs []string
	if err != nil {
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var de *Error
			if !errors.As(e, &de) {
				t.Fatalf("error %v (%T) is not a *Error", e, e)
			}
			errs = append(errs, de.Error())
		}
	}
	return got, errs
}

func TestDecodeStream(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		errs []string
	}{
		{
			name: "multi-document YAML with empty and comment-only documents",
			in: `# leading comment
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  namespace: ns1
---
---
# only a comment
---   # separator with a comment
apiVersion: inventory.example.com/v1alpha1
kind: Item
metadata: {name: b}
---
null
`,
			want: []string{"v1 ConfigMap ns1/a", "inventory.example.com/v1alpha1 Item /b"},
		},
		{
			name: "List flattened, nested lists too",
			in: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: inner}
`,
			want: []string{"v1 Secret /s", "v1 ConfigMap /inner"},
		},
		{
			name: "typed list items inherit apiVersion and kind",
			in: `apiVersion: v1
kind: ConfigMapList
metadata: {resourceVersion: "7"}
items:
- metadata: {name: x}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: w}
`,
			want: []string{"v1 ConfigMap /x", "v1 ConfigMap /w"},
		},
		{
			name: "a kind ending in List without items is an object",
			in:   "apiVersion: todo.example.com/v1\nkind: TodoList\nmetadata: {name: t}\nspec: {}\n",
			want: []string{"todo.example.com/v1 TodoList /t"},
		},
		{
			name: "JSON stream",
			in:   "\n  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"n\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}}]}",
			want: []string{"v1 Namespace /n", "v1 ConfigMap /c"},
		},
		{
			name: "List without items holds nothing; items must be a list",
			in:   "apiVersion: v1\nkind: List\n---\napiVersion: v1\nkind: List\nitems: null\n---\napiVersion: v1\nkind: List\nitems: {a: 1}\n",
			errs: []string{"f.yaml:10: document 3: items: must be a list, not an object"},
		},
		{
			name: "CRLF line ends",
			in:   "apiVersion: v1\r\nkind: A\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: B\r\nmetadata:\r\n  name: 7\r\n",
			want: []string{"v1 A /a"},
			errs: []string{"f.yaml:9: document 2: metadata.name: must be a string, not an integer (7)"},
		},
		{
			name: "empty stream",
			in:   "\n\n",
		},
		{
			name: "field errors name the field and line, good documents still decode",
			in: `apiVersion: v1
kind: ConfigMap
metadata:
  name: a
  labels:
    app: web
    version: 1.0
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: [x]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ok
---
kind: ConfigMap
---
apiVersion: 1
kind: ConfigMap
---
apiVersion: v1
kind: ""
`,
			want: []string{"v1 ConfigMap /ok"},
			errs: []string{
				"f.yaml:7: document 1: metadata.labels.version: must be a string (quote it), not an integer (1)",
				"f.yaml:12: document 2: metadata.name: must be a string, not a list",
				"f.yaml:19: document 4: apiVersion: is required",
				"f.yaml:21: document 5: apiVersion: must be a string, not an integer (1)",
				"f.yaml:25: document 6: kind: is required",
			},
		},
		{
			// A block scalar's text is not keys; flow style has lines too.
			name: "exact lines from the node tree",
			in: `apiVersion: v1
kind: A
metadata:
  name: a
  annotations:
    note: |
      labels: fake
  labels:
    a: 1
---
apiVersion: v1
kind: A
metadata: {
  name: b,
  finalizers: [x,
    3]}
`,
			errs: []string{
				"f.yaml:9: document 1: metadata.labels.a: must be a string (quote it), not an integer (1)",
				"f.yaml:16: document 2: metadata.finalizers[1]: must be a string, not an integer (3)",
			},
		},
		{
			name: "YAML syntax error points at the file line",
			in: `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata
  name: b
`,
			want: []string{"v1 ConfigMap /a"},
			errs: []string{"f.yaml:8: document 2: invalid YAML: could not find expected ':'"},
		},
		{
			name: "bad separator",
			in:   "apiVersion: v1\nkind: A\n--- x\napiVersion: v1\nkind: B\n",
			want: []string{"v1 A /", "v1 B /"},
			errs: []string{`f.yaml:3: document 2: invalid YAML: invalid document separator "--- x": only a comment may follow ---`},
		},
		{
			name: "non-object documents",
			in:   "- a\n- b\n---\njust a string\n---\n42\n",
			errs: []string{
				"f.yaml:1: document 1: expected an object with apiVersion and kind, found a list",
				`f.yaml:4: document 2: expected an object with apiVersion and kind, found a string ("just a string")`,
				"f.yaml:6: document 3: expected an object with apiVersion and kind, found an integer (42)",
			},
		},
		{
			name: "list item errors point at the item",
			in: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: s}
- kind: Secret
  metadata:
    name: t
- 3
- apiVersion: v1
  kind: Secret
  metadata:
    finalizers: [a, 2]
`,
			want: []string{"v1 Secret /s"},
			errs: []string{
				"f.yaml:7: document 1: items[1].apiVersion: is required",
				"f.yaml:10: document 1: items[2]: expected an object with apiVersion and kind, found an integer (3)",
				"f.yaml:14: document 1: items[3].metadata.finalizers[1]: must be a string, not an integer (2)",
			},
		},
		{
			name: "metadata field types",
			in: `apiVersion: v1
kind: A
metadata: []
---
apiVersion: v1
kind: A
metadata:
  creationTimestamp: 5
---
apiVersion: v1
kind: A
metadata:
  generation: "1"
---
apiVersion: v1
kind: A
metadata:
  annotations: x
---
apiVersion: v1
kind: A
metadata:
  annotations:
    "example.com/flag": true
---
apiVersion: v1
kind: A
metadata:
  finalizers: x
---
apiVersion: v1
kind: A
metadata:
  ownerReferences: {}
---
apiVersion: v1
kind: A
metadata:
  ownerReferences: [x]
---
apiVersion: v1
kind: A
metadata:
  name: fine
  creationTimestamp: null
  generation: 2
  labels: null
  finalizers: [a]
  ownerReferences: [{}]
`,
			want: []string{"v1 A /fine"},
			errs: []string{
				"f.yaml:3: document 1: metadata: must be an object, not a list",
				"f.yaml:8: document 2: metadata.creationTimestamp: must be a timestamp string, not an integer (5)",
				`f.yaml:13: document 3: metadata.generation: must be an integer, not a string ("1")`,
				`f.yaml:18: document 4: metadata.annotations: must be an object of strings, not a string ("x")`,
				"f.yaml:24: document 5: metadata.annotations[example.com/flag]: must be a string (quote it), not a boolean (true)",
				`f.yaml:29: document 6: metadata.finalizers: must be a list of strings, not a string ("x")`,
				"f.yaml:34: document 7: metadata.ownerReferences: must be a list of objects, not an object",
				`f.yaml:39: document 8: metadata.ownerReferences[0]: must be an object, not a string ("x")`,
			},
		},
		{
			name: "JSON errors",
			in:   "{\"apiVersion\":\"v1\",\"kind\":\"A\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\n\"kind\":3.5}\n{\"a\": ,}\n{\"apiVersion\":\"v1\",\"kind\":\"B\"}",
			want: []string{"v1 A /a"},
			errs: []string{
				"f.yaml:2: document 2: kind: must be a string, not a number (3.5)",
				"f.yaml:4: document 3: invalid JSON: invalid character ',' looking for beginning of value",
			},
		},
		{
			name: "truncated JSON",
			in:   "{\"apiVersion\":\"v1\",\n\"kind\":",
			errs: []string{"f.yaml:2: document 1: invalid JSON: unexpected end of JSON input"},
		},
		{
			name: "JSON top-level non-object after an object",
			in:   "{\"apiVersion\":\"v1\",\"kind\":\"A\"} [1]",
			want: []string{"v1 A /"},
			errs: []string{"f.yaml:1: document 2: expected an object with apiVersion and kind, found a list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := summary(t, tt.in, "f.yaml")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeStreamPreservesIntegers(t *testing.T) {
	objs, err := Stream(strings.NewReader("apiVersion: v1\nkind: A\nspec:\n  count: 3\n  f: 1.5\n  big: 9007199254740993\n"), "f.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec := objs[0].Object["spec"].(map[string]any)
	want := map[string]any{"count": int64(3), "f": 1.5, "big": int64(9007199254740993)}
	if diff := cmp.Diff(want, spec); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestDecodeStreamReadError(t *testing.T) {
	_, err := Stream(failingReader{}, "in.yaml")
	var de *Error
	if !errors.As(err, &de) || err.Error() != "in.yaml: reading: disk on fire" {
		t.Fatalf("err = %v, want in.yaml: reading: disk on fire", err)
	}
}

// TestDecodeMetadataGoJSON: metadata of the wrong type carries
// encoding/json's words for it (kubectl's), for an object of the stream
// and not for a list's item, whose words kubectl does not have.
func TestDecodeMetadataGoJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n", "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.name of type string"},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {v: 1}}\n", "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, creationTimestamp: 5}\n", "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string"},
		{"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: 5}}\n", ""},
	} {
		_, err := Stream(strings.NewReader(tc.in), "bad.yaml")
		var de *Error
		if !errors.As(err, &de) {
			t.Fatalf("%q: err = %v, want a *Error", tc.in, err)
		}
		if de.GoJSON != tc.want {
			t.Errorf("%q: GoJSON = %q, want %q", tc.in, de.GoJSON, tc.want)
		}
	}
}

// TestDecodeSyntaxKeepsConverterText: a document that is not YAML keeps
// the converter's own error, its line counted from the document's start,
// for the CLI to print as kubectl does.
func TestDecodeSyntaxKeepsConverterText(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: {a: b}\n"
	_, err := Stream(strings.NewReader(in), "bad.yaml")
	var de *Error
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *Error", err)
	}
	if want := "error converting YAML to JSON: yaml: line 4: did not find expected key"; de.Syntax != want {
		t.Errorf("Syntax = %q, want %q", de.Syntax, want)
	}
	if want := "bad.yaml:7: document 2: invalid YAML: did not find expected key"; de.Error() != want {
		t.Errorf("Error() = %q, want %q", de.Error(), want)
	}
}

func TestDecodeErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{Source: "f.yaml", Document: 2, Line: 14, Field: "spec.quantity", Message: "bad"}, "f.yaml:14: document 2: spec.quantity: bad"},
		{Error{Source: "f.yaml", Document: 2, Field: "spec.quantity", Message: "bad"}, "f.yaml: document 2: spec.quantity: bad"},
		{Error{Source: "STDIN", Message: "bad"}, "STDIN: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestYAMLLocator(t *testing.T) {
	doc := `apiVersion: v1
kind: List
metadata: {}
items:
  # comment
  - kind: A
    spec:
      - name: x
      -
        name: z
  - "kind": B
    'other': 1
`
	loc := (&document{data: []byte(doc), line: 10}).locate
	tests := []struct {
		path []string
		want int
	}{
		{nil, 10},
		{[]string{"kind"}, 11},
		{[]string{"items"}, 13},
		{[]string{"items", "[0]"}, 15},
		{[]string{"items", "[0]", "kind"}, 15},
		{[]string{"items", "[0]", "spec", "[1]", "name"}, 19},
		{[]string{"items", "[1]", "kind"}, 20},
		{[]string{"items", "[1]", "other"}, 21},
		{[]string{"items", "[2]", "kind"}, 13},
		{[]string{"metadata", "name"}, 12},
		{[]string{"missing"}, 10},
		{[]string{"kind", "[0]"}, 11},
	}
	for _, tt := range tests {
		if got := loc(tt.path); got != tt.want {
			t.Errorf("loc(%v) = %d, want %d", tt.path, got, tt.want)
		}
	}
}
