// Package codec reads and writes Kubernetes objects the way kubectl does.
//
// DecodeStream reads a stream of YAML documents (separated by "---" lines)
// or of concatenated JSON objects, as kubectl apply -f accepts, into
// unstructured objects: List kinds are flattened into their items, empty
// documents are skipped, and every object must have an apiVersion and a
// kind. A problem is reported as a *DecodeError naming the source, the
// document number (counting non-empty documents from 1), the line where it
// is known and the field, e.g.
//
//	items.yaml:14: document 2: metadata.name: must be a string, not an integer
//
// DecodeStream goes on after a bad document, so one call reports every bad
// document of a YAML stream (a JSON syntax error ends a JSON stream: its
// object boundaries are lost).
//
// A field given twice in one mapping (metadata.name, a data key), in YAML
// or JSON, is what the API server's strict decoding refuses: the document
// still decodes (the last value wins) and its object is returned, with a
// *DecodeError whose Strict lists the fields (`strict decoding error:
// duplicate field "metadata.name"`), so that a caller may refuse (the
// default of any caller that treats errors as errors), warn or ignore, as
// fieldValidation does; IsStrict tells such errors apart. Numbers keep
// their integer value (int64) through decoding; DecodeTyped and
// FromUnstructured fill Go types through JSON, refusing a number a field
// cannot hold instead of wrapping it.
//
// EncodeJSON and EncodeYAML print objects byte for byte as kubectl -o json
// and -o yaml print the same object read from an API server: keys sorted,
// JSON indented by four spaces and ending in a newline, YAML through
// sigs.k8s.io/yaml. ToUnstructured and FromUnstructured convert between
// typed Go objects and unstructured ones.
package codec
