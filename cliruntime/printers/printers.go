package printers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"
	"sigs.k8s.io/yaml/kyaml"

	"github.com/k1s-dev/k1s/registry"
)

// Group is the objects of one type, in the order they are printed.
type Group struct {
	Type  *registry.Type
	Items []*unstructured.Unstructured
}

// PrintOptions say how objects are printed.
type PrintOptions struct {
	// Output is the -o value: "" (table), wide, yaml, json, name,
	// jsonpath=..., jsonpath-file=..., custom-columns=...,
	// custom-columns-file=...
	Output string
	// NoHeaders drops the header line of tables.
	NoHeaders bool
	// ShowLabels adds a LABELS column.
	ShowLabels bool
	// LabelColumns adds one column per label key (-L).
	LabelColumns []string
	// WithNamespace adds a NAMESPACE column (set by -A).
	WithNamespace bool
	// WithKind prefixes names with the kind, as for several types.
	WithKind bool
	// SortBy is a JSONPath expression to sort by.
	SortBy string
	// Template is kubectl's --template: the template (or its file) of
	// -o go-template, go-template-file, jsonpath, jsonpath-file or
	// jsonpath-as-json given without "=...".
	Template string
	// ShowManagedFields keeps metadata.managedFields in yaml and json
	// output, which kubectl omits unless --show-managed-fields.
	ShowManagedFields bool
}

// OutputFormats lists the -o values, for help and completion.
var OutputFormats = []string{"json", "yaml", "kyaml", "name", "wide", "jsonpath=", "jsonpath-file=", "jsonpath-as-json=", "go-template=", "go-template-file=", "custom-columns=", "custom-columns-file="}

// allowedFormats is kubectl get's list of -o values, in the order its
// error names them (sorted).
var allowedFormats = []string{"custom-columns", "custom-columns-file", "go-template", "go-template-file", "json", "jsonpath",
	"jsonpath-as-json", "jsonpath-file", "kyaml", "name", "template", "templatefile", "wide", "yaml"}

// Printer prints groups of objects. A printer may be called several
// times (watch); tables keep their column widths between calls.
type Printer interface {
	// Print writes groups. single is true when the user asked for one
	// object by name, so that yaml and json print it bare, not in a List.
	Print(w io.Writer, groups []Group, single bool) error
}

// NewPrinter returns the printer for opts.Output.
func NewPrinter(opts PrintOptions) (Printer, error) {
	format, arg, _ := strings.Cut(opts.Output, "=")
	switch format {
	case "", "wide":
		if opts.Output == "wide=" || strings.HasPrefix(opts.Output, "wide=") {
			break
		}
		return NewTablePrinter(opts), nil
	case "yaml":
		return &encodePrinter{yaml: true, showManagedFields: opts.ShowManagedFields}, nil
	case "json":
		return &encodePrinter{showManagedFields: opts.ShowManagedFields}, nil
	case "kyaml":
		return &encodePrinter{kyaml: true, showManagedFields: opts.ShowManagedFields}, nil
	case "name":
		return namePrinter{}, nil
	case "jsonpath", "jsonpath-file", "jsonpath-as-json":
		text, err := readArg(format, arg, opts.Template)
		if err != nil {
			return nil, err
		}
		p, err := newJSONPathPrinter(text)
		if err == nil && format == "jsonpath-as-json" {
			p.jp.EnableJSONOutput(true)
		}
		return p, err
	case "go-template", "go-template-file", "template", "templatefile":
		text, err := readArg(format, arg, opts.Template)
		if err != nil {
			return nil, err
		}
		return newGoTemplatePrinter(text)
	case "custom-columns", "custom-columns-file":
		return newCustomColumnsPrinter(format, arg, opts.NoHeaders)
	}
	return nil, fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s",
		opts.Output, strings.Join(allowedFormats, ","))
}

