package kubetypes

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

// Print columns follow coretypes' conventions (see its package
// documentation): the complete list of columns kubectl prints for a kind,
// NAME included, with Priority 1 for those only -o wide shows. A column
// the API server's table convertor fills from one field is an ordinary
// JSONPath; a column it computes in Go (READY "1/3", a pod's STATUS, a
// service's PORT(S)) is a computed expression "kind.column()" whose
// function is registered with coretypes.Register, so every printer that
// evaluates print columns through coretypes.Compute prints it.
//
// The functions decode the object into its Go type and compute the cell as
// the API server's printers (k8s.io/kubernetes/pkg/printers/internalversion)
// do on the stored object. Those printers see the object the API server
// stored: defaulted, with cluster IPs allocated. k1s stores what it is
// given, so a cell reading a field a cluster would have defaulted shows the
// undefaulted value (a ReplicaSet created without spec.replicas has 0
// desired replicas, not 1).

// cellFuncs records the functions registered, so that building the columns
// twice (tests do) registers each once.
var cellFuncs sync.Map // name -> struct{}

// cell registers fn as the computed column function name for objects of
// Go type T and returns the column's JSONPath expression.
func cell[T any](name string, fn func(*T) any) string {
	if _, loaded := cellFuncs.LoadOrStore(name, struct{}{}); !loaded {
		coretypes.Register(name, func(obj map[string]any, _ []string) (value any, found bool, err error) {
			o, err := decoded[T](obj)
			if err != nil {
				// A stored object that does not decode into its Go type
				// has no value to show; the printer shows it missing.
				return nil, false, nil
			}
			// The API server's printers may assume what its validation
			// guarantees (a metric of type Pods has .pods); k1s may hold
			// objects no validation saw, and a table must not crash on
			// one: such a cell is missing.
			defer func() {
				if recover() != nil {
					value, found, err = nil, false, nil
				}
			}()
			v := fn(o)
			return v, v != nil, nil
		})
	}
	return name + "()"
}

// lastDecoded remembers the last object decoded: a printer asks for the
// cells of one row in turn, each from the same content, and decoding once
// per row instead of once per cell keeps a table of many objects cheap.
// The entry is keyed by the content's map and the object's uid and
// resourceVersion, so a changed object is decoded again.
var lastDecoded struct {
	sync.Mutex
	content uintptr
	goType  reflect.Type
	uid, rv string
	obj     any
}

func decoded[T any](content map[string]any) (*T, error) {
	goType := reflect.TypeFor[T]()
	ptr := reflect.ValueOf(content).Pointer()
	uid, rv := metaString(content, "uid"), metaString(content, "resourceVersion")
	lastDecoded.Lock()
	defer lastDecoded.Unlock()
	if ptr != 0 && lastDecoded.content == ptr && lastDecoded.goType == goType && lastDecoded.uid == uid && lastDecoded.rv == rv {
		return lastDecoded.obj.(*T), nil
	}
	o := new(T)
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(content, o); err != nil {
		return nil, err
	}
	lastDecoded.content, lastDecoded.goType, lastDecoded.uid, lastDecoded.rv, lastDecoded.obj = ptr, goType, uid, rv, o
	return o, nil
}

func metaString(content map[string]any, key string) string {
	m, _ := content["metadata"].(map[string]any)
	s, _ := m[key].(string)
	return s
}

// Column constructors. Headers are upper case, as kubectl prints them.

func column(name, typ, jsonPath, description string) registry.PrintColumn {
	return registry.PrintColumn{Name: name, Type: typ, JSONPath: jsonPath, Description: description}
}

func wide(c registry.PrintColumn) registry.PrintColumn {
	c.Priority = 1
	return c
}

var (
	nameCol = column("NAME", "string", ".metadata.name", metav1.ObjectMeta{}.SwaggerDoc()["name"])
	ageCol  = column("AGE", "date", ".metadata.creationTimestamp", metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"])
	// createdAtCol is the API server's default table for kinds without a
	// printer (Role, ClusterRole, LimitRange): the timestamp itself.
	createdAtCol = column("CREATED AT", "string", ".metadata.creationTimestamp", metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"])
)

// defaultColumns is the API server's table for kinds without a printer.
func defaultColumns() []registry.PrintColumn {
	return []registry.PrintColumn{nameCol, createdAtCol}
}

// columnsFor returns the print columns of a kind.
func columnsFor(gvk schema.GroupVersionKind) []registry.PrintColumn {
	if f, ok := columnTable()[gvk]; ok {
		return f()
	}
	return defaultColumns()
}

var (
	columnTableOnce sync.Once
	columnTableMap  map[schema.GroupVersionKind]func() []registry.PrintColumn
)

func columnTable() map[schema.GroupVersionKind]func() []registry.PrintColumn {
	columnTableOnce.Do(func() {
		columnTableMap = map[schema.GroupVersionKind]func() []registry.PrintColumn{}
		for _, add := range []func(map[schema.GroupVersionKind]func() []registry.PrintColumn){
			coreColumns, workloadColumns, networkingColumns, storageColumns, clusterColumns,
		} {
			add(columnTableMap)
		}
	})
	return columnTableMap
}

// Cell helpers, as the API server's printers format values.

// since is kubectl's age of a timestamp: "<unknown>" when unset.
func since(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// orDefault returns s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// deref returns *p, or def when p is nil.
func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// boolPtr is the printers' "True", "False" or "<unset>".
func boolPtr(b *bool) string {
	switch {
	case b == nil:
		return "<unset>"
	case *b:
		return "True"
	}
	return "False"
}

// fraction is "ready/desired".
func fraction(a, b int32) string { return fmt.Sprintf("%d/%d", a, b) }

// listWithMore joins at most max items and says how many were left out;
// empty is "<unset>".
func listWithMore(items []string, max int) string {
	if len(items) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(items[:max], ","), len(items)-max)
	}
	if len(items) == 0 {
		return "<unset>"
	}
	return strings.Join(items, ",")
}
