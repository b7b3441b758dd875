package decode

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// locator returns the source line of a field path within the current
// document, or the document's first line when it cannot tell.
type locator func(path []string) int

func jsonLocator(line int) locator { return func([]string) int { return line } }

// addDocument checks a decoded document and adds its objects, flattening
// lists. dups are the document's fields given twice: when nothing else
// is wrong with it, they are one strict Error, at the line of the first,
// and its objects are added all the same.
func (d *decoder) addDocument(doc int, v any, loc locator, dups []duplicate) {
	obj, ok := v.(map[string]any)
	if !ok {
		d.fail(doc, loc(nil), "", fmt.Sprintf("expected an object with apiVersion and kind, found %s", describe(v)))
		return
	}
	before := len(d.errs)
	d.addObject(doc, obj, nil, loc, "", "")
	if len(dups) == 0 || len(d.errs) > before {
		return
	}
	line := dups[0].line
	if line == 0 {
		line = loc(nil)
	}
	problems := make([]string, len(dups))
	for i, dup := range dups {
		problems[i] = dup.msg
	}
	d.errs = append(d.errs, &Error{Source: d.source, Document: doc, Line: line, Message: strictMessage(problems), Strict: problems})
}

// addObject adds obj (at path within its document), or its items when it
// is a list. listVersion and listKind are those of the enclosing typed
// list, whose items may leave their own out.
func (d *decoder) addObject(doc int, obj map[string]any, path []string, loc locator, listVersion, listKind string) {
	if listKind != "" {
		if _, ok := obj["apiVersion"]; !ok {
			if _, ok := obj["kind"]; !ok {
				// A typed list as the API server returns it (a ConfigMapList)
				// leaves apiVersion and kind out of its items; client-go
				// infers them the same way.
				obj["apiVersion"] = listVersion
				obj["kind"] = strings.TrimSuffix(listKind, "List")
			}
		}
	}
	if field, msg := checkObject(obj); msg != "" {
		full := append(append([]string(nil), path...), field...)
		e := &Error{Source: d.source, Document: doc, Line: loc(full), Field: joinPath(full), Message: msg}
		if len(path) == 0 && len(field) > 1 && field[0] == "metadata" {
			e.GoJSON = objectMetaJSONError(obj["metadata"])
		}
		if len(path) == 0 && len(field) == 1 {
			e.Validation = typeMetaValidation(field[0], obj[field[0]])
		}
		d.errs = append(d.errs, e)
		return
	}
	kind := obj["kind"].(string)
	items, isList := obj["items"].([]any)
	if kind == "List" && !isList {
		// A List is only a wrapper: without items it holds nothing.
		if v := obj["items"]; v != nil {
			itemsPath := append(append([]string(nil), path...), "items")
			d.fail(doc, loc(itemsPath), joinPath(itemsPath), mustBe("a list", v))
		}
		return
	}
	if !isList || !strings.HasSuffix(kind, "List") {
		d.objects = append(d.objects, &unstructured.Unstructured{Object: obj})
		return
	}
	itemKind := ""
	if kind != "List" {
		itemKind = kind
	}
	for i, item := range items {
		itemPath := append(append([]string(nil), path...), "items", "["+strconv.Itoa(i)+"]")
		m, ok := item.(map[string]any)
		if !ok {
			d.fail(doc, loc(itemPath), joinPath(itemPath), fmt.Sprintf("expected an object with apiVersion and kind, found %s", describe(item)))
			continue
		}
		d.addObject(doc, m, itemPath, loc, obj["apiVersion"].(string), itemKind)
	}
}

// typeMetaValidation is kubectl's client-side validation's word for a
// missing or non-string apiVersion or kind (its getObjectKind), "" for
// what it lets through (an empty string).
func typeMetaValidation(field string, v any) string {
	switch {
	case v == nil:
		return field + " not set"
	case !isString(v):
		return field + " isn't string type"
	}
	return ""
}

