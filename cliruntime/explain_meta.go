package cliruntime

import (
	"reflect"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// objectMetaSchema is the schema explain shows for every object's
// metadata: the API server publishes it as a reference to ObjectMeta for
// built-in and custom types alike (whatever a CRD's schema says of
// metadata), so kubectl explains `metadata <ObjectMeta>` with all of
// ObjectMeta's fields.
func objectMetaSchema() apiextensionsv1.JSONSchemaProps {
	s := goTypeSchema(reflect.TypeFor[metav1.ObjectMeta]())
	s.Description = standardFieldDocs["metadata"]
	return s
}

// goTypeSchema is the schema of a Go API type (a k8s.io/api kind, or a
// metav1 type), from its JSON fields and its swagger docs: the text the
// API server's OpenAPI carries, taken from the same Go comments. Like an
// OpenAPI definition reached by $ref it is named by its Go type (Ref)
// and documented as a type (Title, see refDoc): kubectl shows a field's
// own description in a list of fields, and adds the type's when the
// field itself is explained. It is built on the explain path only.
func goTypeSchema(t reflect.Type) apiextensionsv1.JSONSchemaProps {
	docs := swaggerDoc(t)
	name := t.Name()
	s := apiextensionsv1.JSONSchemaProps{
		Type:       "object",
		Ref:        &name,
		Title:      docs[""],
		Properties: map[string]apiextensionsv1.JSONSchemaProps{},
	}
	for i := range t.NumField() {
		f := t.Field(i)
		field, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if field == "" || field == "-" {
			continue // TypeMeta inline: apiVersion and kind come from explain's defaults
		}
		p := fieldSchema(f.Type)
		p.Description = docs[field]
		s.Properties[field] = p
		// The OpenAPI generator's rule: a field without omitempty is
		// required, unless its comment says +optional, which reflection
		// cannot see: those few are listed.
		if !strings.Contains(opts, "omitempty") && !optionalWithoutOmitempty[name+"."+field] {
			s.Required = append(s.Required, field)
		}
	}
	return s
}

// optionalWithoutOmitempty are the fields of the kinds k1s compiles in
// that are +optional without omitempty.
var optionalWithoutOmitempty = map[string]bool{
	"Event.reportingComponent": true,
	"Event.reportingInstance":  true,
}

// swaggerDoc is the SwaggerDoc() map generated for t, if it has one.
func swaggerDoc(t reflect.Type) map[string]string {
	m := reflect.New(t).Elem().MethodByName("SwaggerDoc")
	if !m.IsValid() {
		return map[string]string{}
	}
	docs, _ := m.Call(nil)[0].Interface().(map[string]string)
	return docs
}

// fieldSchema is the schema of one field's Go type.
func fieldSchema(t reflect.Type) apiextensionsv1.JSONSchemaProps {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeFor[metav1.Time](), reflect.TypeFor[metav1.MicroTime](), reflect.TypeFor[resource.Quantity]():
		return apiextensionsv1.JSONSchemaProps{Type: "string"}
	case reflect.TypeFor[intstr.IntOrString]():
		return apiextensionsv1.JSONSchemaProps{XIntOrString: true}
	case reflect.TypeFor[metav1.FieldsV1]():
		// An opaque object in the OpenAPI: a named type without fields.
		name := t.Name()
		return apiextensionsv1.JSONSchemaProps{Type: "object", Ref: &name, Title: swaggerDoc(t)[""]}
	}
	switch t.Kind() {
	case reflect.String:
		return apiextensionsv1.JSONSchemaProps{Type: "string"}
	case reflect.Bool:
		return apiextensionsv1.JSONSchemaProps{Type: "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return apiextensionsv1.JSONSchemaProps{Type: "integer"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return apiextensionsv1.JSONSchemaProps{Type: "string"} // []byte is base64 in JSON
		}
		item := fieldSchema(t.Elem())
		return apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &item}}
	case reflect.Map:
		v := fieldSchema(t.Elem())
		return apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Allows: true, Schema: &v}}
	case reflect.Struct:
		return goTypeSchema(t)
	}
	return apiextensionsv1.JSONSchemaProps{}
}

// refDoc is the description kubectl shows of an explained field: its
// own, then that of the type it refers to (for a list, its items'), as
// kubectl's template joins a property's description and its $ref's.
func refDoc(s *apiextensionsv1.JSONSchemaProps) string {
	ref := s
	if s.Items != nil && s.Items.Schema != nil && s.Items.Schema.Ref != nil {
		ref = s.Items.Schema
	}
	if ref.Ref == nil || ref.Title == "" {
		return s.Description
	}
	if s.Description == "" || s == ref && s.Description == ref.Title {
		return ref.Title
	}
	return s.Description + "\n" + ref.Title
}
