package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/decode"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
	"github.com/k1s-dev/k1s/structural"
)

// Objects move between three forms: the caller's object (typed or
// unstructured), the work object the write path mutates, and the stored
// JSON. The work object is typed whenever the scheme knows the kind, so
// that built-in rules run on Go types and unknown fields of built-in kinds
// are dropped as the API server drops them; otherwise it is unstructured.
// Typed objects are encoded with encoding/json directly, never through
// unstructured, which keeps the hot path to one encode per write.

// isUnstructured reports whether obj is an *unstructured.Unstructured.
func isUnstructured(obj runtime.Object) bool {
	_, ok := obj.(*unstructured.Unstructured)
	return ok
}

// newWork returns a work object for kind gvk holding a copy of obj. An
// unstructured obj of a kind the scheme knows is decoded into its Go type
// as the API server decodes a request body (decode.Typed): a value
// that does not fit its field is the server's BadRequest naming the kind
// and the field, and fields the type does not have go to fc.
func (c *Client) newWork(obj client.Object, gvk schema.GroupVersionKind, fc *fieldCheck) (client.Object, error) {
	if isMetadataOnly(obj) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"%s %q: a metadata-only object (PartialObjectMetadata) can be read, listed, deleted and patched, not created or updated: it has no content to store",
			gvk.Kind, obj.GetName()))
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		w := obj.DeepCopyObject().(client.Object)
		w.GetObjectKind().SetGroupVersionKind(gvk)
		return w, nil
	}
	if c.scheme.Recognizes(gvk) {
		typed, err := c.scheme.New(gvk)
		if err != nil {
			return nil, err
		}
		unknown, err := decode.Typed(u.Object, typed)
		if err != nil && fc != nil && fc.patch {
			// A patched object that no longer fits its type: the API
			// server's patchers quote it.
			return nil, apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), fc.patchValue, err.Error())})
		}
		if err != nil {
			return nil, decodeError(gvk, err.Error())
		}
		fc.unknown(unknown...)
		typed.GetObjectKind().SetGroupVersionKind(gvk)
		return typed.(client.Object), nil
	}
	w := u.DeepCopy()
	w.SetGroupVersionKind(gvk)
	fc.unknown(pruneMetadata(w.Object)...)
	return w, nil
}

// objectMetaFields are the JSON names of metav1.ObjectMeta's fields.
var objectMetaFields = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(metav1.ObjectMeta{})
	for i := 0; i < t.NumField(); i++ {
		if name := jsonName(t.Field(i)); name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}()

