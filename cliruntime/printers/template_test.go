package printers

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func templateGroups() []Group {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "s", "labels": map[string]any{"a": "b"}},
		"data":     map[string]any{"k": "aGVsbG8="},
		"big":      int64(9007199254740993),
		"list":     []any{"x", "y"},
	}}
	return []Group{{Items: []*unstructured.Unstructured{u}}}
}

func TestGoTemplatePrinter(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "t.tmpl")
	if err := os.WriteFile(file, []byte(`{{.metadata.name}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts PrintOptions
		want string
	}{
		{PrintOptions{Output: `go-template={{.metadata.name}} {{base64decode .data.k}} {{.big}}`}, "s hello 9007199254740993"},
		{PrintOptions{Output: `template={{.missing}}`}, "<no value>"},
		{PrintOptions{Output: "go-template", Template: `{{.kind}}`}, "Secret"},
		{PrintOptions{Output: "go-template-file=" + file}, "s"},
		{PrintOptions{Output: "templatefile", Template: file}, "s"},
		{PrintOptions{Output: `go-template={{exists . "metadata" "labels" "a"}} {{exists . "metadata" "labels" "z"}} {{exists . "list" 1}} {{exists . "list" 2}} {{exists . "list" -1}}`}, "true false true false false"},
		{PrintOptions{Output: `go-template={{exists . "list" "x"}} {{exists . "big" "x"}} {{exists . 1}} {{exists .list 0}} {{exists . "nothing"}}`}, "false false false true false"},
		{PrintOptions{Output: `go-template={{exists . "list" 1 0}} {{exists . "list" (len .list)}}`}, "true false"},
		{PrintOptions{Output: `jsonpath-as-json={.metadata.name}`}, "[\n    \"s\"\n]\n"},
	} {
		p, err := NewPrinter(tc.opts)
		if err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		var buf bytes.Buffer
		if err := p.Print(&buf, templateGroups(), true); err != nil {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		if buf.String() != tc.want {
			t.Errorf("%+v printed %q, want %q", tc.opts, buf.String(), tc.want)
		}
	}
}

func TestGoTemplateErrors(t *testing.T) {
	for _, tc := range []struct{ output, want string }{
		{"go-template", "template format specified but no template given"},
		{"go-template=", "template format specified but no template given"},
		{"jsonpath-as-json", "template format specified but no template given"},
		{"go-template={{.x", "error parsing template {{.x, "},
		{"go-template-file=/nonexistent/t", "error reading --template /nonexistent/t, "},
		{"go-tmpl=x", "allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,wide,yaml"},
	} {
		_, err := NewPrinter(PrintOptions{Output: tc.output})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewPrinter(%q) = %v, want an error with %q", tc.output, err, tc.want)
		}
	}
	for _, tc := range []struct{ tmpl, want string }{
		{`{{base64decode .metadata.name}}`, "base64 decode failed"},
		{`{{index .list 5}}`, "index out of range"},
		{`{{template "nope"}}`, `template "nope" not defined`},
	} {
		p, err := NewPrinter(PrintOptions{Output: "go-template=" + tc.tmpl})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		err = p.Print(&buf, templateGroups(), true)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "error executing template ") {
			t.Errorf("%s: error %v, want one with %q", tc.tmpl, err, tc.want)
		}
		if !strings.Contains(buf.String(), "Printing more information for debugging the template") {
			t.Errorf("%s: printed %q, want kubectl's debugging text", tc.tmpl, buf.String())
		}
	}
	// A value JSON cannot encode is an error, not a panic.
	p, _ := NewPrinter(PrintOptions{Output: "go-template={{.}}"})
	if err := p.(ValuePrinter).PrintValue(&bytes.Buffer{}, map[string]any{"f": func() {}}); err == nil {
		t.Error("printing a func succeeded")
	}
	if err := p.(ValuePrinter).PrintValue(&bytes.Buffer{}, []any{1}); err == nil {
		t.Error("printing a list as an object succeeded")
	}
}

func TestGoTemplatePanic(t *testing.T) {
	p, err := newGoTemplatePrinter(`{{call .f}}`)
	if err != nil {
		t.Fatal(err)
	}
	err = p.execute(&bytes.Buffer{}, map[string]any{"f": func() string { panic("boom") }})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("execute = %v, want the panic as an error", err)
	}
}
