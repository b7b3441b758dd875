package core

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/defaulting"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/validation"
)

// applySchema prunes (unless pruned already) and defaults w by its type's
// OpenAPI schema, then validates it, on w's unstructured content, as the
// API server does for custom resources. A typed w goes through its
// unstructured form and back.
func (c *Client) applySchema(w, old client.Object, t *registry.Type, pruned bool) (field.ErrorList, error) {
	content, store, err := toMap(w)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if pruned {
		defaulting.Default(t, content)
	} else {
		defaulting.ApplySchema(t, content)
	}
	var oldContent map[string]any
	if old != nil {
		if oldContent, _, err = toMap(old); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	errs := validation.ValidateSchema(t, content, oldContent)
	if err := store(content); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return errs, nil
}
