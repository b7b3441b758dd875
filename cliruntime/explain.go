package cliruntime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/registry"
)

// standardFieldDocs are the descriptions kubectl shows for the fields
// every object has, which a CRD schema usually leaves undocumented.
var standardFieldDocs = map[string]string{
	"apiVersion": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
	"kind":       "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
	"metadata":   "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
}

// schemaType renders a schema's type as explain does: <string>,
// <integer>, <Object>, <[]Object>, <map[string]string>.
func schemaType(s *apiextensionsv1.JSONSchemaProps) string {
	if s.Ref != nil {
		// Only objectMetaSchema sets a reference: a CRD's schema may not.
		return *s.Ref
	}
	switch s.Type {
	case "object":
		if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil && len(s.Properties) == 0 {
			return "map[string]" + strings.Trim(schemaType(s.AdditionalProperties.Schema), "<>")
		}
		return "Object"
	case "array":
		if s.Items != nil && s.Items.Schema != nil {
			return "[]" + schemaType(s.Items.Schema)
		}
		return "[]Object"
	case "":
		if s.XIntOrString {
			return "IntOrString"
		}
		return "Object"
	}
	return s.Type
}

// wrap writes text at 80 columns after indent spaces. Words are split at
// single spaces, as kubectl's template does: a double space after a
// full stop, or a paragraph's leading space, is kept.
func wrap(w io.Writer, indent int, text string) {
	pad := strings.Repeat(" ", indent)
	const width = 80
	for _, para := range strings.Split(text, "\n") {
		line, started := "", false
		for _, word := range strings.Split(para, " ") {
			if started && line != "" && len(pad)+len(line)+1+len(word) > width {
				_, _ = fmt.Fprintln(w, pad+strings.TrimRight(line, " "))
				line, started = word, word != ""
				continue
			}
			if started {
				line += " "
			}
			line += word
			started = true
		}
		_, _ = fmt.Fprintln(w, pad+line)
	}
}

// withGoSchema is t, or for a compiled-in type without an OpenAPI schema
// (the built-in kinds) a copy of t with the schema of its Go type, so
// that explain shows their fields as kubectl does.
func withGoSchema(t *registry.Type, scheme *runtime.Scheme) *registry.Type {
	if sch, err := t.OpenAPISchema(); err != nil || sch != nil {
		return t
	}
	obj, err := scheme.New(t.Kind)
	if err != nil {
		return t
	}
	gt := reflect.TypeOf(obj)
	if gt.Kind() == reflect.Pointer {
		gt = gt.Elem()
	}
	if gt.Kind() != reflect.Struct || gt == reflect.TypeFor[unstructured.Unstructured]() {
		return t
	}
	sch := goTypeSchema(gt)
	withSchema := *t
	withSchema.Schema = &sch
	return &withSchema
}

// Explain writes kubectl explain's description of t at the dotted field
// path (empty for the whole type), from the type's OpenAPI schema, in the
// layout of kubectl's plaintext template: the FIELD line, its ENUM
// section when the schema has enums, DESCRIPTION, FIELDS (each with its
// "enum:" line). As kubectl, the header is written before the path is
// followed: a field that does not exist is an error naming the path's
// last element, after the header.
func Explain(w io.Writer, t *registry.Type, path []string, recursive bool) error {
	schema, err := t.OpenAPISchema()
	if err != nil {
		return fmt.Errorf("reading the schema of %s: %w", t.QualifiedResource(), err)
	}
	if schema == nil {
		schema = &apiextensionsv1.JSONSchemaProps{Type: "object"}
	}
	if schema.Properties == nil || schema.Properties["apiVersion"].Type == "" {
		props := map[string]apiextensionsv1.JSONSchemaProps{}
		for k, v := range schema.Properties {
			props[k] = v
		}
		for _, f := range []string{"apiVersion", "kind"} {
			if _, ok := props[f]; !ok {
				props[f] = apiextensionsv1.JSONSchemaProps{Type: "string"}
			}
		}
		s := *schema
		s.Properties = props
		schema = &s
	}
	{
		props := make(map[string]apiextensionsv1.JSONSchemaProps, len(schema.Properties)+1)
		for k, v := range schema.Properties {
			props[k] = v
		}
		props["metadata"] = objectMetaSchema()
		s := *schema
		s.Properties = props
		schema = &s
	}
	if t.Kind.Group != "" {
		_, _ = fmt.Fprintf(w, "GROUP:      %s\n", t.Kind.Group)
	}
	_, _ = fmt.Fprintf(w, "KIND:       %s\nVERSION:    %s\n\n", t.Kind.Kind, t.Kind.Version)
	// The rest is built first: kubectl's template writes nothing of the
	// field before it found it.
	var b bytes.Buffer
	cur := schema
	for i, p := range path {
		next, ok := cur.Properties[p]
		if !ok && cur.Items != nil && cur.Items.Schema != nil {
			next, ok = cur.Items.Schema.Properties[p]
		}
		if !ok {
			return fmt.Errorf("field %q does not exist", path[len(path)-1])
		}
		if next.Description == "" && i == 0 {
			next.Description = standardFieldDocs[p]
		}
		cur = &next
		if i == len(path)-1 {
			_, _ = fmt.Fprintf(&b, "FIELD: %s <%s>\n", p, schemaType(cur))
			if enums := enumValues(cur); len(enums) > 0 {
				b.WriteString("ENUM:")
				for _, e := range enums {
					b.WriteString("\n    " + e)
				}
			}
			b.WriteString("\n\n")
		}
	}
	b.WriteString("DESCRIPTION:\n")
	if desc := refDoc(cur); desc == "" {
		b.WriteString("    <empty>\n")
	} else {
		wrap(&b, 4, desc)
		b.WriteString("    \n")
	}
	props := cur.Properties
	if cur.Items != nil && cur.Items.Schema != nil && len(props) == 0 {
		props = cur.Items.Schema.Properties
	}
	if len(props) > 0 {
		b.WriteString("FIELDS:\n")
		explainFields(&b, cur, props, 1, recursive, len(path) == 0)
	}
	b.WriteString("\n")
	_, err = w.Write(b.Bytes())
	return err
}

