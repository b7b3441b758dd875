package decode

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "sigs.k8s.io/json"
)

// Typed fills into, a fresh typed Go object, from an object's
// unstructured content the way the API server's JSON serializer decodes
// a request body: through JSON, case-sensitively, integers kept exact.
// A value its field cannot hold — a string for a number, 2147483648 for
// an int32, 10^20 for an int64 — is an error in the serializer's words
// ("json: cannot unmarshal number 2147483648 into Go struct field
// Event.count of type int32"), never a wrapped, truncated or dropped
// value (apimachinery's unstructured converter wraps int32s). Fields the
// Go type does not have are left out and returned, by path ("spec.bogus"),
// for fieldValidation to decide about.
func Typed(content map[string]any, into any) (unknown []string, err error) {
	data, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	strict, err := kjson.UnmarshalStrict(data, into)
	if err != nil {
		return nil, err
	}
	for _, e := range strict {
		// `unknown field "spec.bogus"`; a map cannot hold duplicates.
		if q, ok := strings.CutPrefix(e.Error(), "unknown field "); ok {
			if p, err := strconv.Unquote(q); err == nil {
				unknown = append(unknown, p)
			}
		}
	}
	return unknown, nil
}

// FromUnstructured fills into, a typed object (or another
// *unstructured.Unstructured, which gets a deep copy), from u, through
// JSON as the API server decodes objects: a field of the wrong type, or a
// number its field cannot hold (2147483648 for an int32), is an error
// naming the field and the object — never a wrapped or dropped value.
// Fields into's type does not have are dropped (Typed reports them).
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

// isInteger reports whether a JSON number's text has an integer value.
func isInteger(n string) bool {
	f, ok := new(big.Float).SetString(n)
	return ok && f.IsInt()
}