// pruneMetadata drops what an unstructured object's metadata holds
// beyond ObjectMeta's fields — the API server decodes a custom
// resource's metadata into ObjectMeta, which has nowhere to keep them —
// and returns their paths ("metadata.colour"), sorted.
func pruneMetadata(obj map[string]any) []string {
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return nil
	}
	var unknown []string
	for k := range md {
		if !objectMetaFields[k] {
			unknown = append(unknown, "metadata."+k)
			delete(md, k)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// newEmpty returns an empty object of kind gvk in the work form.
func (c *Client) newEmpty(gvk schema.GroupVersionKind) (client.Object, error) {
	if c.scheme.Recognizes(gvk) {
		o, err := c.scheme.New(gvk)
		if err != nil {
			return nil, err
		}
		if co, ok := o.(client.Object); ok {
			return co, nil
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// encode returns the stored form of a work object: its JSON with
// apiVersion and kind, without resourceVersion.
// encodeFor is encode for a write of type t. The API server keeps a
// custom resource as the JSON it was sent, and a main-resource write of
// one with a status subresource keeps the old status: a new object has
// none. A Go type's empty status struct would still encode as
// "status":{}, which such a server never stores; it is left out.
func encodeFor(w client.Object, t *registry.Type, gvk schema.GroupVersionKind) ([]byte, error) {
	data, err := encode(w, gvk)
	if _, unstr := w.(*unstructured.Unstructured); err != nil || unstr || !t.StatusSubresource || !t.IsCustomResource() ||
		!bytes.Contains(data, []byte(`"status":{}`)) {
		return data, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return data, nil
	}
	if s, ok := m["status"].(map[string]any); !ok || len(s) > 0 {
		return data, nil
	}
	delete(m, "status")
	return json.Marshal(m)
}

func encode(w client.Object, gvk schema.GroupVersionKind) ([]byte, error) {
	rv := w.GetResourceVersion()
	if rv != "" {
		w.SetResourceVersion("")
		defer w.SetResourceVersion(rv)
	}
	var (
		data []byte
		err  error
	)
	if u, ok := w.(*unstructured.Unstructured); ok {
		u.SetGroupVersionKind(gvk)
		data, err = json.Marshal(u.Object)
	} else {
		w.GetObjectKind().SetGroupVersionKind(gvk)
		data, err = json.Marshal(w)
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("encoding %s %q: %v", gvk.Kind, w.GetName(), err))
	}
	if len(data) > storage.MaxValueSize {
		// Refused here, before the store sees it, in words that name the
		// object: etcd's own answer, through the API server, is only
		// "Request entity too large: etcdserver: request is too large".
		where := ""
		if ns := w.GetNamespace(); ns != "" {
			where = fmt.Sprintf(" in namespace %q", ns)
		}
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
			"the %s %q%s is %d bytes encoded, over the limit of %d bytes for an object", gvk.Kind, w.GetName(), where, len(data), storage.MaxValueSize))
	}
	return data, nil
}

// decodeInto fills obj (typed or unstructured) with stored bytes read at
// revision rev, as kind gvk. Typed objects come back without apiVersion and
// kind, as controller-runtime's clients return them; unstructured ones
// carry them.
func decodeInto(data []byte, rev int64, gvk schema.GroupVersionKind, obj runtime.Object) error {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		m := map[string]any{}
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, &m); err != nil {
			return apierrors.NewInternalError(fmt.Errorf("decoding stored %s: %w", gvk.Kind, err))
		}
		u.Object = m
		u.SetGroupVersionKind(gvk)
		u.SetResourceVersion(rvString(rev))
		return nil
	}
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot decode %s into %T: need a non-nil pointer", gvk.Kind, obj))
	}
	v.Elem().Set(reflect.Zero(v.Elem().Type()))
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, obj); err != nil {
		return apierrors.NewInternalError(fmt.Errorf("decoding stored %s into %T: %w", gvk.Kind, obj, err))
	}
	if isMetadataOnly(obj) {
		// Like unstructured objects, metadata-only ones keep their kind,
		// as controller-runtime's clients return them.
		obj.GetObjectKind().SetGroupVersionKind(gvk)
	} else {
		obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	}
	if mo, ok := obj.(interface{ SetResourceVersion(string) }); ok {
		mo.SetResourceVersion(rvString(rev))
	}
	return nil
}

// decodeWork decodes stored bytes into a fresh work object of kind gvk,
// with apiVersion and kind set.
func (c *Client) decodeWork(data []byte, rev int64, gvk schema.GroupVersionKind) (client.Object, error) {
	w, err := c.newEmpty(gvk)
	if err != nil {
		return nil, err
	}
	if err := decodeInto(data, rev, gvk, w); err != nil {
		return nil, err
	}
	w.GetObjectKind().SetGroupVersionKind(gvk)
	return w, nil
}

// output fills the caller's obj with the written work object w, stored as
// data at revision rev.
func output(obj, w client.Object, data []byte, rev int64, gvk schema.GroupVersionKind) error {
	if isUnstructured(obj) || isUnstructured(w) {
		// Reading the stored bytes back gives exactly what a later Get
		// returns, in the caller's form.
		return decodeInto(data, rev, gvk, obj)
	}
	ov, wv := reflect.ValueOf(obj), reflect.ValueOf(w)
	if ov.Type() != wv.Type() {
		return decodeInto(data, rev, gvk, obj)
	}
	ov.Elem().Set(wv.Elem())
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	obj.SetResourceVersion(rvString(rev))
	return nil
}