// enumValues renders a schema's enum values as kubectl explain does:
// strings bare ("" for the empty string), other values as JSON
// decodes them.
func enumValues(s *apiextensionsv1.JSONSchemaProps) []string {
	out := make([]string, 0, len(s.Enum))
	for _, e := range s.Enum {
		var v any
		if err := json.Unmarshal(e.Raw, &v); err != nil {
			v = string(e.Raw)
		}
		if v == "" {
			v = `""`
		}
		out = append(out, fmt.Sprint(v))
	}
	return out
}

// enumLine is the "enum: a, b, c, d, ...." line of a field in a list:
// at most four values, as kubectl's.
func enumLine(s *apiextensionsv1.JSONSchemaProps, pad string) string {
	enums := enumValues(s)
	if len(enums) == 0 {
		return ""
	}
	more := ""
	if len(enums) > 4 {
		enums, more = enums[:4], ", ...."
	}
	return "\n" + pad + "enum: " + strings.Join(enums, ", ") + more
}

func explainFields(w io.Writer, parent *apiextensionsv1.JSONSchemaProps, props map[string]apiextensionsv1.JSONSchemaProps, level int, recursive, top bool) {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	required := map[string]bool{}
	for _, r := range parent.Required {
		required[r] = true
	}
	if parent.Items != nil && parent.Items.Schema != nil {
		for _, r := range parent.Items.Schema.Required {
			required[r] = true
		}
	}
	pad := strings.Repeat("  ", level)
	for _, n := range names {
		p := props[n]
		req := ""
		if required[n] {
			req = " -required-"
		}
		_, _ = fmt.Fprintf(w, "%s%s\t<%s>%s%s\n", pad, n, schemaType(&p), req, enumLine(&p, pad))
		if recursive {
			sub := p.Properties
			if p.Items != nil && p.Items.Schema != nil {
				sub = p.Items.Schema.Properties
			}
			explainFields(w, &p, sub, level+1, true, false)
			continue
		}
		desc := p.Description
		if desc == "" && top {
			desc = standardFieldDocs[n]
		}
		if desc == "" {
			desc = "<no description>"
		}
		wrap(w, len(pad)+2, desc)
		_, _ = fmt.Fprintln(w)
	}
}

func (c *CLI) newExplainCommand() *cobra.Command {
	var recursive bool
	var apiVersion string
	cmd := &cobra.Command{
		Use:   "explain TYPE[.FIELD...]",
		Short: "Get documentation for a resource",
		Long: `Describe fields and structure of a resource type, from its schema.

Fields are identified via a simple JSONPath identifier: <type>.<fieldName>[.<fieldName>]`,
		Example: "  # Get the documentation of a type\n  " + c.Name + " explain " + c.Flags.Brand.exampleResource() + "\n\n  # Get the documentation of a field\n  " +
			c.Name + " explain " + c.Flags.Brand.exampleResource() + ".spec",
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 0:
				return fmt.Errorf("You must specify the type of resource to explain. Use \"%s api-resources\" for a complete list of supported resources.", c.Name) //nolint:staticcheck // kubectl's sentence, capital and full stop included
			case 1:
			default:
				return errors.New("We accept only this format: explain RESOURCE") //nolint:staticcheck // kubectl's sentence
			}
			s, err := c.Session(cmd.Context())
			if err != nil {
				return err
			}
			parts := strings.Split(args[0], ".")
			var t *registry.Type
			var path []string
			// The type may be "items" or qualified ("items.inventory.example.com");
			// take the longest prefix that resolves, the rest is the field path.
			for i := len(parts); i > 0; i-- {
				if ts, err := s.Registry.ResolveOne(strings.Join(parts[:i], ".")); err == nil {
					t, path = ts, parts[i:]
					break
				}
			}
			if t == nil {
				_, err := s.Registry.ResolveOne(parts[0])
				// kubectl explain prints this one without "error: ".
				return bareError{err}
			}
			if apiVersion != "" && apiVersion != t.Kind.GroupVersion().String() {
				found := false
				for _, other := range s.Registry.Types() {
					if other.GroupResource() == t.GroupResource() && other.Kind.GroupVersion().String() == apiVersion {
						t, found = other, true
					}
				}
				if !found {
					return fmt.Errorf("couldn't find resource for %q in api version %s", t.Kind.GroupKind(), apiVersion)
				}
			}
			return Explain(c.Out, withGoSchema(t, s.Client.Scheme()), path, recursive)
		}),
	}
	cmd.Flags().BoolVar(&recursive, "recursive", false, "When true, print the name of all the fields recursively. Otherwise, print the available fields with their description.")
	cmd.Flags().StringVar(&apiVersion, "api-version", "", "Use given api-version (group/version) of the resource.")
	return cmd
}
