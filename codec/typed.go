package codec

import (
	"encoding/json"
	"strconv"
	"strings"

	kjson "sigs.k8s.io/json"
)

// DecodeTyped fills into, a fresh typed Go object, from an object's
// unstructured content the way the API server's JSON serializer decodes
// a request body: through JSON, case-sensitively, integers kept exact.
// A value its field cannot hold — a string for a number, 2147483648 for
// an int32, 10^20 for an int64 — is an error in the serializer's words
// ("json: cannot unmarshal number 2147483648 into Go struct field
// Event.count of type int32"), never a wrapped, truncated or dropped
// value (apimachinery's unstructured converter wraps int32s). Fields the
// Go type does not have are left out and returned, by path ("spec.bogus"),
// for fieldValidation to decide about.
func DecodeTyped(content map[string]any, into any) (unknown []string, err error) {
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
