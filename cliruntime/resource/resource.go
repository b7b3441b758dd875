package resource

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
)

// Ref is what one command-line argument names: types, and the object
// names wanted of them (none means "all that match").
type Ref struct {
	Types []*registry.Type
	Names []string
}

// ErrTypeWithSlashedNames is ParseArgs's refusal of a resource type
// given beside arguments in resource/name form. Its text is kubectl's
// without the program name, which kubectl puts in its examples; a CLI
// renders it with its own name (SlashedNamesMessage).
var ErrTypeWithSlashedNames = errors.New(SlashedNamesMessage(""))

// SlashedNamesMessage is kubectl's text for ErrTypeWithSlashedNames, its
// examples spelled with the program name prog ("" leaves it out).
func SlashedNamesMessage(prog string) string {
	if prog != "" {
		prog += " "
	}
	return fmt.Sprintf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. '%sget resource/<resource_name>' instead of '%sget resource resource/<resource_name>'", prog, prog)
}

// ParseArgs turns kubectl-style arguments into references: "items a b",
// "items,categories", "items/a categories/b", or a category such as
// "all".
func ParseArgs(reg *registry.Registry, args []string) ([]Ref, error) {
	if len(args) == 0 {
		return nil, nil
	}
	slashed := 0
	for _, a := range args {
		if strings.Contains(a, "/") {
			slashed++
		}
	}
	if slashed > 0 {
		if slashed != len(args) {
			return nil, ErrTypeWithSlashedNames
		}
		var refs []Ref
		for _, a := range args {
			typ, name, _ := strings.Cut(a, "/")
			if name == "" {
				return nil, fmt.Errorf("arguments in resource/name form must have a single resource and name")
			}
			t, err := reg.ResolveOne(typ)
			if err != nil {
				return nil, err
			}
			refs = append(refs, Ref{Types: []*registry.Type{t}, Names: []string{name}})
		}
		return refs, nil
	}
	var types []*registry.Type
	for _, part := range strings.Split(args[0], ",") {
		if part == "" {
			continue
		}
		ts, err := reg.Resolve(part)
		if err != nil {
			return nil, err
		}
		types = append(types, ts...)
	}
	if len(types) == 0 {
		return nil, fmt.Errorf("resource(s) were provided, but no name was specified")
	}
	return []Ref{{Types: types, Names: args[1:]}}, nil
}

// NewObject returns an empty unstructured object of type t, named and
// namespaced (namespace ignored for cluster-scoped types).
func NewObject(t *registry.Type, namespace, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(t.Kind)
	u.SetName(name)
	if t.Namespaced {
		u.SetNamespace(namespace)
	}
	return u
}

// ListRequest selects objects of one type.
type ListRequest struct {
	Namespace     string
	AllNamespaces bool
	LabelSelector string
	FieldSelector string
	// Limit is the page size used to read the list; 0 reads all at once.
	Limit int64
}

// Options returns the list options that select r's objects of type t.
func (r ListRequest) Options(t *registry.Type) ([]client.ListOption, error) {
	var opts []client.ListOption
	if t.Namespaced && !r.AllNamespaces {
		opts = append(opts, client.InNamespace(r.Namespace))
	}
	if r.LabelSelector != "" {
		sel, err := labels.Parse(r.LabelSelector)
		if err != nil {
			// The API server's answer to a selector it cannot parse.
			return nil, apierrors.NewBadRequest(err.Error())
		}
		opts = append(opts, client.MatchingLabelsSelector{Selector: sel})
	}
	if r.FieldSelector != "" {
		sel, err := fields.ParseSelector(r.FieldSelector)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		opts = append(opts, client.MatchingFieldsSelector{Selector: sel})
	}
	return opts, nil
}

// List returns the objects of type t that r selects, and the list's
// resourceVersion (to start a watch from).
func List(ctx context.Context, c client.Client, t *registry.Type, r ListRequest) ([]*unstructured.Unstructured, string, error) {
	opts, err := r.Options(t)
	if err != nil {
		return nil, "", listError(t, r, err)
	}
	var out []*unstructured.Unstructured
	cont := ""
	for {
		ul := &unstructured.UnstructuredList{}
		ul.SetGroupVersionKind(t.Kind.GroupVersion().WithKind(t.ListKind))
		pageOpts := opts
		if r.Limit > 0 {
			pageOpts = append(append([]client.ListOption(nil), opts...), client.Limit(r.Limit), client.Continue(cont))
		}
		if err := c.List(ctx, ul, pageOpts...); err != nil {
			return nil, "", listError(t, r, err)
		}
		for i := range ul.Items {
			u := &ul.Items[i]
			if u.GetKind() == "" {
				u.SetGroupVersionKind(t.Kind)
			}
			out = append(out, u)
		}
		cont = ul.GetContinue()
		if r.Limit == 0 || cont == "" {
			return out, ul.GetResourceVersion(), nil
		}
	}
}

// listError words a list's BadRequest or NotFound as kubectl's resource
// builder does, still an API error: `Unable to find "/v1,
// Resource=configmaps" that match label selector "", field selector
// "data.x=y": <the server's message>`, or `Unable to list ...` without
// selectors.
func listError(t *registry.Type, r ListRequest, err error) error {
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsBadRequest(err) && !apierrors.IsNotFound(err) {
		return err
	}
	st := se.ErrStatus
	gvr := t.Kind.GroupVersion().WithResource(t.Resource)
	if r.LabelSelector == "" && r.FieldSelector == "" {
		st.Message = fmt.Sprintf("Unable to list %q: %v", gvr, st.Message)
	} else {
		st.Message = fmt.Sprintf("Unable to find %q that match label selector %q, field selector %q: %v", gvr, r.LabelSelector, r.FieldSelector, st.Message)
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// Get reads one object of type t.
func Get(ctx context.Context, c client.Client, t *registry.Type, namespace, name string) (*unstructured.Unstructured, error) {
	u := NewObject(t, namespace, name)
	if err := c.Get(ctx, client.ObjectKey{Namespace: u.GetNamespace(), Name: name}, u); err != nil {
		return nil, err
	}
	if u.GetKind() == "" {
		u.SetGroupVersionKind(t.Kind)
	}
	return u, nil
}
