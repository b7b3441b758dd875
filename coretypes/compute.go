package coretypes

import (
	"fmt"
	"strconv"
	"strings"
)

// IsComputed reports whether a print column's JSONPath is a computed
// expression (see the package documentation) rather than a kubectl
// JSONPath.
func IsComputed(jsonPath string) bool {
	_, _, ok := splitCall(jsonPath)
	return ok
}

// Compute evaluates a computed print column expression such as
// "count(.data, .binaryData)" against obj, an object's content as in
// unstructured.Unstructured.Object. found is false when the value is
// missing (the printer shows "<none>", or "<unknown>" for a date). count
// yields int64, kindname, trim and eventsource a string, coalesce the
// value found.
func Compute(expr string, obj map[string]any) (value any, found bool, err error) {
	name, args, ok := splitCall(expr)
	if !ok {
		return nil, false, fmt.Errorf("print column %q is not a computed expression of the form name(arg, ...)", expr)
	}
	for _, a := range args {
		if !isPath(a) && !isInt(a) {
			return nil, false, fmt.Errorf("print column %q: argument %q is neither a field path like .a.b nor an integer", expr, a)
		}
	}
	arity := func(n int) error {
		if len(args) != n {
			return fmt.Errorf("print column %q: %s takes %d argument(s), not %d", expr, name, n, len(args))
		}
		return nil
	}
	switch name {
	case "count":
		if len(args) == 0 {
			return nil, false, fmt.Errorf("print column %q: count needs at least one field path", expr)
		}
		var n int64
		for _, a := range args {
			switch v := lookup(obj, a).(type) {
			case map[string]any:
				n += int64(len(v))
			case []any:
				n += int64(len(v))
			}
		}
		return n, true, nil
	case "kindname":
		if err := arity(1); err != nil {
			return nil, false, err
		}
		ref, _ := lookup(obj, args[0]).(map[string]any)
		kind, _ := ref["kind"].(string)
		name, _ := ref["name"].(string)
		if kind == "" && name == "" {
			return nil, false, nil
		}
		if name == "" {
			return strings.ToLower(kind), true, nil
		}
		return strings.ToLower(kind) + "/" + name, true, nil
	case "coalesce":
		for _, a := range args {
			if isInt(a) {
				n, _ := strconv.ParseInt(a, 10, 64)
				return n, true, nil
			}
			if v := lookup(obj, a); !isZero(v) {
				return v, true, nil
			}
		}
		return nil, false, nil
	case "trim":
		if err := arity(1); err != nil {
			return nil, false, err
		}
		s, ok := lookup(obj, args[0]).(string)
		if !ok {
			return nil, false, nil
		}
		return strings.TrimSpace(s), true, nil
	case "eventsource":
		if err := arity(0); err != nil {
			return nil, false, err
		}
		component := firstString(obj, ".source.component", ".reportingComponent")
		instance := firstString(obj, ".source.host", ".reportingInstance")
		if instance == "" {
			return component, true, nil
		}
		return component + ", " + instance, true, nil
	}
	return nil, false, fmt.Errorf("print column %q: unknown function %q (known: count, kindname, coalesce, trim, eventsource)", expr, name)
}

// splitCall splits "name(a, b)" into its name and trimmed arguments.
func splitCall(expr string) (name string, args []string, ok bool) {
	expr = strings.TrimSpace(expr)
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", nil, false
	}
	name = expr[:open]
	for _, c := range name {
		if c < 'a' || c > 'z' {
			return "", nil, false
		}
	}
	inner := strings.TrimSpace(expr[open+1 : len(expr)-1])
	if inner == "" {
		return name, nil, true
	}
	for _, a := range strings.Split(inner, ",") {
		args = append(args, strings.TrimSpace(a))
	}
	return name, args, true
}

func isPath(a string) bool {
	if len(a) < 2 || a[0] != '.' {
		return false
	}
	for _, seg := range strings.Split(a[1:], ".") {
		if seg == "" || strings.ContainsAny(seg, "[]{}()*@$?'\" ") {
			return false
		}
	}
	return true
}

func isInt(a string) bool {
	_, err := strconv.ParseInt(a, 10, 64)
	return err == nil
}

// lookup follows a ".a.b" path through nested maps; nil when absent.
func lookup(obj map[string]any, path string) any {
	var cur any = obj
	for _, seg := range strings.Split(path[1:], ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

func isZero(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case int64:
		return v == 0
	case int32:
		return v == 0
	case int:
		return v == 0
	case float64:
		return v == 0
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

func firstString(obj map[string]any, paths ...string) string {
	for _, p := range paths {
		if s, _ := lookup(obj, p).(string); s != "" {
			return s
		}
	}
	return ""
}
