// Package decode reads Kubernetes objects as users write them and as the
// API server decodes them: manifest streams into unstructured objects,
// with errors that say where, and unstructured content into Go types,
// with the API server's strict JSON rules. It does not encode: printers
// (cliruntime/printers) and the store (core) write their own bytes.
//
// Stream reads a stream of YAML documents (split at "---" lines by
// apimachinery's YAMLReader, the reader kubectl apply -f uses) or of
// concatenated JSON objects into unstructured objects: List kinds are
// flattened into their items, empty documents are skipped, and every
// object must have an apiVersion and a kind. A problem is reported as an
// *Error naming the source, the document number (counting non-empty
// documents from 1), the line where it is known and the field, e.g.
//
//	items.yaml:14: document 2: metadata.name: must be a string, not an integer
//
// Lines in YAML come from the document's yaml.v3 node tree, so they are
// exact in block and flow style alike. Stream goes on after a bad
// document, so one call reports every bad document of a YAML stream (a
// JSON syntax error ends a JSON stream: its object boundaries are lost).
//
// A field given twice in one mapping (metadata.name, a data key), in YAML
// or JSON, is what the API server's strict decoding refuses: the document
// still decodes (the last value wins) and its object is returned, with an
// *Error whose Strict lists the fields (`strict decoding error: duplicate
// field "metadata.name"`), so that a caller may refuse (the default of any
// caller that treats errors as errors), warn or ignore, as fieldValidation
// does; IsStrict tells such errors apart. Numbers keep their integer value
// (int64) through decoding; Typed and FromUnstructured fill Go types
// through JSON, refusing a number a field cannot hold instead of wrapping
// it.
package decode