// readArg returns the template of a template format: the text after
// "=" (else --template), read from that file for the -file formats.
func readArg(format, arg, template string) (string, error) {
	if arg == "" {
		arg = template
	}
	if arg == "" {
		return "", fmt.Errorf("template format specified but no template given")
	}
	if !strings.HasSuffix(format, "-file") && format != "templatefile" {
		return arg, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		return "", fmt.Errorf("error reading --template %s, %w", arg, err)
	}
	return string(data), nil
}

// ListObject wraps objects in the List kubectl prints for several objects.
func ListObject(groups []Group) map[string]any {
	items := []any{}
	for _, g := range groups {
		for _, u := range g.Items {
			items = append(items, u.Object)
		}
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"items":      items,
		"metadata":   map[string]any{"resourceVersion": ""},
	}
}

func printable(groups []Group, single bool) any {
	if single {
		for _, g := range groups {
			if len(g.Items) == 1 {
				return g.Items[0].Object
			}
		}
	}
	return ListObject(groups)
}

// encodePrinter prints YAML or JSON as kubectl does: keys sorted,
// 4-space-indented JSON.
// Successive YAML documents are separated by "---", as kubectl's YAML
// printer does when it prints more than once (watch).
//
// kyaml is KYAML (sigs.k8s.io/yaml/kyaml), the YAML subset kubectl 1.34+
// prints with -o kyaml: every document starts with "---", strings are
// quoted, maps and lists are in flow style.
type encodePrinter struct {
	yaml, kyaml       bool
	showManagedFields bool
	count             int
}

// Print implements Printer.
func (p *encodePrinter) Print(w io.Writer, groups []Group, single bool) error {
	v := printable(groups, single)
	if !p.showManagedFields {
		v = OmitManagedFields(v)
	}
	return p.PrintValue(w, v)
}

// OmitManagedFields returns obj (an object's or a List's content) without
// metadata.managedFields, as kubectl prints yaml and json unless
// --show-managed-fields; obj itself is left as it is.
func OmitManagedFields(obj any) any {
	m, ok := obj.(map[string]any)
	if !ok {
		return obj
	}
	out := m
	if md, ok := m["metadata"].(map[string]any); ok {
		if _, has := md["managedFields"]; has {
			out = shallowCopy(m)
			md = shallowCopy(md)
			delete(md, "managedFields")
			out["metadata"] = md
		}
	}
	if items, ok := m["items"].([]any); ok {
		copied := make([]any, len(items))
		for i, it := range items {
			copied[i] = OmitManagedFields(it)
		}
		out = shallowCopy(out)
		out["items"] = copied
	}
	return out
}

