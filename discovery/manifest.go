package discovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"

	"github.com/k1s-dev/k1s/codec"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// The manifest kinds discovery reads.
const (
	seedAPIVersion = "k1s.io/v1alpha1"
	seedKind       = "PluginTypeManifest"
	crdGroup       = "apiextensions.k8s.io"
	crdKind        = "CustomResourceDefinition"
)

// pluginTypeManifest is the seed's manifest format.
type pluginTypeManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Metadata is not read: the name comes from the unstructured object,
	// and any metadata field is allowed.
	Metadata json.RawMessage `json:"metadata,omitempty"`
	Spec     struct {
		Types []pluginType `json:"types"`
	} `json:"spec"`
}

type pluginType struct {
	Group      string   `json:"group"`
	Version    string   `json:"version"`
	Kind       string   `json:"kind"`
	Plural     string   `json:"plural"`
	Singular   string   `json:"singular,omitempty"`
	ListKind   string   `json:"listKind,omitempty"`
	ShortNames []string `json:"shortNames,omitempty"`
	// Namespaced is the seed's way to give the scope; Scope (Namespaced or
	// Cluster, as in a CRD) is accepted too. Neither means namespaced.
	Namespaced   *bool                  `json:"namespaced,omitempty"`
	Scope        string                 `json:"scope,omitempty"`
	Storage      *bool                  `json:"storage,omitempty"`
	PrintColumns []registry.PrintColumn `json:"printColumns,omitempty"`
	Categories   []string               `json:"categories,omitempty"`
	// Schema is either {openAPIV3Schema: {...}}, as in a CRD version, or
	// the OpenAPI v3 schema itself.
	Schema       json.RawMessage `json:"schema,omitempty"`
	Subresources *struct {
		Status *struct{} `json:"status,omitempty"`
	} `json:"subresources,omitempty"`
	SelectableFields []selectableField `json:"selectableFields,omitempty"`
}

// selectableField is a CRD-style {jsonPath: .spec.color} or a plain
// ".spec.color" string.
type selectableField struct{ JSONPath string }

func (f *selectableField) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		return json.Unmarshal(data, &f.JSONPath)
	}
	var v struct {
		JSONPath string `json:"jsonPath"`
	}
	err := json.Unmarshal(data, &v)
	f.JSONPath = v.JSONPath
	return err
}

// parsed is what one manifest file yields.
type parsed struct {
	types    []registry.Type
	warnings []string
}

// parseFile reads the manifests in one file's content. Documents of other
// kinds, and documents without apiVersion or kind, are skipped silently:
// a plugin directory may hold other YAML. Anything else that is wrong is a
// warning naming the file; the file's good types are kept.
func parseFile(path string, data []byte) parsed {
	var p parsed
	objs, err := codec.DecodeStream(bytes.NewReader(data), path)
	if err != nil {
		for _, e := range unwrapAll(err) {
			var de *codec.DecodeError
			if errors.As(e, &de) && de.Message == "is required" && (de.Field == "apiVersion" || de.Field == "kind") {
				continue
			}
			p.warnings = append(p.warnings, e.Error())
		}
	}
	for _, u := range objs {
		gv, _ := schema.ParseGroupVersion(u.GetAPIVersion())
		switch {
		case u.GetKind() == seedKind && u.GetAPIVersion() == seedAPIVersion:
			p.parseSeed(path, u)
		case u.GetKind() == seedKind:
			p.warnf("%s: %s %q: unsupported apiVersion %q; use %s", path, seedKind, u.GetName(), u.GetAPIVersion(), seedAPIVersion)
		case u.GetKind() == crdKind && u.GetAPIVersion() == crdGroup+"/v1":
			p.parseCRD(path, u)
		case u.GetKind() == crdKind && gv.Group == crdGroup:
			p.warnf("%s: %s %q: unsupported apiVersion %q; use %s/v1", path, crdKind, u.GetName(), u.GetAPIVersion(), crdGroup)
		}
	}
	return p
}