// checkObject returns the first field that unstructured accessors would
// misread, and what is wrong with it: such objects are refused here rather
// than silently losing, say, a numeric label.
func checkObject(obj map[string]any) (field []string, msg string) {
	for _, f := range []string{"apiVersion", "kind"} {
		v, ok := obj[f]
		if !ok || v == nil || v == "" {
			return []string{f}, "is required"
		}
		if !isString(v) {
			return []string{f}, mustBe("a string", v)
		}
	}
	mv, ok := obj["metadata"]
	if !ok || mv == nil {
		return nil, ""
	}
	meta, ok := mv.(map[string]any)
	if !ok {
		return []string{"metadata"}, mustBe("an object", mv)
	}
	for _, r := range metadataRules {
		for _, f := range r.fields {
			if v, ok := meta[f]; ok && v != nil {
				if seg, msg := r.check(v); msg != "" {
					return append([]string{"metadata", f}, seg...), msg
				}
			}
		}
	}
	return nil, ""
}

// objectMetaJSONError is encoding/json's error for metadata, which holds
// a field of the wrong type, decoded into an object's ObjectMeta: what
// kubectl reports when it decodes such a document into its Go type
// ("json: cannot unmarshal bool into Go struct field
// ObjectMeta.metadata.name of type string"); "" if json takes it.
func objectMetaJSONError(meta any) string {
	data, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return ""
	}
	var into struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(data, &into); err != nil {
		return err.Error()
	}
	return ""
}

// metadataRule is what metadata fields must hold for unstructured's
// accessors to read them: a value that is want, and whose items (the
// values of a map, the items of a list), when item is set, are itemWant.
type metadataRule struct {
	fields   []string
	want     string
	ok       func(any) bool
	itemWant string
	item     func(any) bool
}

// metadataRules are checked in order, each field in order.
var metadataRules = []metadataRule{
	{fields: []string{"name", "generateName", "namespace", "uid", "resourceVersion", "selfLink"}, want: "a string", ok: isString},
	{fields: []string{"creationTimestamp", "deletionTimestamp"}, want: "a timestamp string", ok: isString},
	{fields: []string{"generation", "deletionGracePeriodSeconds"}, want: "an integer", ok: isInt64},
	{fields: []string{"labels", "annotations"}, want: "an object of strings", ok: isObject, itemWant: "a string (quote it)", item: isString},
	{fields: []string{"finalizers"}, want: "a list of strings", ok: isList, itemWant: "a string", item: isString},
	{fields: []string{"ownerReferences"}, want: "a list of objects", ok: isList, itemWant: "an object", item: isObject},
}

// check returns what is wrong with v, and the path below the field of the
// item at fault (map keys in sorted order, list items as "[n]").
func (r metadataRule) check(v any) ([]string, string) {
	if !r.ok(v) {
		return nil, mustBe(r.want, v)
	}
	if r.item == nil {
		return nil, ""
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if !r.item(v[k]) {
				return []string{k}, mustBe(r.itemWant, v[k])
			}
		}
	case []any:
		for i, item := range v {
			if !r.item(item) {
				return []string{"[" + strconv.Itoa(i) + "]"}, mustBe(r.itemWant, item)
			}
		}
	}
	return nil, ""
}

func isString(v any) bool { _, ok := v.(string); return ok }
func isInt64(v any) bool  { _, ok := v.(int64); return ok }
func isObject(v any) bool { _, ok := v.(map[string]any); return ok }
func isList(v any) bool   { _, ok := v.([]any); return ok }

func mustBe(want string, got any) string {
	return "must be " + want + ", not " + describe(got)
}

// describe names a decoded value's JSON type, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("a string (%q)", v)
	case bool:
		return fmt.Sprintf("a boolean (%v)", v)
	case int64:
		return fmt.Sprintf("an integer (%d)", v)
	case float64:
		return fmt.Sprintf("a number (%v)", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// joinPath renders path segments as kubectl field paths: dots between
// keys, list indexes and keys containing dots or slashes in brackets
// ("metadata.labels[app.kubernetes.io/name]").
func joinPath(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		switch {
		case strings.HasPrefix(seg, "["):
			b.WriteString(seg)
		case strings.ContainsAny(seg, "./"):
			b.WriteString("[" + seg + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		}
	}
	return b.String()
}