func shallowCopy(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// PrintValue prints one value (an object's content, or a List's).
func (p *encodePrinter) PrintValue(w io.Writer, v any) error {
	if p.kyaml {
		var enc kyaml.Encoder // it starts every document with "---"
		return enc.FromObject(v, w)
	}
	data, err := Encode(v, p.yaml)
	if err != nil {
		return err
	}
	p.count++
	if p.yaml && p.count > 1 {
		data = append([]byte("---\n"), data...)
	}
	_, err = w.Write(data)
	return err
}

// Encode renders v as kubectl's -o json (4-space indent, trailing
// newline) or -o yaml prints it.
func Encode(v any, asYAML bool) ([]byte, error) {
	if asYAML {
		return yaml.Marshal(v)
	}
	data, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ResourceName is kubectl's -o name form: "item.inventory.example.com/x",
// "configmap/x".
func ResourceName(gk schema.GroupKind, name string) string {
	return strings.ToLower(gk.String()) + "/" + name
}

type namePrinter struct{}

// Print implements Printer.
func (namePrinter) Print(w io.Writer, groups []Group, _ bool) error {
	for _, g := range groups {
		for _, u := range g.Items {
			if _, err := fmt.Fprintln(w, ResourceName(u.GroupVersionKind().GroupKind(), u.GetName())); err != nil {
				return err
			}
		}
	}
	return nil
}

type jsonPathPrinter struct {
	jp *jsonpath.JSONPath
}

func newJSONPathPrinter(text string) (*jsonPathPrinter, error) {
	jp := jsonpath.New("out").AllowMissingKeys(true)
	if err := jp.Parse(text); err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %w", text, err)
	}
	return &jsonPathPrinter{jp: jp}, nil
}

// Print implements Printer. Templates read the objects as they are, with
// integers as int64, so that 9007199254740993 prints as itself (a trip
// through float64 would print 9.007199254740992e+15), as kubectl's
// jsonpath printer reads unstructured objects.
func (p *jsonPathPrinter) Print(w io.Writer, groups []Group, single bool) error {
	return p.PrintValue(w, printable(groups, single))
}

func (p *jsonPathPrinter) PrintValue(w io.Writer, v any) error {
	if err := p.jp.Execute(w, v); err != nil {
		return fmt.Errorf("error executing jsonpath: %w", err)
	}
	return nil
}

// ValuePrinter is a printer that can print a value other than objects of
// a type: the event objects of get -w --output-watch-events, which
// templates and columns see as kubectl's do ({.type}, {.object...}).
type ValuePrinter interface {
	PrintValue(w io.Writer, v any) error
}

var relaxedJSONPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// RelaxedJSONPath turns ".a.b", "a.b" or "{a.b}" into "{.a.b}", as
// kubectl does for --sort-by and custom columns.
func RelaxedJSONPath(expr string) (string, error) {
	if expr == "" {
		return expr, nil
	}
	m := relaxedJSONPath.FindStringSubmatch(expr)
	if m == nil {
		return "", fmt.Errorf("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
	}
	field := m[1]
	if field == "" {
		field = m[2]
	}
	return "{." + field + "}", nil
}

type customColumn struct {
	header string
	jp     *jsonpath.JSONPath
}

type customColumnsPrinter struct {
	columns        []customColumn
	noHeaders      bool
	printedHeaders bool
}

func newCustomColumnsPrinter(format, arg string, noHeaders bool) (*customColumnsPrinter, error) {
	if arg == "" {
		return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	var headers, paths []string
	if format == "custom-columns-file" {
		data, err := os.ReadFile(arg)
		if err != nil {
			return nil, fmt.Errorf("error reading template %s, %w", arg, err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 {
			return nil, fmt.Errorf("custom-columns file %s must have exactly two lines: headers and JSONPath expressions", arg)
		}
		headers, paths = strings.Fields(lines[0]), strings.Fields(lines[1])
		if len(headers) != len(paths) {
			return nil, fmt.Errorf("custom-columns file %s: %d headers but %d expressions", arg, len(headers), len(paths))
		}
	} else {
		for _, spec := range strings.Split(arg, ",") {
			h, p, ok := strings.Cut(spec, ":")
			if !ok {
				return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", spec)
			}
			headers, paths = append(headers, h), append(paths, p)
		}
	}
	p := &customColumnsPrinter{noHeaders: noHeaders}
	for i, h := range headers {
		expr, err := RelaxedJSONPath(paths[i])
		if err != nil {
			return nil, err
		}
		jp := jsonpath.New(h).AllowMissingKeys(true)
		if err := jp.Parse(expr); err != nil {
			return nil, err
		}
		p.columns = append(p.columns, customColumn{header: h, jp: jp})
	}
	return p, nil
}

// Print implements Printer.
func (p *customColumnsPrinter) Print(w io.Writer, groups []Group, _ bool) error {
	var values []any
	for _, g := range groups {
		for _, u := range g.Items {
			values = append(values, u.Object)
		}
	}
	return p.print(w, values...)
}

func (p *customColumnsPrinter) PrintValue(w io.Writer, v any) error { return p.print(w, v) }

func (p *customColumnsPrinter) print(w io.Writer, values ...any) error {
	t := NewTabWriter()
	if !p.noHeaders && !p.printedHeaders {
		row := make([]string, len(p.columns))
		for i, c := range p.columns {
			row[i] = c.header
		}
		t.Add(row)
		// A watch prints rows as they come, under one header.
		p.printedHeaders = true
	}
	for _, v := range values {
		row := make([]string, len(p.columns))
		for i, c := range p.columns {
			results, err := c.jp.FindResults(v)
			if err != nil {
				return err
			}
			var vals []string
			for _, r := range results {
				for _, v := range r {
					vals = append(vals, fmt.Sprint(v.Interface()))
				}
			}
			if len(vals) == 0 {
				vals = []string{"<none>"}
			}
			row[i] = strings.Join(vals, ",")
		}
		t.Add(row)
	}
	return t.Flush(w)
}

// SortObjects sorts items by the value at the JSONPath expression expr,
// numbers numerically and everything else as text, as kubectl --sort-by.
func SortObjects(items []*unstructured.Unstructured, expr string) error {
	relaxed, err := RelaxedJSONPath(expr)
	if err != nil {
		return err
	}
	jp := jsonpath.New("sort").AllowMissingKeys(true)
	if err := jp.Parse(relaxed); err != nil {
		return fmt.Errorf("error parsing --sort-by %s: %w", expr, err)
	}
	s := &sorter{items: items, keys: make([]any, len(items)), has: make([]bool, len(items))}
	found := false
	for i, u := range items {
		results, err := jp.FindResults(u.Object)
		if err != nil {
			return err
		}
		if len(results) > 0 && len(results[0]) > 0 {
			s.keys[i], s.has[i] = results[0][0].Interface(), true
			found = true
		}
	}
	if !found && len(items) > 0 {
		return fmt.Errorf("couldn't find any field with path %q in the list of objects", relaxed)
	}
	// kubectl's sort.Sort with its Less, not a stable sort: objects with
	// equal keys, and those without the field, come out in kubectl's order.
	sort.Sort(s)
	return nil
}

// sorter is kubectl's RuntimeSort: an object without the field is less
// than any, even than another without it.
type sorter struct {
	items []*unstructured.Unstructured
	keys  []any
	has   []bool
}

func (s *sorter) Len() int { return len(s.items) }

func (s *sorter) Swap(i, j int) {
	s.items[i], s.items[j] = s.items[j], s.items[i]
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
	s.has[i], s.has[j] = s.has[j], s.has[i]
}

func (s *sorter) Less(i, j int) bool {
	if !s.has[i] {
		return true
	}
	if !s.has[j] {
		return false
	}
	return lessValue(s.keys[i], s.keys[j])
}

func lessValue(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b != nil
	}
	af, aNum := number(a)
	bf, bNum := number(b)
	if aNum && bNum {
		return af < bf
	}
	return fmt.Sprint(a) < fmt.Sprint(b)
}

func number(v any) (float64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), true
	case reflect.Float32, reflect.Float64:
		return rv.Float(), true
	}
	return 0, false
}

// TabWriter aligns cells the way kubectl's tab writer does (padding 3,
// widths in runes, last cell unpadded) and, unlike text/tabwriter,
// remembers column widths across flushes, so watch output stays aligned
// with the table printed before it.
type TabWriter struct {
	rows   [][]string
	widths []int
}

// NewTabWriter returns an empty TabWriter.
func NewTabWriter() *TabWriter { return &TabWriter{} }

// Add queues one row.
func (t *TabWriter) Add(row []string) { t.rows = append(t.rows, row) }

// Flush writes the queued rows, aligned with every row written before.
func (t *TabWriter) Flush(w io.Writer) error {
	for _, row := range t.rows {
		for i := 0; i < len(row)-1; i++ {
			for len(t.widths) <= i {
				t.widths = append(t.widths, 0)
			}
			if n := runeLen(row[i]); n > t.widths[i] {
				t.widths[i] = n
			}
		}
	}
	var buf bytes.Buffer
	for _, row := range t.rows {
		for i, cell := range row {
			buf.WriteString(cell)
			if i < len(row)-1 {
				buf.WriteString(strings.Repeat(" ", t.widths[i]-runeLen(cell)+3))
			}
		}
		buf.WriteByte('\n')
	}
	t.rows = t.rows[:0]
	_, err := w.Write(buf.Bytes())
	return err
}

func runeLen(s string) int { return len([]rune(s)) }
