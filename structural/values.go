package structural

import (
	"encoding/json"
	"math"
	"reflect"
)

// Number returns v as a float64 when v is any Go numeric type, and
// whether it holds an integral value. Unstructured objects hold int64
// and float64, but objects built in Go code may hold int or float32.
func Number(v any) (f float64, integral, ok bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true, true
	case float64:
		return n, n == math.Trunc(n) && !math.IsInf(n, 0), true
	}
	// The rarer Go numeric types, through reflection.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), true, true
	case reflect.Float32, reflect.Float64:
		g := rv.Float()
		return g, g == math.Trunc(g) && !math.IsInf(g, 0), true
	}
	return 0, false, false
}

// TypeOf names the JSON type of v as OpenAPI does: "null", "boolean",
// "string", "integer", "number", "array", "object", or "" for a Go value
// that has no JSON form.
func TypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case float64, float32:
		return "number"
	}
	if _, _, ok := Number(v); ok {
		return "integer"
	}
	return ""
}

// Equal reports whether a and b are the same JSON value; numbers compare
// by value, so int64(1) equals float64(1) as they would after a JSON
// round trip, and a json.Number equals the number it spells. Values of
// other Go types (an unstructured object built in Go code may hold a
// []string) are compared with reflect.DeepEqual.
func Equal(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case map[string]any:
		bm, ok := b.(map[string]any)
		return ok && sameKeys(a, bm, func(_ string, av, bv any) bool { return Equal(av, bv) })
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !Equal(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	af, aok := anyNumber(a)
	bf, bok := anyNumber(b)
	if aok || bok {
		return aok && bok && af == bf
	}
	return reflect.DeepEqual(a, b)
}

// anyNumber is Number for Equal, which also reads json.Number.
func anyNumber(v any) (float64, bool) {
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		return f, err == nil
	}
	f, _, ok := Number(v)
	return f, ok
}

// DeepCopy copies a JSON value so that defaults taken from a shared
// schema are never aliased into objects.
func DeepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = DeepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = DeepCopy(x)
		}
		return out
	}
	return v
}

// sameKeys reports whether a and b have the same keys and eq holds for
// the two values of every key.
func sameKeys(a, b map[string]any, eq func(k string, av, bv any) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !eq(k, av, bv) {
			return false
		}
	}
	return true
}
