package coretypes

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// Func computes a cell for a computed print column registered with
// Register. obj is the object's content; args are the expression's
// arguments as written (field paths such as ".spec.replicas" or integer
// literals). found false means the value is missing.
type Func func(obj map[string]any, args []string) (value any, found bool, err error)

var (
	funcsMu sync.RWMutex
	funcs   = map[string]Func{}
)

// builtinFuncs are the functions Compute knows without registration.
var builtinFuncs = []string{"count", "kindname", "coalesce", "trim", "eventsource"}

// Register makes fn the computed print column function called name, so
// that a package describing more types (kubetypes: every kind of
// k8s.io/api) can give them cells that only Go code computes, with no
// change to the printers that call Compute. A name is lower-case letters
// and dots ("deployment.ready"); registering a name twice, or one of the
// built-in functions, panics: two packages disagreeing on a column is a
// programming error.
func Register(name string, fn Func) {
	if !validFuncName(name) {
		panic(fmt.Sprintf("coretypes.Register: %q is not a function name: lower-case letters and dots", name))
	}
	funcsMu.Lock()
	defer funcsMu.Unlock()
	if _, dup := funcs[name]; dup || isBuiltinFunc(name) {
		panic(fmt.Sprintf("coretypes.Register: function %q is already registered", name))
	}
	funcs[name] = fn
}

func isBuiltinFunc(name string) bool {
	for _, b := range builtinFuncs {
		if b == name {
			return true
		}
	}
	return false
}

func registered(name string) Func {
	funcsMu.RLock()
	defer funcsMu.RUnlock()
	return funcs[name]
}

func validFuncName(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' || name[len(name)-1] == '.' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c != '.' || name[i-1] == '.') {
			return false
		}
	}
	return true
}

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
	if fn := registered(name); fn != nil {
		return fn(obj, args)
	}
	return nil, false, fmt.Errorf("print column %q: unknown function %q (known: %s, and those registered with Register)", expr, name, strings.Join(builtinFuncs, ", "))
}

// splitCall splits "name(a, b)" into its name and trimmed arguments.
func splitCall(expr string) (name string, args []string, ok bool) {
	expr = strings.TrimSpace(expr)
	open := strings.IndexByte(expr, '(')
	if open <= 0 || !strings.HasSuffix(expr, ")") {
		return "", nil, false
	}
	name = expr[:open]
	if !validFuncName(name) {
		return "", nil, false
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
