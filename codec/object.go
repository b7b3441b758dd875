package codec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// locator returns the source line of a field path within the current
// document, or the document's first line when it cannot tell.
type locator func(path []string) int

func jsonLocator(line int) locator { return func([]string) int { return line } }

// yamlLocator finds a field by walking block-style YAML keys by
// indentation. It is only used to point at a line in an error message, so
// a heuristic is enough: flow style or odd quoting falls back to the
// document's first line.
func yamlLocator(c yamlChunk) locator {
	return func(path []string) int {
		lines := strings.Split(string(c.data), "\n")
		// from is the first line to search, indent the indentation of the
		// parent key, found the line of the last segment found.
		from, indent, found := 0, -1, -1
		for _, seg := range path {
			var hit, hitIndent int
			if strings.HasPrefix(seg, "[") {
				n, _ := strconv.Atoi(seg[1 : len(seg)-1])
				hit, hitIndent = findItem(lines, from, indent, n)
			} else {
				hit, hitIndent = findKey(lines, from, indent, seg)
			}
			if hit < 0 {
				break
			}
			found, indent = hit, hitIndent
			// A list item's first key sits on the item's own line.
			from = hit + 1
			if strings.HasPrefix(seg, "[") {
				from = hit
			}
		}
		if found < 0 {
			return c.line
		}
		return c.line + found
	}
}

// lineIndent returns a line's indentation and its content after the
// indentation and any "- " list marker; content is "" for blank and
// comment lines.
func lineIndent(l string) (int, string, bool) {
	trimmed := strings.TrimLeft(l, " ")
	ind := len(l) - len(trimmed)
	trimmed = strings.TrimRight(trimmed, "\r")
	item := trimmed == "-" || strings.HasPrefix(trimmed, "- ")
	if item {
		trimmed = strings.TrimLeft(strings.TrimPrefix(trimmed, "-"), " ")
	}
	if strings.HasPrefix(trimmed, "#") {
		trimmed = ""
	}
	return ind, trimmed, item
}

// findKey finds key among the children of a key indented by parent,
// starting at line from.
func findKey(lines []string, from, parent int, key string) (int, int) {
	for i := from; i < len(lines); i++ {
		ind, content, item := lineIndent(lines[i])
		if content == "" && !item {
			continue
		}
		if ind <= parent && (i != from || !item) {
			return -1, 0
		}
		for _, k := range []string{key, strconv.Quote(key), "'" + key + "'"} {
			if strings.HasPrefix(content, k+":") {
				return i, ind
			}
		}
	}
	return -1, 0
}

// findItem finds the n-th item of the block sequence below a key indented
// by parent.
func findItem(lines []string, from, parent, n int) (int, int) {
	seq := -1
	for i := from; i < len(lines); i++ {
		ind, content, item := lineIndent(lines[i])
		if content == "" && !item {
			continue
		}
		if seq < 0 {
			if !item || ind < parent {
				return -1, 0
			}
			seq = ind
		}
		if ind < seq || ind == seq && !item {
			return -1, 0
		}
		if ind == seq && item {
			if n == 0 {
				return i, ind
			}
			n--
		}
	}
	return -1, 0
}

// addDocument checks a decoded document and adds its objects, flattening
// lists. dups are the document's duplicated fields (at dupLines of the
// source when known): when nothing else is wrong with it, they are one
// strict DecodeError, and its objects are added all the same.
func (d *decoder) addDocument(doc int, v any, loc locator, dups []string, dupLines []int) {
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
	line := loc(nil)
	if len(dupLines) > 0 {
		line = dupLines[0]
	}
	d.errs = append(d.errs, &DecodeError{Source: d.source, Document: doc, Line: line, Message: strictMessage(dups), Strict: dups})
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
		d.fail(doc, loc(full), joinPath(full), msg)
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

// checkObject returns the first field that unstructured accessors would
// misread, and what is wrong with it: such objects are refused here rather
// than silently losing, say, a numeric label.
func checkObject(obj map[string]any) (field []string, msg string) {
	for _, f := range []string{"apiVersion", "kind"} {
		v, ok := obj[f]
		if !ok || v == nil || v == "" {
			return []string{f}, "is required"
		}
		if _, ok := v.(string); !ok {
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
	for _, f := range []string{"name", "generateName", "namespace", "uid", "resourceVersion", "selfLink"} {
		if v, ok := meta[f]; ok && v != nil {
			if _, ok := v.(string); !ok {
				return []string{"metadata", f}, mustBe("a string", v)
			}
		}
	}
	for _, f := range []string{"creationTimestamp", "deletionTimestamp"} {
		if v, ok := meta[f]; ok && v != nil {
			if _, ok := v.(string); !ok {
				return []string{"metadata", f}, mustBe("a timestamp string", v)
			}
		}
	}
	for _, f := range []string{"generation", "deletionGracePeriodSeconds"} {
		if v, ok := meta[f]; ok && v != nil {
			if _, ok := v.(int64); !ok {
				return []string{"metadata", f}, mustBe("an integer", v)
			}
		}
	}
	for _, f := range []string{"labels", "annotations"} {
		v, ok := meta[f]
		if !ok || v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return []string{"metadata", f}, mustBe("an object of strings", v)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := m[k].(string); !ok {
				return []string{"metadata", f, k}, mustBe("a string (quote it)", m[k])
			}
		}
	}
	if v, ok := meta["finalizers"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return []string{"metadata", "finalizers"}, mustBe("a list of strings", v)
		}
		for i, f := range list {
			if _, ok := f.(string); !ok {
				return []string{"metadata", "finalizers", "[" + strconv.Itoa(i) + "]"}, mustBe("a string", f)
			}
		}
	}
	if v, ok := meta["ownerReferences"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return []string{"metadata", "ownerReferences"}, mustBe("a list of objects", v)
		}
		for i, r := range list {
			if _, ok := r.(map[string]any); !ok {
				return []string{"metadata", "ownerReferences", "[" + strconv.Itoa(i) + "]"}, mustBe("an object", r)
			}
		}
	}
	return nil, ""
}

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
