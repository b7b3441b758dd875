package core

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/structural"
)

// typeSchema returns t's compiled schema: nil with a nil error when t has
// none, and an error when it cannot be loaded (a plugin's cached schema
// that no longer decodes), which must refuse writes rather than let
// objects through unchecked.
func typeSchema(t *registry.Type) (*structural.Schema, error) {
	props, err := t.OpenAPISchema()
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %w", t.Kind, err)
	}
	return structural.For(props), nil
}

// applySchema prunes (unless pruned already) and defaults w by its type's
// OpenAPI schema, then validates it, on w's unstructured content, as the
// API server does for custom resources. A typed w goes through its
// unstructured form and back.
func (c *Client) applySchema(w, old client.Object, t *registry.Type, pruned bool) (field.ErrorList, error) {
	s, err := typeSchema(t)
	if err != nil {
		return field.ErrorList{field.InternalError(nil, err)}, nil
	}
	content, store, err := toMap(w)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	applyDefaults(s, content, pruned)
	var oldContent map[string]any
	if old != nil {
		if oldContent, _, err = toMap(old); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	errs := s.Validate(content, oldContent)
	if err := store(content); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return errs, nil
}

// defaultBySchema prunes (unless pruned already) and defaults w by its
// type's schema, as the API server's decoder does before admission. A
// schema that does not load leaves w as it is: applySchema refuses the
// write.
func (c *Client) defaultBySchema(w client.Object, t *registry.Type, pruned bool) error {
	s, err := typeSchema(t)
	if err != nil {
		return nil //nolint:nilerr // applySchema reports it, with the rest
	}
	content, store, err := toMap(w)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	applyDefaults(s, content, pruned)
	if err := store(content); err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	return nil
}

// applyDefaults prunes content by s, unless pruned already, and defaults
// it.
func applyDefaults(s *structural.Schema, content map[string]any, pruned bool) {
	if pruned {
		s.ApplyDefaults(content)
	} else {
		s.Apply(content)
	}
}

// pruneUnknown prunes obj by t's schema and returns the unknown fields it
// removed, for the API server's "unknown field" warnings. A schema that
// does not load prunes nothing: applySchema refuses the write.
func pruneUnknown(t *registry.Type, obj map[string]any) []string {
	s, _ := typeSchema(t)
	return s.Prune(obj)
}
