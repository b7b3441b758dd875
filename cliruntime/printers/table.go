package printers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/util/jsonpath"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

// Column is one column of a table: a header, whether it shows only with
// -o wide, and how to compute its cell.
type Column struct {
	Name string
	// Priority > 0 shows the column only with -o wide.
	Priority int32
	// Cell returns the cell of u; nil prints as an empty cell.
	Cell func(u *unstructured.Unstructured) any
}

var ageColumn = Column{Name: "Age", Cell: func(u *unstructured.Unstructured) any {
	return translateTimestampSince(u.GetCreationTimestamp())
}}

func name(u *unstructured.Unstructured) any { return u.GetName() }

// translateTimestampSince is kubectl's AGE: "<unknown>" for a zero time,
// else the humanized time since.
func translateTimestampSince(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// Since is kubectl's AGE of an RFC 3339 timestamp: "<unknown>" when
// empty, "<invalid>" when unparsable.
func Since(ts string) string {
	if ts == "" {
		return "<unknown>"
	}
	var t metav1.Time
	if err := t.UnmarshalQueryParameter(ts); err != nil {
		return "<invalid>"
	}
	return translateTimestampSince(t)
}

// ColumnsFor returns the table columns of t: for built-in kinds, their
// print columns as coretypes defines them; for plugin kinds NAME followed
// by the type's print columns (a print column on .metadata.name is the
// NAME column), else NAME and AGE, as the API server's table convertor
// for custom resources does.
func ColumnsFor(t *registry.Type) ([]Column, error) {
	// Built-in types list their complete columns, as kubectl's built-in
	// printers show them (an Event table has no leading NAME); custom
	// resources, compiled in or plugin types, get NAME first and AGE when
	// they declare nothing, as kubectl prints them.
	builtin := !t.IsCustomResource()
	var cols []Column
	if !builtin {
		cols = append(cols, Column{Name: "Name", Cell: name})
	}
	for _, pc := range t.PrintColumns {
		path := strings.TrimSpace(pc.JSONPath)
		if !builtin && (path == ".metadata.name" || path == "{.metadata.name}") {
			continue
		}
		c, err := printColumn(pc)
		if err != nil {
			return nil, fmt.Errorf("print column %q of %s: %w", pc.Name, t.QualifiedResource(), err)
		}
		cols = append(cols, c)
	}
	if len(cols) == 1 && !builtin {
		cols = append(cols, ageColumn)
	}
	return cols, nil
}

func printColumn(pc registry.PrintColumn) (Column, error) {
	expr := strings.TrimSpace(pc.JSONPath)
	if coretypes.IsComputed(expr) {
		// Cells kubectl's built-in printers compute in Go (counts,
		// kind/name, fallbacks): coretypes defines and evaluates them.
		if _, _, err := coretypes.Compute(expr, map[string]any{}); err != nil {
			return Column{}, err
		}
		typ := pc.Type
		return Column{Name: pc.Name, Priority: pc.Priority, Cell: func(u *unstructured.Unstructured) any {
			value, found, err := coretypes.Compute(expr, u.Object)
			if err != nil || !found {
				if typ == "date" {
					return "<unknown>"
				}
				return nil
			}
			return cellForJSONValue(typ, value)
		}}, nil
	}
	if !strings.HasPrefix(expr, "{") {
		expr = "{" + expr + "}"
	}
	jp := jsonpath.New(pc.Name).AllowMissingKeys(true)
	if err := jp.Parse(expr); err != nil {
		return Column{}, fmt.Errorf("unrecognized column definition %q", pc.JSONPath)
	}
	typ := pc.Type
	var buf bytes.Buffer
	return Column{Name: pc.Name, Priority: pc.Priority, Cell: func(u *unstructured.Unstructured) any {
		results, err := jp.FindResults(u.Object)
		if err != nil || len(results) == 0 || len(results[0]) == 0 {
			return nil
		}
		value := results[0][0].Interface()
		if typ == "string" {
			buf.Reset()
			if err := jp.PrintResults(&buf, results[0][:1]); err != nil {
				return nil
			}
			return buf.String()
		}
		return cellForJSONValue(typ, value)
	}}, nil
}

// cellForJSONValue converts a value as the API server's custom resource
// table convertor does: a value that does not fit the column type is an
// empty cell.
func cellForJSONValue(typ string, value any) any {
	switch typ {
	case "integer":
		switch v := value.(type) {
		case int64:
			return v
		case int:
			return int64(v)
		case float64:
			return int64(v)
		case json.Number:
			if i, err := v.Int64(); err == nil {
				return i
			}
		}
	case "number":
		switch v := value.(type) {
		case int64:
			return float64(v)
		case int:
			return float64(v)
		case float64:
			return v
		case json.Number:
			if f, err := v.Float64(); err == nil {
				return f
			}
		}
	case "boolean":
		if b, ok := value.(bool); ok {
			return b
		}
	case "date":
		if s, ok := value.(string); ok {
			return Since(s)
		}
	default:
		if s, ok := value.(string); ok {
			return s
		}
	}
	return nil
}

// TablePrinter prints kubectl tables. Headers are printed once per type
// (again when the type changes); column widths persist across calls.
type TablePrinter struct {
	opts     PrintOptions
	wide     bool
	tw       *TabWriter
	lastType *registry.Type
	printed  bool
	columns  map[*registry.Type][]Column
}

// NewTablePrinter returns a table printer; opts.Output "wide" shows
// priority > 0 columns.
func NewTablePrinter(opts PrintOptions) *TablePrinter {
	return &TablePrinter{opts: opts, wide: opts.Output == "wide", tw: NewTabWriter(), columns: map[*registry.Type][]Column{}}
}

// Print implements Printer: one table per group, separated by a blank
// line as kubectl separates resource types.
func (p *TablePrinter) Print(w io.Writer, groups []Group, _ bool) error {
	for _, g := range groups {
		if len(g.Items) == 0 {
			continue
		}
		if err := p.PrintEvent(w, g.Type, "", g.Items...); err != nil {
			return err
		}
	}
	return nil
}

// PrintEvent prints rows for items of type t; a non-empty eventType
// (ADDED, MODIFIED, DELETED) adds the EVENT column of
// --output-watch-events.
func (p *TablePrinter) PrintEvent(w io.Writer, t *registry.Type, eventType string, items ...*unstructured.Unstructured) error {
	cols, ok := p.columns[t]
	if !ok {
		var err error
		if cols, err = ColumnsFor(t); err != nil {
			return err
		}
		p.columns[t] = cols
	}
	if p.printed && p.lastType != t {
		if err := p.tw.Flush(w); err != nil {
			return err
		}
		p.tw = NewTabWriter()
		if _, err := fmt.Fprintln(w); err != nil {
			return err
		}
		p.printed = false
	}
	if !p.printed && !p.opts.NoHeaders && len(items) > 0 {
		var header []string
		if eventType != "" {
			header = append(header, "EVENT")
		}
		if p.opts.WithNamespace {
			header = append(header, "NAMESPACE")
		}
		for _, c := range cols {
			if c.Priority == 0 || p.wide {
				header = append(header, strings.ToUpper(c.Name))
			}
		}
		for _, l := range p.opts.LabelColumns {
			parts := strings.Split(l, "/")
			header = append(header, strings.ToUpper(parts[len(parts)-1]))
		}
		if p.opts.ShowLabels {
			header = append(header, "LABELS")
		}
		p.tw.Add(header)
	}
	if len(items) > 0 {
		p.printed = true
		p.lastType = t
	}
	for _, u := range items {
		var row []string
		if eventType != "" {
			row = append(row, formatEventType(eventType))
		}
		if p.opts.WithNamespace {
			row = append(row, u.GetNamespace())
		}
		for i, c := range cols {
			if c.Priority != 0 && !p.wide {
				continue
			}
			cell := c.Cell(u)
			var s string
			switch v := cell.(type) {
			case nil:
			case string:
				if nl := strings.IndexByte(v, '\n'); nl >= 0 {
					v = v[:nl] + "..."
				}
				s = v
			default:
				s = fmt.Sprint(v)
			}
			if i == 0 && p.opts.WithKind {
				s = ResourceName(t.Kind.GroupKind(), s)
			}
			row = append(row, s)
		}
		lbls := u.GetLabels()
		for _, l := range p.opts.LabelColumns {
			row = append(row, lbls[l])
		}
		if p.opts.ShowLabels {
			row = append(row, labels.FormatLabels(lbls))
		}
		p.tw.Add(row)
	}
	return p.tw.Flush(w)
}

func formatEventType(t string) string {
	switch t {
	case "ADDED":
		return "ADDED   "
	case "DELETED":
		return "DELETED "
	case "ERROR":
		return "ERROR   "
	}
	return t
}
