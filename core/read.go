package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Get implements client.Client.
func (c *Client) Get(ctx context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	k, err := c.objectKey(t, key.Namespace, key.Name)
	if err != nil {
		return err
	}
	kv, err := c.store.Get(ctx, k)
	if apierrors.IsNotFound(err) && c.isDefaultNamespaceKey(k) {
		// Not stored yet: the tenant has had no write (see
		// ensureDefaultNamespace).
		kv, err = storage.KeyValue{Key: k, Value: c.defaultNamespace()}, nil
	}
	if err != nil {
		return err
	}
	return decodeInto(kv.Value, kv.Revision, gvk, obj)
}

// filter holds the label and field selectors of a List, Watch or
// DeleteAllOf.
type filter struct {
	labels labels.Selector
	fields fields.Selector
	// paths maps the selectable fields a selector uses, other than
	// metadata.name and metadata.namespace, to JSON paths in the object.
	paths map[string]string
	// needles prefilter stored bytes before decoding: an object matches
	// the label selector only if, for each group, its JSON contains one of
	// the group's byte strings.
	needles [][][]byte
}

// labelNeedles derives byte-level necessary conditions from a label
// selector. Objects are stored as compact JSON by encoding/json, so a
// label key=value appears in them exactly as the JSON "key":"value"
// (labels' characters need no escaping beyond what json.Marshal of the
// same strings gives). Requirements that cannot be checked this way
// (!=, notin, !key) give no needles; the full match after decoding
// always decides.
func labelNeedles(sel labels.Selector) [][][]byte {
	reqs, ok := sel.Requirements()
	if !ok {
		return nil
	}
	var out [][][]byte
	for _, r := range reqs {
		key, _ := json.Marshal(r.Key())
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			var group [][]byte
			for _, v := range r.Values().UnsortedList() {
				val, _ := json.Marshal(v)
				group = append(group, append(append(append([]byte{}, key...), ':'), val...))
			}
			out = append(out, group)
		case selection.Exists:
			out = append(out, [][]byte{append(append([]byte{}, key...), ':')})
		}
	}
	return out
}

// mayMatch reports whether raw can match the label selector; false is
// certain, true needs the full match.
func (f *filter) mayMatch(raw []byte) bool {
	for _, group := range f.needles {
		found := false
		for _, n := range group {
			if bytes.Contains(raw, n) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// newFilter checks the selectors of o against type t: a field the type
// does not declare is a BadRequest, as on the API server.
func newFilter(gvk schema.GroupVersionKind, t *registry.Type, o *client.ListOptions) (*filter, error) {
	f := &filter{}
	if o.LabelSelector != nil && !o.LabelSelector.Empty() {
		f.labels = o.LabelSelector
		f.needles = labelNeedles(o.LabelSelector)
	}
	if o.FieldSelector == nil || o.FieldSelector.Empty() {
		return f, nil
	}
	f.fields = o.FieldSelector
	for _, r := range o.FieldSelector.Requirements() {
		switch r.Field {
		case "metadata.name", "metadata.namespace":
			continue
		}
		if !selectable(t, r.Field) {
			return nil, apierrors.NewBadRequest(unsupportedField(t, r.Field))
		}
		if f.paths == nil {
			f.paths = map[string]string{}
		}
		f.paths[r.Field] = coretypes.SelectorPath(gvk, r.Field)
	}
	return f, nil
}

func selectable(t *registry.Type, fieldName string) bool {
	for _, p := range t.SelectableFields {
		if strings.TrimPrefix(p, ".") == fieldName {
			return true
		}
	}
	return false
}

// unsupportedField is the API server's refusal of a field selector, in
// the words of the conversion that refuses it: a kind with field label
// conversions of its own (custom resources, kinds with selectable
// fields) says "field label not supported", the others get the scheme's
// default conversion's answer.
func unsupportedField(t *registry.Type, field string) string {
	if t.IsCustomResource() || len(t.SelectableFields) > 0 {
		return "field label not supported: " + field
	}
	return fmt.Sprintf("%q is not a known field selector: only %q, %q", field, "metadata.name", "metadata.namespace")
}

// all reports whether the filter keeps every object.
func (f *filter) all() bool { return f.labels == nil && f.fields == nil }

// matches reports whether obj (decoded from raw) passes the selectors.
func (f *filter) matches(obj metav1.Object, raw []byte) bool {
	if f.labels != nil && !f.labels.Matches(labels.Set(obj.GetLabels())) {
		return false
	}
	if f.fields == nil {
		return true
	}
	set := fields.Set{"metadata.name": obj.GetName(), "metadata.namespace": obj.GetNamespace()}
	if len(f.paths) > 0 {
		var content map[string]any
		if u, ok := obj.(*unstructured.Unstructured); ok {
			content = u.Object
		} else if err := jsonUnmarshal(raw, &content); err != nil {
			return false
		}
		for key, path := range f.paths {
			set[key] = fieldValue(content, path)
		}
	}
	return f.fields.Matches(set)
}

// fieldValue returns the value at a ".a.b" path as a field selector sees
// it: strings as they are, other scalars formatted, missing as "".
func fieldValue(content map[string]any, path string) string {
	v, found, err := unstructured.NestedFieldNoCopy(content, strings.Split(strings.TrimPrefix(path, "."), ".")...)
	if err != nil || !found || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		return fmt.Sprint(x)
	}
}

// listSink collects decoded items into a typed or unstructured list.
type listSink struct {
	gvk   schema.GroupVersionKind
	ulist *unstructured.UnstructuredList
	items reflect.Value // the typed list's Items slice
	n     int
}

func newListSink(list client.ObjectList, gvk schema.GroupVersionKind) (*listSink, error) {
	s := &listSink{gvk: gvk}
	if ul, ok := list.(*unstructured.UnstructuredList); ok {
		s.ulist = ul
		ul.Items = nil
		return s, nil
	}
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot list into %T: need a pointer to a list struct", list))
	}
	items := v.Elem().FieldByName("Items")
	if !items.IsValid() || items.Kind() != reflect.Slice || items.Type().Elem().Kind() != reflect.Struct {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot list into %T: it has no Items slice of objects", list))
	}
	s.items = items
	items.Set(reflect.MakeSlice(items.Type(), 0, 0))
	return s, nil
}

// grow makes room for n more items.
func (s *listSink) grow(n int) {
	if s.ulist != nil {
		s.ulist.Items = append(make([]unstructured.Unstructured, 0, len(s.ulist.Items)+n), s.ulist.Items...)
		return
	}
	if s.items.Cap()-s.items.Len() < n {
		bigger := reflect.MakeSlice(s.items.Type(), s.items.Len(), s.items.Len()+n)
		reflect.Copy(bigger, s.items)
		s.items.Set(bigger)
	}
}

// add decodes kv as the next item and keeps it if f matches it.
func (s *listSink) add(kv storage.KeyValue, f *filter) error {
	if !f.mayMatch(kv.Value) {
		// Most objects a selective list reads fail here, undecoded.
		return nil
	}
	var obj metav1.Object
	if s.ulist != nil {
		s.ulist.Items = append(s.ulist.Items, unstructured.Unstructured{})
		u := &s.ulist.Items[len(s.ulist.Items)-1]
		if err := decodeInto(kv.Value, kv.Revision, s.gvk, u); err != nil {
			return err
		}
		obj = u
		if !f.all() && !f.matches(obj, kv.Value) {
			s.ulist.Items = s.ulist.Items[:len(s.ulist.Items)-1]
			return nil
		}
		s.n++
		return nil
	}
	s.items.SetLen(s.items.Len() + 1)
	elem := s.items.Index(s.items.Len() - 1).Addr().Interface()
	o, ok := elem.(client.Object)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("list items of type %T are not objects", elem))
	}
	if err := decodeInto(kv.Value, kv.Revision, s.gvk, o); err != nil {
		return err
	}
	if !f.all() && !f.matches(o, kv.Value) {
		s.items.Index(s.items.Len() - 1).Set(reflect.Zero(s.items.Type().Elem()))
		s.items.SetLen(s.items.Len() - 1)
		return nil
	}
	s.n++
	return nil
}

