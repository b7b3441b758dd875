package decode

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
)

// Error is a problem with one document of a stream.
type Error struct {
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
	// object is among those Stream returns, so that a caller may
	// warn instead of refusing, as fieldValidation=Warn does (see
	// IsStrict). Message is then "strict decoding error: " and these
	// joined by ", ".
	Strict []string
	// Syntax is, for a document that is not YAML, the converter's own
	// words as kubectl prints them after "error parsing SOURCE: "
	// ("error converting YAML to JSON: yaml: line 4: did not find
	// expected key", its line counted from the document's start).
	Syntax string
	// GoJSON is, for an object whose metadata holds a field of the wrong
	// type, encoding/json's words for it, which kubectl prints after
	// `unable to decode "SOURCE": ` ("json: cannot unmarshal bool into
	// Go struct field ObjectMeta.metadata.name of type string").
	GoJSON string
	// Validation is, for an object without an apiVersion or kind (or
	// with one that is not a string), kubectl's validation's words for
	// it ("kind not set"), which it prints after `error validating
	// "SOURCE": error validating data: `.
	Validation string
}

// IsStrict reports whether err (a Stream error or one of its parts)
// holds only strict decoding problems: their documents decoded.
func IsStrict(err error) bool {
	var de *Error
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
func (e *Error) Error() string {
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

// Stream decodes every object of a YAML or JSON stream (see the
// package documentation). It returns the objects of the good documents
// and, when some documents are bad, an error joining one *Error per
// bad document (errors.As finds the first; Unwrap() []error lists them).
// A caller that must not act on a partly broken stream, as kubectl apply
// does not, checks the error first.
func Stream(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{Source: source, Message: "reading: " + err.Error()}
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
	d.errs = append(d.errs, &Error{Source: d.source, Document: doc, Line: line, Field: field, Message: msg})
}

// isJSON reports whether a stream is JSON, as apimachinery's
// YAMLOrJSONDecoder decides (it starts with "{" after white space), a
// byte order mark before it allowed.
func isJSON(data []byte) bool {
	return utilyaml.IsJSONBuffer(bytes.TrimLeft(data, " \t\r\n\ufeff"))
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
		var dups []duplicate
		if strict, err := kjson.UnmarshalStrict(data[start:dec.InputOffset()], new(any)); err == nil {
			for _, e := range strict {
				dups = append(dups, duplicate{msg: strings.TrimPrefix(e.Error(), "json: ")})
			}
		}
		d.addDocument(doc, v, jsonLocator(line), dups)
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
