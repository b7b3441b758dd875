package codec

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// errNoKind is kubectl's own message for an object it cannot print.
var errNoKind = errors.New("missing apiVersion or kind; try GetObjectKind().SetGroupVersionKind() if you know the type")

// ToUnstructured converts obj to an unstructured object. An unstructured
// object is returned as is (not copied); a typed one is converted with
// apimachinery's converter, so the map holds what its JSON would.
func ToUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	switch o := obj.(type) {
	case nil:
		return nil, errors.New("cannot convert a nil object")
	case *unstructured.Unstructured:
		return o, nil
	case *unstructured.UnstructuredList:
		return &unstructured.Unstructured{Object: o.UnstructuredContent()}, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T to unstructured: %w", obj, err)
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// FromUnstructured fills into, a typed object (or another
// *unstructured.Unstructured, which gets a deep copy), from u, through
// JSON as the API server decodes objects: a field of the wrong type, or a
// number its field cannot hold (2147483648 for an int32), is an error
// naming the field and the object — never a wrapped or dropped value.
// Fields into's type does not have are dropped (DecodeTyped reports them).
func FromUnstructured(u *unstructured.Unstructured, into runtime.Object) error {
	if u == nil {
		return errors.New("cannot convert a nil object")
	}
	if out, ok := into.(*unstructured.Unstructured); ok {
		out.Object = runtime.DeepCopyJSON(u.Object)
		return nil
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return fmt.Errorf("%s: %w", describeObject(u), err)
	}
	v := reflect.ValueOf(into)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("%s: cannot convert into %T: need a non-nil pointer", describeObject(u), into)
	}
	v.Elem().Set(reflect.Zero(v.Elem().Type()))
	err = kjson.UnmarshalCaseSensitivePreserveInts(data, into)
	if err == nil {
		return nil
	}
	// encoding/json's errors carry the field and the Go type, to say what
	// is wrong in the user's terms; decode into a scratch value for them.
	var typeErr *json.UnmarshalTypeError
	if jerr := json.Unmarshal(data, reflect.New(v.Elem().Type()).Interface()); errors.As(jerr, &typeErr) && typeErr.Field != "" {
		kind := typeErr.Type.Kind()
		if n, isNum := strings.CutPrefix(typeErr.Value, "number "); isNum && kind >= reflect.Int && kind <= reflect.Uint64 && isInteger(n) {
			return fmt.Errorf("%s: %s: %s does not fit in an %s", describeObject(u), typeErr.Field, n, typeErr.Type)
		}
		return fmt.Errorf("%s: %s: must be %s, not a %s", describeObject(u), typeErr.Field, jsonType(kind.String()), typeErr.Value)
	}
	return fmt.Errorf("%s: %w", describeObject(u), err)
}

func describeObject(u *unstructured.Unstructured) string {
	name := u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%s %q", u.GetKind(), name)
}

// jsonType names a Go kind as the JSON type it decodes from.
func jsonType(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "slice", "array":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return goKind
}

// printable returns obj as kubectl's printers see it: unstructured (so
// that map keys come out sorted, as for any object read from a server),
// with apiVersion and kind.
func printable(obj runtime.Object) (runtime.Object, error) {
	if obj == nil {
		return nil, errors.New("cannot encode a nil object")
	}
	if obj.GetObjectKind().GroupVersionKind().Empty() {
		return nil, errNoKind
	}
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList:
		return obj, nil
	}
	return ToUnstructured(obj)
}

// EncodeJSON encodes obj as kubectl -o json prints it: four-space indent,
// sorted keys, HTML characters escaped as encoding/json does, a trailing
// newline.
func EncodeJSON(obj runtime.Object) ([]byte, error) {
	p, err := printable(obj)
	if err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(p, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// EncodeYAML encodes obj as kubectl -o yaml prints it (one document, no
// leading "---": kubectl writes separators between objects).
func EncodeYAML(obj runtime.Object) ([]byte, error) {
	p, err := printable(obj)
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(p)
}

// isInteger reports whether a JSON number's text has an integer value.
func isInteger(n string) bool {
	f, ok := new(big.Float).SetString(n)
	return ok && f.IsInt()
}
