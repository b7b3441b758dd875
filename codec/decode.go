package codec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	kjson "sigs.k8s.io/json"
)

// DecodeError is a problem with one document of a stream.
type DecodeError struct {
	// Source names the stream: a file name, "STDIN", a URL.
	Source string
	// Document is the 1-based number of the document among the stream's
	// non-empty documents; 0 when the stream itself could not be read.
	Document int
	// Line is the 1-based line of the source the problem is at, 0 when
	// unknown.
	Line int
	// Field is the path of the offending field ("metadata.name",
	// "items[2].kind"), empty when the problem is not about one field.
	Field string
	// Message says what is wrong.
	Message string
	// Strict lists what only strict decoding refuses, in the API server's
	// words (`duplicate field "metadata.name"`), when that is all that is
	// wrong with the document. Such a document still decodes — the last
	// of duplicated fields wins, as a lenient decoder has it — and its
	// object is among those DecodeStream returns, so that a caller may
	// warn instead of refusing, as fieldValidation=Warn does (see
	// IsStrict). Message is then "strict decoding error: " and these
	// joined by ", ".
	Strict []string
}

// IsStrict reports whether err (a DecodeStream error or one of its parts)
// holds only strict decoding problems: their documents decoded.
func IsStrict(err error) bool {
	var de *DecodeError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !IsStrict(e) {
				return false
			}
		}
		return len(j.Unwrap()) > 0
	}
	return errors.As(err, &de) && len(de.Strict) > 0
}

// strictMessage is the API server's message for strict decoding problems.
func strictMessage(problems []string) string {
	return "strict decoding error: " + strings.Join(problems, ", ")
}

// Error formats the problem as "source:line: document n: field: message",
// leaving out the parts that are unknown.
func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Document > 0 {
		b.WriteString(": document ")
		b.WriteString(strconv.Itoa(e.Document))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// DecodeStream decodes every object of a YAML or JSON stream (see the
// package documentation). It returns the objects of the good documents
// and, when some documents are bad, an error joining one *DecodeError per
// bad document (errors.As finds the first; Unwrap() []error lists them).
// A caller that must not act on a partly broken stream, as kubectl apply
// does not, checks the error first.
func DecodeStream(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &DecodeError{Source: source, Message: "reading: " + err.Error()}
	}
	d := &decoder{source: source}
	if isJSON(data) {
		d.decodeJSON(data)
	} else {
		d.decodeYAML(data)
	}
	return d.objects, errors.Join(d.errs...)
}

type decoder struct {
	source  string
	objects []*unstructured.Unstructured
	errs    []error
}

func (d *decoder) fail(doc, line int, field, msg string) {
	d.errs = append(d.errs, &DecodeError{Source: d.source, Document: doc, Line: line, Field: field, Message: msg})
}

// isJSON reports whether a stream is JSON, the way apimachinery's
// YAMLOrJSONDecoder decides: it starts with "{" after white space.
func isJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

func (d *decoder) decodeJSON(data []byte) {
	dec := kjson.NewDecoderCaseSensitivePreserveInts(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		start := dec.InputOffset()
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return
		}
		// Skip white space so that the line is the object's first one.
		for start < int64(len(data)) && isSpace(data[start]) {
			start++
		}
		line := lineAt(data, start)
		if err != nil {
			msg := err.Error()
			if ok, off := kjson.SyntaxErrorOffset(err); ok {
				line = lineAt(data, off)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				msg = "unexpected end of JSON input"
				line = lineAt(data, int64(len(data)))
			}
			d.fail(doc, line, "", "invalid JSON: "+msg)
			return
		}
		var dups []string
		if strict, err := kjson.UnmarshalStrict(data[start:dec.InputOffset()], new(any)); err == nil {
			for _, e := range strict {
				dups = append(dups, strings.TrimPrefix(e.Error(), "json: "))
			}
		}
		d.addDocument(doc, v, jsonLocator(line), dups, nil)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// lineAt returns the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// yamlLine finds the line number yaml.v2 puts in its errors.
var yamlLine = regexp.MustCompile(`yaml: line (\d+): `)

func (d *decoder) decodeYAML(data []byte) {
	doc := 0
	for _, chunk := range splitYAML(data) {
		if chunk.err != "" {
			doc++
			d.fail(doc, chunk.line, "", chunk.err)
			continue
		}
		if !hasContent(chunk.data) {
			continue
		}
		doc++
		j, err := yaml.YAMLToJSONStrict(chunk.data)
		var dups []string
		var dupLines []int
		if err != nil {
			if dupLines = duplicateLines(err); dupLines != nil {
				// Only duplicated keys: decode leniently (the last wins) and
				// say which fields they are.
				dups = duplicatePaths(chunk.data)
			}
			j, err = yaml.YAMLToJSON(chunk.data)
		}
		if err != nil {
			msg, line := err.Error(), chunk.line
			msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
			if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
				n, _ := strconv.Atoi(msg[m[2]:m[3]])
				line = chunk.line + n - 1
				msg = msg[:m[0]] + msg[m[1]:]
			}
			d.fail(doc, line, "", "invalid YAML: "+strings.TrimPrefix(msg, "yaml: "))
			continue
		}
		var v any
		if err := kjson.UnmarshalCaseSensitivePreserveInts(j, &v); err != nil {
			// YAMLToJSON produced it: only a bug upstream gets here.
			d.fail(doc, chunk.line, "", "invalid YAML: "+err.Error())
			continue
		}
		if v == nil {
			// Only comments, or an explicit null: kubectl skips these too.
			doc--
			continue
		}
		for i := range dupLines {
			dupLines[i] += chunk.line - 1
		}
		d.addDocument(doc, v, yamlLocator(chunk), dups, dupLines)
	}
}

