package decode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	yamlv3 "go.yaml.in/yaml/v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// document is one YAML document of a stream: its text as apimachinery's
// YAMLReader returns it (line ends "\n"), the line of the source it
// starts at, and its yaml.v3 node tree, parsed when a line is wanted.
type document struct {
	data []byte
	line int
	// refused is set, and data empty, for a separator line that
	// YAMLReader refuses.
	refused string

	parsed bool
	root   *yamlv3.Node // nil when yaml.v3 cannot parse the document
}

// documents splits a YAML stream into documents as kubectl apply -f
// does, with apimachinery's YAMLReader. A separator line that reader
// refuses ("--- x": only a comment may follow the dashes) ends kubectl's
// reading; here it is a bad document of its own and reading goes on
// after it, so that one pass reports every problem of the stream.
func documents(data []byte) []*document {
	// YAMLReader returns each document's lines as they are but for their
	// ends, which become "\n". In the text normalized the same way, every
	// document is found again, in order, at the start of a line: that is
	// how its first line is known.
	text := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if len(text) > 0 && text[len(text)-1] != '\n' {
		text = append(text, '\n')
	}
	var docs []*document
	from := 0
	for off := 0; off < len(text); {
		end := len(text)
		if i := bytes.IndexByte(text[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		if line := text[off:end]; refusedSeparator(line) {
			docs = append(readDocuments(docs, text, from, off), &document{line: lineAt(text, int64(off)),
				refused: fmt.Sprintf("invalid YAML: invalid document separator %q: only a comment may follow ---", strings.TrimSuffix(string(line), "\n"))})
			from = end
		}
		off = end
	}
	return readDocuments(docs, text, from, len(text))
}

// refusedSeparator reports whether YAMLReader refuses line as a document
// separator: it starts with "---" and has something other than a comment
// after the dashes. The reader is given only text without such lines.
func refusedSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	rest = bytes.TrimSpace(rest)
	return ok && len(rest) > 0 && rest[0] != '#'
}

// readDocuments appends the documents YAMLReader finds in text[from:to].
func readDocuments(docs []*document, text []byte, from, to int) []*document {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(text[from:to])))
	pos := from
	for {
		data, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			// Reading bytes fails only on a refused separator, which
			// documents keeps away from the reader.
			return append(docs, &document{line: lineAt(text, int64(pos)), refused: "invalid YAML: " + err.Error()})
		}
		// Not found cannot happen (see documents); the line is then the
		// reader's position.
		pos += max(indexAtLineStart(text[pos:to], data), 0)
		docs = append(docs, &document{data: data, line: lineAt(text, int64(pos))})
		pos += len(data)
	}
}

// indexAtLineStart returns the first offset of sub in s that is at the
// start of a line, or -1.
func indexAtLineStart(s, sub []byte) int {
	for off := 0; off <= len(s); {
		i := bytes.Index(s[off:], sub)
		if i < 0 {
			return -1
		}
		if at := off + i; at == 0 || s[at-1] == '\n' {
			return at
		}
		off += i + 1
	}
	return -1
}

// value converts the document to JSON with sigs.k8s.io/yaml, as kubectl
// and the API server do, and decodes it with integers kept. Fields given
// twice in a mapping (what YAMLToJSONStrict refuses) are returned as
// duplicates, the last value kept. A nil value with no error is an empty
// document (only comments, or null).
func (d *document) value() (any, []duplicate, error) {
	j, err := yaml.YAMLToJSONStrict(d.data)
	var dups []duplicate
	if err != nil {
		strictErr := err
		if j, err = yaml.YAMLToJSON(d.data); err != nil {
			return nil, nil, d.syntaxError(err)
		}
		// Strict decoding into an interface refuses only fields given
		// twice: say which, where.
		if dups = d.duplicates(); len(dups) == 0 {
			dups = []duplicate{{msg: strings.TrimPrefix(strictErr.Error(), "error converting YAML to JSON: ")}}
		}
	}
	var v any
	if err := kjson.UnmarshalCaseSensitivePreserveInts(j, &v); err != nil {
		// YAMLToJSON produced it: only a bug upstream gets here.
		return nil, nil, &Error{Line: d.line, Message: "invalid YAML: " + err.Error()}
	}
	return v, dups, nil
}

// syntaxError turns YAMLToJSON's error ("error converting YAML to JSON:
// yaml: line 3: could not find expected ':'") into an *Error at the line
// of the source it names.
func (d *document) syntaxError(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := d.line
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, problem, ok := strings.Cut(rest, ": "); ok {
			if at, err := strconv.Atoi(n); err == nil {
				line, msg = d.line+at-1, problem
			}
		}
	}
	// kubectl's decoder (sigs.k8s.io/yaml.Unmarshal) says what it was
	// doing; YAMLToJSON does not.
	syntax := err.Error()
	if !strings.HasPrefix(syntax, "error converting YAML to JSON: ") {
		syntax = "error converting YAML to JSON: " + syntax
	}
	return &Error{Line: line, Message: "invalid YAML: " + msg, Syntax: syntax}
}

// node returns the document's yaml.v3 node tree (its content, below the
// document node), or nil when yaml.v3 cannot parse it.
func (d *document) node() *yamlv3.Node {
	if !d.parsed {
		d.parsed = true
		var root yamlv3.Node
		if yamlv3.Unmarshal(d.data, &root) == nil && root.Kind == yamlv3.DocumentNode && len(root.Content) == 1 {
			d.root = root.Content[0]
		}
	}
	return d.root
}

// sourceLine returns the line of the source of a node's line.
func (d *document) sourceLine(n *yamlv3.Node) int { return d.line + n.Line - 1 }