// toMap returns the unstructured content of a work object, and a function
// that writes a changed content back into it.
func toMap(w client.Object) (map[string]any, func(map[string]any) error, error) {
	if u, ok := w.(*unstructured.Unstructured); ok {
		return u.Object, func(m map[string]any) error { u.Object = m; return nil }, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(w)
	if err != nil {
		return nil, nil, err
	}
	gvk := w.GetObjectKind().GroupVersionKind()
	return m, func(m map[string]any) error {
		v := reflect.ValueOf(w)
		v.Elem().Set(reflect.Zero(v.Elem().Type()))
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, w); err != nil {
			return err
		}
		w.GetObjectKind().SetGroupVersionKind(gvk)
		return nil
	}, nil
}

// structLayout says which fields of a Go object type are its spec (all but
// TypeMeta, ObjectMeta and Status) and which is its status.
type structLayout struct {
	spec   []int
	status int // -1 when the type has no status field
}

func (c *Client) layoutOf(t reflect.Type) *structLayout {
	if l, ok := c.layouts.Load(t); ok {
		return l.(*structLayout)
	}
	l := &structLayout{status: -1}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		switch {
		case f.Anonymous && name == "":
			// Inline TypeMeta.
		case name == "metadata":
		case name == "status":
			l.status = i
		case name == "-" || !f.IsExported():
		default:
			l.spec = append(l.spec, i)
		}
	}
	c.layouts.Store(t, l)
	return l
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}

// specEqual reports whether a and b (work objects of one kind) differ
// only in metadata and, when statusSeparate, status: the rule for bumping
// metadata.generation.
func (c *Client) specEqual(a, b client.Object, statusSeparate bool) bool {
	ua, aok := a.(*unstructured.Unstructured)
	ub, bok := b.(*unstructured.Unstructured)
	if aok && bok {
		for k, va := range ua.Object {
			if ignoredTopLevel(k, statusSeparate) {
				continue
			}
			vb, ok := ub.Object[k]
			if !ok || !structural.Equal(va, vb) {
				return false
			}
		}
		for k := range ub.Object {
			if _, ok := ua.Object[k]; !ok && !ignoredTopLevel(k, statusSeparate) {
				return false
			}
		}
		return true
	}
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	l := c.layoutOf(va.Type())
	for _, i := range l.spec {
		if !apiequality.Semantic.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	if !statusSeparate && l.status >= 0 {
		return apiequality.Semantic.DeepEqual(va.Field(l.status).Interface(), vb.Field(l.status).Interface())
	}
	return true
}

func ignoredTopLevel(k string, statusSeparate bool) bool {
	return k == "metadata" || k == "apiVersion" || k == "kind" || (statusSeparate && k == "status")
}

// copyStatus sets dst's status to src's (both work objects of one kind).
func (c *Client) copyStatus(dst, src client.Object) {
	if ud, ok := dst.(*unstructured.Unstructured); ok {
		us := src.(*unstructured.Unstructured)
		if s, ok := us.Object["status"]; ok {
			ud.Object["status"] = runtime.DeepCopyJSONValue(s)
		} else {
			delete(ud.Object, "status")
		}
		return
	}
	vd, vs := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	if l := c.layoutOf(vd.Type()); l.status >= 0 {
		vd.Field(l.status).Set(vs.Field(l.status))
	}
}

// clearStatus resets a work object's status, as the API server does on
// create for kinds with a status subresource.
func (c *Client) clearStatus(w client.Object) {
	if u, ok := w.(*unstructured.Unstructured); ok {
		delete(u.Object, "status")
		return
	}
	v := reflect.ValueOf(w).Elem()
	if l := c.layoutOf(v.Type()); l.status >= 0 {
		f := v.Field(l.status)
		f.Set(reflect.Zero(f.Type()))
	}
}