// hasContent reports whether a YAML document has a line that is neither
// blank nor a comment.
func hasContent(doc []byte) bool {
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' {
			return true
		}
	}
	return false
}

type yamlChunk struct {
	data []byte
	line int // first line of data in the source
	err  string
}

// splitYAML splits a stream at "---" lines with the rules of
// apimachinery's YAMLReader (a separator line may carry only white space
// or a comment after the dashes), keeping each document's first line so
// that errors point into the file rather than into the document.
func splitYAML(data []byte) []yamlChunk {
	var chunks []yamlChunk
	start, startLine, lineNo := 0, 1, 1
	for pos := 0; pos < len(data); lineNo++ {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		line := data[pos:next]
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			chunks = append(chunks, yamlChunk{data: data[start:pos], line: startLine})
			if rest != "" && rest[0] != '#' {
				chunks = append(chunks, yamlChunk{line: lineNo,
					err: fmt.Sprintf("invalid YAML: invalid document separator %q: only a comment may follow ---", strings.TrimRight(string(line), "\r\n"))})
			}
			start, startLine = next, lineNo+1
		}
		pos = next
	}
	return append(chunks, yamlChunk{data: data[start:], line: startLine})
}

// yamlDuplicate is one line of yaml.v2's strict error for a key given
// twice in a mapping.
var yamlDuplicate = regexp.MustCompile(`^  line (\d+): key .* already set in map$`)

// duplicateLines returns the lines (within the document) of the repeated
// keys when err, from YAMLToJSONStrict, reports nothing else; nil
// otherwise.
func duplicateLines(err error) []int {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	rest, ok := strings.CutPrefix(msg, "yaml: unmarshal errors:\n")
	if !ok {
		return nil
	}
	var lines []int
	for _, l := range strings.Split(rest, "\n") {
		m := yamlDuplicate.FindStringSubmatch(l)
		if m == nil {
			return nil
		}
		n, _ := strconv.Atoi(m[1])
		lines = append(lines, n)
	}
	return lines
}

// duplicatePaths lists the fields of a YAML document given more than once
// in their mapping, in document order, as the API server's strict JSON
// decoding names them (`duplicate field "spec.items[0].name"`).
func duplicatePaths(data []byte) []string {
	// Into a MapSlice, mappings at every level keep all their keys, in
	// order, duplicates included.
	var root yamlv2.MapSlice
	if yamlv2.Unmarshal(data, &root) != nil {
		return nil
	}
	var out []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch v := v.(type) {
		case yamlv2.MapSlice:
			seen := make(map[string]bool, len(v))
			for _, item := range v {
				key := fmt.Sprint(item.Key)
				p := key
				if path != "" {
					p = path + "." + key
				}
				if seen[key] {
					out = append(out, fmt.Sprintf("duplicate field %q", p))
				}
				seen[key] = true
				walk(item.Value, p)
			}
		case []any:
			for i, item := range v {
				walk(item, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(root, "")
	return out
}