// locate returns the source line of the field at path (keys, and list
// indexes as "[n]"), or of the deepest part of it the document has, or
// the document's first line.
func (d *document) locate(path []string) int {
	n, line := d.node(), d.line
	for _, seg := range path {
		if n == nil {
			break
		}
		key, next := child(n, seg)
		if next == nil {
			break
		}
		line, n = d.sourceLine(key), next
	}
	return line
}

// child returns the node holding seg of n (the key of a mapping entry,
// or a list item) and its value; nil when n has none.
func child(n *yamlv3.Node, seg string) (at, value *yamlv3.Node) {
	if n.Kind == yamlv3.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yamlv3.SequenceNode:
		i, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(seg, "["), "]"))
		if err != nil || !strings.HasPrefix(seg, "[") || i < 0 || i >= len(n.Content) {
			return nil, nil
		}
		return n.Content[i], n.Content[i]
	case yamlv3.MappingNode:
		// The last of keys given twice holds the value decoded.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if keyName(n.Content[i]) == seg {
				at, value = n.Content[i], n.Content[i+1]
			}
		}
	}
	return at, value
}

// keyValue is a mapping key as yaml.v2, the API server's YAML, resolves
// it: a plain scalar by its type (`yes` is true, `0x1` is 1), any other
// scalar as its text. Two keys of a mapping are the same field when
// their values are equal, as yaml.v2's strict decoding compares them.
func keyValue(k *yamlv3.Node) any {
	if k.Kind == yamlv3.ScalarNode && k.Style == 0 {
		var v any
		if yamlv2.Unmarshal([]byte(k.Value), &v) == nil && v != nil {
			return v
		}
	}
	return k.Value
}

// keyName is a mapping key as the field reads in the object decoded.
func keyName(k *yamlv3.Node) string { return fmt.Sprint(keyValue(k)) }

// isMerge reports whether k is the merge key "<<".
func isMerge(k *yamlv3.Node) bool {
	return k.Kind == yamlv3.ScalarNode && k.Style == 0 && k.Value == "<<"
}

// merged returns the mappings a merge key's value brings in: an alias of
// a mapping, a mapping, or a list of those.
func merged(v *yamlv3.Node) []*yamlv3.Node {
	if v.Kind == yamlv3.AliasNode {
		v = v.Alias
	}
	switch v.Kind {
	case yamlv3.MappingNode:
		return []*yamlv3.Node{v}
	case yamlv3.SequenceNode:
		var out []*yamlv3.Node
		for _, item := range v.Content {
			out = append(out, merged(item)...)
		}
		return out
	}
	return nil
}

// duplicate is a field given twice in one mapping, in the API server's
// words (`duplicate field "metadata.name"`), and the source line of its
// second occurrence; 0 when unknown.
type duplicate struct {
	msg  string
	line int
}

// duplicates lists the fields given twice in their mapping, in document
// order, named as the API server's strict decoding names them. Keys a
// merge key ("<<") brings in count as given, as yaml.v2 counts them.
func (d *document) duplicates() []duplicate {
	w := &duplicateWalk{doc: d}
	if n := d.node(); n != nil {
		w.node(n, "")
	}
	return w.found
}

// duplicateWalk walks a node tree for fields given twice.
type duplicateWalk struct {
	doc   *document
	found []duplicate
}

func (w *duplicateWalk) node(n *yamlv3.Node, path string) {
	switch n.Kind {
	case yamlv3.MappingNode:
		seen := make(map[any]bool, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, v := n.Content[i], n.Content[i+1]; isMerge(k) {
				w.merge(v, path, seen)
			} else {
				w.node(v, w.key(k, path, seen))
			}
		}
	case yamlv3.SequenceNode:
		for i, item := range n.Content {
			w.node(item, path+"["+strconv.Itoa(i)+"]")
		}
	}
}

// merge counts the keys a merge key's value brings into a mapping.
func (w *duplicateWalk) merge(v *yamlv3.Node, path string, seen map[any]bool) {
	for _, m := range merged(v) {
		for j := 0; j+1 < len(m.Content); j += 2 {
			if isMerge(m.Content[j]) {
				w.merge(m.Content[j+1], path, seen)
			} else {
				w.key(m.Content[j], path, seen)
			}
		}
	}
}

// key counts key k of the mapping at path and returns the field's path.
func (w *duplicateWalk) key(k *yamlv3.Node, path string, seen map[any]bool) string {
	key := keyValue(k)
	p := fmt.Sprint(key)
	if key != nil && !reflect.TypeOf(key).Comparable() {
		// A complex key (a mapping or sequence, "? {a: 1}") cannot index
		// seen; its printed form (maps print sorted) stands for it.
		key = p
	}
	if path != "" {
		p = path + "." + p
	}
	if seen[key] {
		w.found = append(w.found, duplicate{msg: fmt.Sprintf("duplicate field %q", p), line: w.doc.sourceLine(k)})
	}
	seen[key] = true
	return p
}

// decodeYAML decodes every document of a YAML stream.
func (d *decoder) decodeYAML(data []byte) {
	n := 0
	for _, doc := range documents(data) {
		if doc.refused != "" {
			n++
			d.fail(n, doc.line, "", doc.refused)
			continue
		}
		v, dups, err := doc.value()
		var e *Error
		switch {
		case errors.As(err, &e):
			n++
			e.Source, e.Document = d.source, n
			d.errs = append(d.errs, e)
		case v != nil:
			// Empty documents (only comments, or null) are skipped, as
			// kubectl skips them, and not counted.
			n++
			d.addDocument(n, v, doc.locate, dups)
		}
	}
}
