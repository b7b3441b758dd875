package fieldmanager

import (
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/schemaconv"
	"k8s.io/kube-openapi/pkg/validation/spec"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

const objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

// crdTypeConverter builds the type converter of a custom resource from
// its schema as kube-apiserver builds it for a CRD (the OpenAPI models of
// apiextensions-apiserver's buildOpenAPIModelsForApply): the structural
// schema without value validations or nullable, apiVersion and kind as
// strings and metadata (the root's and every embedded resource's) as
// ObjectMeta, converted by kube-openapi's schemaconv.
func crdTypeConverter(props *apiextensionsv1.JSONSchemaProps, gvk schema.GroupVersionKind) (managedfields.TypeConverter, error) {
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(props, &internal, nil); err != nil {
		return nil, err
	}
	ss, err := structuralschema.NewStructural(&internal)
	if err != nil {
		return nil, fmt.Errorf("the schema is not structural: %w", err)
	}
	ss = ss.StripValueValidations().StripNullable()
	root := ss.ToKubeOpenAPI()
	addEmbeddedProperties(root, true)
	name := fmt.Sprintf("k1s.crd.%s.%s.%s", gvk.Group, gvk.Version, gvk.Kind)
	s, err := schemaconv.ToSchemaFromOpenAPI(map[string]*spec.Schema{name: root}, false)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, td := range s.Types {
		have[td.Name] = true
	}
	meta, err := closure(have, objectMetaName)
	if err != nil {
		return nil, err
	}
	p := &typed.Parser{Schema: smdschema.Schema{Types: append(s.Types, meta...)}}
	return typeConverter{pt: p.Type(name)}, nil
}

// addEmbeddedProperties gives the root and every
// x-kubernetes-embedded-resource apiVersion, kind and metadata, as
// apiextensions-apiserver's OpenAPI builder does.
func addEmbeddedProperties(s *spec.Schema, isRoot bool) {
	if s == nil {
		return
	}
	for k, p := range s.Properties {
		addEmbeddedProperties(&p, false)
		s.Properties[k] = p
	}
	if s.Items != nil {
		addEmbeddedProperties(s.Items.Schema, false)
		for i := range s.Items.Schemas {
			addEmbeddedProperties(&s.Items.Schemas[i], false)
		}
	}
	if s.AdditionalProperties != nil {
		addEmbeddedProperties(s.AdditionalProperties.Schema, false)
	}
	embedded, _ := s.Extensions["x-kubernetes-embedded-resource"].(bool)
	if !isRoot && !embedded {
		return
	}
	if s.Properties == nil {
		s.Properties = map[string]spec.Schema{}
	}
	// The root's apiVersion, kind and metadata are always these; an
	// embedded resource keeps what its schema says of them.
	str := spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}}
	meta := spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef("#/definitions/" + objectMetaName)}}
	for k, v := range map[string]spec.Schema{"apiVersion": str, "kind": str, "metadata": meta} {
		if _, ok := s.Properties[k]; isRoot || !ok {
			s.Properties[k] = v
		}
	}
	if len(s.Type) == 0 {
		s.Type = spec.StringOrArray{"object"}
	}
}

func schemaOf(defs []smdschema.TypeDef) smdschema.Schema { return smdschema.Schema{Types: defs} }