func (p *parsed) warnf(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

func (p *parsed) parseSeed(path string, u *unstructured.Unstructured) {
	data, err := json.Marshal(u.Object)
	if err != nil {
		p.warnf("%s: %s %q: %v", path, seedKind, u.GetName(), err)
		return
	}
	var m pluginTypeManifest
	strict, err := kjson.UnmarshalStrict(data, &m)
	what := fmt.Sprintf("%s: %s %q", path, seedKind, u.GetName())
	if err != nil {
		p.warnf("%s: %v", what, err)
		return
	}
	for _, e := range strict {
		// Unknown fields are most likely typos: say so, but keep the type.
		p.warnf("%s: %v", what, e)
	}
	storageSeen := map[schema.GroupResource]bool{}
	for i, pt := range m.Spec.Types {
		where := fmt.Sprintf("%s: spec.types[%d]", what, i)
		if pt.Kind != "" {
			where += " (" + pt.Kind + ")"
		}
		t := registry.Type{
			Kind:         schema.GroupVersionKind{Group: pt.Group, Version: pt.Version, Kind: pt.Kind},
			Resource:     pt.Plural,
			Singular:     pt.Singular,
			ShortNames:   pt.ShortNames,
			Categories:   pt.Categories,
			Namespaced:   true,
			ListKind:     pt.ListKind,
			PrintColumns: pt.PrintColumns,
			Source:       path,
		}
		switch {
		case pt.Namespaced != nil && pt.Scope != "" && *pt.Namespaced != (pt.Scope == "Namespaced"):
			p.warnf("%s: namespaced: %v contradicts scope: %s; the type is ignored", where, *pt.Namespaced, pt.Scope)
			continue
		case pt.Namespaced != nil:
			t.Namespaced = *pt.Namespaced
		case pt.Scope == "Cluster":
			t.Namespaced = false
		case pt.Scope != "" && pt.Scope != "Namespaced":
			p.warnf("%s: scope must be Namespaced or Cluster, not %q; the type is ignored", where, pt.Scope)
			continue
		}
		if pt.Subresources != nil && pt.Subresources.Status != nil {
			t.StatusSubresource = true
		}
		for _, f := range pt.SelectableFields {
			t.SelectableFields = append(t.SelectableFields, f.JSONPath)
		}
		if len(pt.Schema) > 0 && string(pt.Schema) != "null" {
			s, wrapped, err := seedSchema(pt.Schema)
			if err != nil {
				p.warnf("%s: schema: %v; the type is ignored", where, err)
				continue
			}
			path := field.NewPath("spec", "types").Index(i).Child("schema")
			if wrapped {
				path = path.Child("openAPIV3Schema")
			}
			if errs := checkSchema(s, path); len(errs) > 0 {
				msgs := make([]string, len(errs))
				for j, e := range errs {
					msgs[j] = e.Error()
				}
				p.warnf("%s: %s; the type is ignored", where, strings.Join(msgs, "; "))
				continue
			}
			t.Schema = s
		}
		if msg := checkType(&t); msg != "" {
			p.warnf("%s: %s; the type is ignored", where, msg)
			continue
		}
		// The first version listed of a resource is its storage version,
		// unless the manifest says otherwise.
		gr := t.GroupResource()
		if pt.Storage != nil {
			t.Storage = *pt.Storage
		} else {
			t.Storage = !storageSeen[gr]
		}
		storageSeen[gr] = storageSeen[gr] || t.Storage
		t.PrintColumns = withNameColumn(t.PrintColumns)
		p.types = append(p.types, t)
	}
}

// seedSchema decodes a seed type's schema: {openAPIV3Schema: ...}
// (wrapped) or the schema itself.
func seedSchema(raw json.RawMessage) (s *apiextensionsv1.JSONSchemaProps, wrapped bool, err error) {
	var wrapper struct {
		OpenAPIV3Schema *apiextensionsv1.JSONSchemaProps `json:"openAPIV3Schema"`
	}
	if err := json.Unmarshal(raw, &wrapper); err != nil {
		return nil, false, err
	}
	if wrapper.OpenAPIV3Schema != nil {
		return wrapper.OpenAPIV3Schema, true, nil
	}
	s = &apiextensionsv1.JSONSchemaProps{}
	if err := json.Unmarshal(raw, s); err != nil {
		return nil, false, err
	}
	return s, false, nil
}

func (p *parsed) parseCRD(path string, u *unstructured.Unstructured) {
	var crd apiextensionsv1.CustomResourceDefinition
	what := fmt.Sprintf("%s: %s %q", path, crdKind, u.GetName())
	if err := codec.FromUnstructured(u, &crd); err != nil {
		p.warnf("%s: %v", path, err)
		return
	}
	spec := &crd.Spec
	var problems []string
	if spec.Group == "" {
		problems = append(problems, "spec.group is required")
	}
	if spec.Names.Kind == "" {
		problems = append(problems, "spec.names.kind is required")
	}
	if spec.Names.Plural == "" {
		problems = append(problems, "spec.names.plural is required")
	}
	namespaced := true
	switch spec.Scope {
	case apiextensionsv1.NamespaceScoped:
	case apiextensionsv1.ClusterScoped:
		namespaced = false
	default:
		problems = append(problems, fmt.Sprintf("spec.scope must be Namespaced or Cluster, not %q", spec.Scope))
	}
	if len(spec.Versions) == 0 {
		problems = append(problems, "spec.versions must list at least one version")
	}
	storage := 0
	for _, v := range spec.Versions {
		if v.Storage {
			storage++
		}
	}
	if storage > 1 {
		problems = append(problems, "spec.versions must have exactly one storage version")
	}
	if want := spec.Names.Plural + "." + spec.Group; len(problems) == 0 && crd.Name != want {
		problems = append(problems, fmt.Sprintf("metadata.name must be %q (spec.names.plural.spec.group)", want))
	}
	for _, e := range checkCRDSchemas(spec.Versions) {
		problems = append(problems, e.Error())
	}
	if len(problems) > 0 {
		p.warnf("%s: %s; the CRD is ignored", what, strings.Join(problems, "; "))
		return
	}
	for i, v := range spec.Versions {
		if !v.Served {
			continue
		}
		t := registry.Type{
			Kind:       schema.GroupVersionKind{Group: spec.Group, Version: v.Name, Kind: spec.Names.Kind},
			Resource:   spec.Names.Plural,
			Singular:   spec.Names.Singular,
			ShortNames: spec.Names.ShortNames,
			Categories: spec.Names.Categories,
			Namespaced: namespaced,
			ListKind:   spec.Names.ListKind,
			// A CRD with a single version need not mark it as storage.
			Storage:           v.Storage || len(spec.Versions) == 1,
			StatusSubresource: v.Subresources != nil && v.Subresources.Status != nil,
			Source:            path,
		}
		if v.Schema != nil {
			t.Schema = v.Schema.OpenAPIV3Schema
		}
		for _, c := range v.AdditionalPrinterColumns {
			t.PrintColumns = append(t.PrintColumns, registry.PrintColumn{
				Name: c.Name, Type: c.Type, Format: c.Format, Description: c.Description,
				JSONPath: c.JSONPath, Priority: c.Priority,
			})
		}
		for _, f := range v.SelectableFields {
			t.SelectableFields = append(t.SelectableFields, f.JSONPath)
		}
		if msg := checkType(&t); msg != "" {
			p.warnf("%s: spec.versions[%d] (%s): %s; the version is ignored", what, i, v.Name, msg)
			continue
		}
		t.PrintColumns = withNameColumn(t.PrintColumns)
		p.types = append(p.types, t)
	}
}

// checkType returns what is wrong with a type's names, filling in the
// defaults the API server would (singular, listKind).
//
// The group and plural are checked as the API server checks a CRD's, so
// that each is one segment of the storage keys (see storage.ValidateKey)
// and no plugin type can reach other types' objects: the group is a
// domain with at least one dot — never "" or "core", the core group's
// segment — and not k1s.io (or a subdomain of it), which holds k1s's own
// resources.
func checkType(t *registry.Type) string {
	g := t.Kind.Group
	switch {
	case t.Kind.Kind == "":
		return "kind is required"
	case t.Kind.Version == "":
		return "version is required"
	case g == "":
		return "group is required: plugin types cannot join the core group"
	case len(validation.IsDNS1123Subdomain(g)) > 0:
		return fmt.Sprintf("group %q: %s", g, strings.Join(validation.IsDNS1123Subdomain(g), ","))
	case !strings.Contains(g, "."):
		return fmt.Sprintf("group %q: should be a domain with at least one dot", g)
	case g == storage.ReservedGroup || strings.HasSuffix(g, "."+storage.ReservedGroup):
		return fmt.Sprintf("group %q is reserved for k1s's own resources", g)
	case t.Resource == "":
		return "plural is required"
	case t.Resource != strings.ToLower(t.Resource):
		return fmt.Sprintf("plural %q must be lower-case", t.Resource)
	case len(validation.IsDNS1035Label(t.Resource)) > 0:
		return fmt.Sprintf("plural %q: %s", t.Resource, strings.Join(validation.IsDNS1035Label(t.Resource), ","))
	case t.Singular != strings.ToLower(t.Singular):
		return fmt.Sprintf("singular %q must be lower-case", t.Singular)
	}
	for _, s := range t.ShortNames {
		if s == "" || s != strings.ToLower(s) {
			return fmt.Sprintf("short name %q must be lower-case and not empty", s)
		}
	}
	for _, c := range t.PrintColumns {
		if c.Name == "" || c.JSONPath == "" {
			return fmt.Sprintf("print column %q needs a name and a jsonPath", c.Name)
		}
	}
	if t.Singular == "" {
		t.Singular = strings.ToLower(t.Kind.Kind)
	}
	if t.ListKind == "" {
		t.ListKind = t.Kind.Kind + "List"
	}
	return ""
}

// withNameColumn makes a column list complete, as the registry's print
// columns are (see the package documentation): the API server always
// shows a type's name first and, for a CRD without columns, its age.
func withNameColumn(cols []registry.PrintColumn) []registry.PrintColumn {
	for _, c := range cols {
		if c.JSONPath == ".metadata.name" {
			return cols
		}
	}
	out := make([]registry.PrintColumn, 0, len(cols)+2)
	out = append(out, registry.PrintColumn{Name: "NAME", Type: "string", JSONPath: ".metadata.name",
		Description: "Name must be unique within a namespace."})
	if len(cols) == 0 {
		return append(out, registry.PrintColumn{Name: "AGE", Type: "date", JSONPath: ".metadata.creationTimestamp",
			Description: "CreationTimestamp is a timestamp representing the server time when this object was created."})
	}
	return append(out, cols...)
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
