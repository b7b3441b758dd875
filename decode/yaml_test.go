package decode

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDocuments holds the split of a YAML stream: apimachinery's
// YAMLReader's documents, each at its first line of the source, and the
// separators it refuses as documents of their own.
func TestDocuments(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // "line:text" or "line!refused"
	}{
		// A separator with nothing before it is the first line of the
		// next document, as YAMLReader returns it.
		{"separators and empty documents", "a: 1\n---\n---   # c\n\nb: 2\n--- \nc: 3", []string{"1:a: 1\n", "3:---   # c\n\nb: 2\n", "7:c: 3\n"}},
		{"CRLF", "a: 1\r\n---\r\nb: 2\r\n", []string{"1:a: 1\n", "3:b: 2\n"}},
		{"refused separators", "a: 1\n--- x\nb: 2\n----\n", []string{"1:a: 1\n", "2!invalid document separator \"--- x\"", "3:b: 2\n", "4!invalid document separator \"----\""}},
		// The comment of the separator holds the document's first line:
		// the document is the one at a line start.
		{"found at a line start", "a: 1\n--- #x: 1\nx: 1\nx: 1\n", []string{"1:a: 1\n", "3:x: 1\nx: 1\n"}},
	} {
		var got []string
		for _, d := range documents([]byte(tc.in)) {
			if d.refused != "" {
				got = append(got, strings.TrimSuffix(strings.TrimPrefix(d.refused, "invalid YAML: "), ": only a comment may follow ---"))
				got[len(got)-1] = strconv.Itoa(d.line) + "!" + got[len(got)-1]
				continue
			}
			got = append(got, strconv.Itoa(d.line)+":"+string(d.data))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if got := indexAtLineStart([]byte("ab\nb"), []byte("c")); got != -1 {
		t.Errorf("indexAtLineStart of a missing text = %d", got)
	}
	if got := lineAt([]byte("a\nb"), 10); got != 2 {
		t.Errorf("lineAt past the end = %d", got)
	}
}

// TestDuplicateFields holds which fields count as given twice: keys
// resolved as the API server's yaml.v2 resolves them, keys a merge key
// brings in, each named by path at its own line.
func TestDuplicateFields(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []duplicate
	}{
		{"resolved keys", "a:\n  yes: 1\n  true: 2\n  0x1: 3\n  1: 4\n  \"1\": 5\n", []duplicate{{`duplicate field "a.true"`, 3}, {`duplicate field "a.1"`, 5}}},
		{"merge key then override", "base: &b {k: 1}\nuse:\n  <<: *b\n  k: 2\n", []duplicate{{`duplicate field "use.k"`, 1 + 3}}},
		{"two merges", "x: &x {k: 1}\ny: &y {<<: *x}\nuse:\n  <<: [*x, *y]\n", []duplicate{{`duplicate field "use.k"`, 1}}},
		{"in a list", "l:\n- {a: 1, a: 2}\n", []duplicate{{`duplicate field "l[0].a"`, 2}}},
		{"none", "a: [1, 1]\n", nil},
	} {
		got := (&document{data: []byte(tc.in), line: 1}).duplicates()
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(duplicate{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	if got := (&document{data: []byte("a: [\n"), line: 1}).duplicates(); got != nil {
		t.Errorf("duplicates of a document yaml.v3 cannot parse = %v", got)
	}
}

func TestLocateAlias(t *testing.T) {
	d := &document{data: []byte("base: &b\n  name: x\nmetadata: *b\nlist: [a]\n"), line: 3}
	for _, tc := range []struct {
		path []string
		want int
	}{
		{[]string{"metadata", "name"}, 4},
		{[]string{"list", "x"}, 6},
		{[]string{"list", "[x]"}, 6},
	} {
		if got := d.locate(tc.path); got != tc.want {
			t.Errorf("locate(%v) = %d, want %d", tc.path, got, tc.want)
		}
	}
	broken := &document{data: []byte("a: [\n"), line: 7}
	if got := broken.locate([]string{"a"}); got != 7 {
		t.Errorf("locate in a document yaml.v3 cannot parse = %d, want its first line", got)
	}
}
