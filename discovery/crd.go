package discovery

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/k1s-dev/k1s/decode"
	"github.com/k1s-dev/k1s/registry"
)

// CRDTypes returns the registry types of the CustomResourceDefinitions
// (apiextensions.k8s.io/v1) in data, a YAML or JSON stream such as a file
// controller-gen wrote and the program embeds: one type per served
// version, with the CRD's scope, names, short names, categories, status
// subresource, selectable fields, printer columns and OpenAPI schema
// (which gives a Go type registered in the scheme for the same kind the
// schema's pruning, defaulting and validation), read and checked exactly
// as a CRD of a plugin directory is (see the package documentation). The
// types are marked CustomResource and have no Source: they are compiled
// in, not found in a plugin directory.
//
// A program embeds its CRDs, so anything wrong is the program's mistake:
// a document that does not parse, a CRD the API server would refuse, a
// document of another kind, or no CRD at all is an error naming name (the
// file) and the CRD, and no type is returned.
func CRDTypes(name string, data []byte) ([]registry.Type, error) {
	objs, err := decode.Stream(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	var p parsed
	for i, u := range objs {
		if u.GetKind() != crdKind || u.GetAPIVersion() != crdGroup+"/v1" {
			p.warnf("%s: document %d is %s %s %q, not a %s/v1 %s", name, i+1, u.GetAPIVersion(), u.GetKind(), u.GetName(), crdGroup, crdKind)
			continue
		}
		p.parseCRD(name, u)
	}
	if len(p.warnings) > 0 {
		return nil, errors.New(strings.Join(p.warnings, "\n"))
	}
	if len(p.types) == 0 {
		return nil, fmt.Errorf("%s: no %s", name, crdKind)
	}
	for i := range p.types {
		p.types[i].Source = ""
		p.types[i].CustomResource = true
	}
	return p.types, nil
}

// CRDTypesFS is CRDTypes for every *.yaml, *.yml and *.json file of fsys,
// in lexical order, such as an embed.FS of controller-gen's
// config/crd/bases:
//
//	//go:embed crd/*.yaml
//	var crds embed.FS
//
//	types, err := discovery.CRDTypesFS(crds)
//	err = reg.Add(types...)
//
// Errors name each file by its path in fsys; no type is returned if any
// file is wrong.
func CRDTypesFS(fsys fs.FS) ([]registry.Type, error) {
	var (
		types []registry.Type
		errs  []error
	)
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isManifestName(path.Base(p)) {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		ts, err := CRDTypes(p, data)
		if err != nil {
			errs = append(errs, err)
		}
		types = append(types, ts...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(types) == 0 {
		return nil, errors.New("no CustomResourceDefinition file (*.yaml, *.yml, *.json) found")
	}
	return types, nil
}
