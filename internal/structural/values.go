package structural

import (
	"math"
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
	case int:
		return float64(n), true, true
	case int32:
		return float64(n), true, true
	case int16:
		return float64(n), true, true
	case int8:
		return float64(n), true, true
	case uint:
		return float64(n), true, true
	case uint64:
		return float64(n), true, true
	case uint32:
		return float64(n), true, true
	case uint16:
		return float64(n), true, true
	case uint8:
		return float64(n), true, true
	case float32:
		g := float64(n)
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
// round trip.
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
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
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
	af, _, aok := Number(a)
	bf, _, bok := Number(b)
	return aok && bok && af == bf
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
