package printers

import (
	"encoding/base64"
	"fmt"
	"io"
	"reflect"
	"text/template"

	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// goTemplatePrinter is kubectl's -o go-template: text/template over the
// object as JSON decodes it (integers stay int64, as
// apimachinery's json decoder keeps them), with kubectl's two extra
// functions, exists and base64decode; a missing key prints "<no value>".
type goTemplatePrinter struct {
	raw string
	t   *template.Template
}

func newGoTemplatePrinter(text string) (*goTemplatePrinter, error) {
	t, err := template.New("output").Funcs(template.FuncMap{
		"exists":       exists,
		"base64decode": base64decode,
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("error parsing template %s, %w", text, err)
	}
	t.Option("missingkey=default")
	return &goTemplatePrinter{raw: text, t: t}, nil
}

// Print implements Printer.
func (p *goTemplatePrinter) Print(w io.Writer, groups []Group, single bool) error {
	return p.PrintValue(w, printable(groups, single))
}

// PrintValue implements ValuePrinter. On a failure, like kubectl, it
// writes what it was given to w as well, where the user looks for it.
func (p *goTemplatePrinter) PrintValue(w io.Writer, v any) error {
	data, err := utiljson.Marshal(v)
	if err != nil {
		return err
	}
	out := map[string]any{}
	if err := utiljson.Unmarshal(data, &out); err != nil {
		return err
	}
	if err := p.execute(w, out); err != nil {
		_, _ = fmt.Fprintf(w, "Error executing template: %v. Printing more information for debugging the template:\n", err)
		_, _ = fmt.Fprintf(w, "\ttemplate was:\n\t\t%v\n", p.raw)
		_, _ = fmt.Fprintf(w, "\traw data was:\n\t\t%v\n", string(data))
		_, _ = fmt.Fprintf(w, "\tobject given to template engine was:\n\t\t%+v\n\n", out)
		return fmt.Errorf("error executing template %q: %w", p.raw, err)
	}
	return nil
}

// execute runs the template, turning a panic of a template function into
// an error, as kubectl does.
func (p *goTemplatePrinter) execute(w io.Writer, v any) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("caught panic: %+v", x)
		}
	}()
	return p.t.Execute(w, v)
}

func base64decode(v string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return "", fmt.Errorf("base64 decode failed: %w", err)
	}
	return string(data), nil
}

// exists reports whether item has a value at the keys and indices given,
// the test kubectl's templates use before index (which fails on a
// missing array element).
func exists(item any, keys ...any) bool {
	v := reflect.ValueOf(item)
	for _, k := range keys {
		v = deref(v)
		if !v.IsValid() {
			return false
		}
		key := reflect.ValueOf(k)
		switch v.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			var i int64
			switch {
			case key.CanInt():
				i = key.Int()
			case key.CanUint():
				i = int64(key.Uint())
			default:
				return false
			}
			if i < 0 || i >= int64(v.Len()) {
				return false
			}
			v = v.Index(int(i))
		case reflect.Map:
			if !key.IsValid() || !key.Type().AssignableTo(v.Type().Key()) {
				return false
			}
			v = v.MapIndex(key)
		default:
			return false
		}
	}
	return deref(v).IsValid()
}

// deref follows pointers and interfaces; a nil one is the zero Value.
func deref(v reflect.Value) reflect.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	return v
}