// List implements client.Client.
func (c *Client) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	o := (&client.ListOptions{}).ApplyOptions(opts)
	gvk, t, err := c.resolveList(list)
	if err != nil {
		return err
	}
	f, err := newFilter(gvk, t, o)
	if err != nil {
		return err
	}
	sink, err := newListSink(list, gvk)
	if err != nil {
		return err
	}
	res, err := c.listInto(ctx, t, o, f, sink)
	if err != nil {
		return err
	}
	list.SetResourceVersion(strconv.FormatInt(res.Revision, 10))
	list.SetContinue(res.Continue)
	if f.all() {
		list.SetRemainingItemCount(res.RemainingItemCount)
	} else {
		list.SetRemainingItemCount(nil)
	}
	if ul, ok := list.(*unstructured.UnstructuredList); ok {
		ul.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	} else if isMetadataOnly(list) {
		list.GetObjectKind().SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	} else {
		list.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	return nil
}

// listInto reads the objects of type t that o and f select into sink. With
// a selector and a limit, pages are read until the limit is filled or the
// objects run out, each page whole, so that the continue token returned
// resumes exactly after the last object examined.
func (c *Client) listInto(ctx context.Context, t *registry.Type, o *client.ListOptions, f *filter, sink *listSink) (storage.ListResult, error) {
	ns := o.Namespace
	if !t.Namespaced {
		ns = ""
	}
	if msgs := storage.PathSegmentProblems(ns); len(msgs) > 0 {
		return storage.ListResult{}, fmt.Errorf("invalid namespace %q: %v", ns, msgs)
	}
	prefix := storage.Prefix(c.tenant, t.GroupResource(), ns)
	lo := storage.ListOptions{Limit: o.Limit, Continue: o.Continue}
	if o.Continue == "" && o.ResourceVersion != "" && o.ResourceVersion != "0" {
		rev, err := parseRV(o.ResourceVersion)
		if err != nil {
			return storage.ListResult{}, err
		}
		lo.Revision = rev
	}
	var first storage.ListResult
	for page := 0; ; page++ {
		res, err := c.store.List(ctx, prefix, lo)
		if err != nil {
			return storage.ListResult{}, err
		}
		if page == 0 {
			first = res
			if len(res.Items) == 0 && o.Continue == "" && c.isNamespace(t) {
				// A tenant without a stored Namespace has had no write; its
				// default Namespace exists all the same (see
				// ensureDefaultNamespace).
				res.Items = []storage.KeyValue{{Key: c.key(t, "", metav1NamespaceDefault), Value: c.defaultNamespace()}}
			}
		}
		sink.grow(len(res.Items))
		for _, kv := range res.Items {
			if err := sink.add(kv, f); err != nil {
				return storage.ListResult{}, err
			}
		}
		first.Continue = res.Continue
		first.RemainingItemCount = res.RemainingItemCount
		if f.all() || o.Limit == 0 || res.Continue == "" || int64(sink.n) >= o.Limit {
			return first, nil
		}
		lo = storage.ListOptions{Limit: o.Limit - int64(sink.n), Continue: res.Continue}
	}
}
