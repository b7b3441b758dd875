package sdk

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// The messages of an entry point are read and written here by hand, not
// by encoding/json: compiled to WebAssembly, its reflection made decoding
// a small AdmissionReview most of a hook's cost (150 µs of a no-op
// hook's 160). The wire format is still ABI version 1's JSON; anything
// the hand-written reader does not expect (escapes, odd UTF-8, a value of
// another type, invalid JSON) sends the whole message to encoding/json,
// so the result is always what encoding/json would give.

// scanner reads one JSON text. Its methods report false on anything
// unexpected; the caller then falls back to encoding/json.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// lit consumes c after optional whitespace.
func (s *scanner) lit(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string without escapes, of valid UTF-8.
func (s *scanner) str() (string, bool) {
	if !s.lit('"') {
		return "", false
	}
	start := s.i
	ascii := true
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			if !ascii && !utf8.Valid(v) {
				return "", false
			}
			return string(v), true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= 0x80:
			ascii = false
		}
	}
	return "", false
}

// object calls field for every key of an object; field reads the value.
func (s *scanner) object(field func(key string) bool) bool {
	if !s.lit('{') {
		return false
	}
	if s.lit('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.lit(':') || !field(key) {
			return false
		}
		if s.lit(',') {
			continue
		}
		return s.lit('}')
	}
}

// skip reads any value and returns its bytes; it only delimits it
// (other checks the bytes).
func (s *scanner) skip() ([]byte, bool) {
	s.ws()
	start := s.i
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 { // the end of the enclosing value
				return s.b[start:s.i], s.i > start
			}
			depth--
		case c == '"':
			if !s.skipString() {
				return nil, false
			}
			if depth == 0 {
				return s.b[start:s.i], true
			}
			continue
		case c == ',' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if depth == 0 {
				return s.b[start:s.i], s.i > start
			}
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			// numbers, true, false, null
		default:
			return nil, false
		}
		s.i++
		if depth == 0 && (c == '}' || c == ']') {
			return s.b[start:s.i], true
		}
	}
	return s.b[start:s.i], depth == 0 && s.i > start
}

// other reads the value of a key the message type does not have. A key
// that differs from one of names only in case is one for encoding/json,
// which matches keys that way: the caller falls back to it.
func (s *scanner) other(key string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return false
		}
	}
	v, ok := s.skip()
	return ok && json.Valid(v)
}

func (s *scanner) skipString() bool {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
		case '"':
			s.i++
			return true
		default:
			s.i++
		}
	}
	return false
}

func (s *scanner) boolean() (bool, bool) {
	v, ok := s.skip()
	switch {
	case ok && string(v) == "true":
		return true, true
	case ok && string(v) == "false":
		return false, true
	}
	return false, false
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

func (s *scanner) strInto(dst *string) bool {
	v, ok := s.str()
	*dst = v
	return ok
}

// raw reads a value as json.RawMessage does: a copy, since the buffer it
// lies in is reused by the next call.
func (s *scanner) raw(dst *json.RawMessage) bool {
	v, ok := s.skip()
	if !ok {
		return false
	}
	*dst = append(json.RawMessage(nil), v...)
	return true
}

func (s *scanner) gvk(g *abi.GroupVersionKind) bool {
	return s.object(func(key string) bool {
		switch key {
		case "group":
			return s.strInto(&g.Group)
		case "version":
			return s.strInto(&g.Version)
		case "kind":
			return s.strInto(&g.Kind)
		}
		return s.other(key, "group", "version", "kind")
	})
}

func (s *scanner) gvr(g *abi.GroupVersionResource) bool {
	return s.object(func(key string) bool {
		switch key {
		case "group":
			return s.strInto(&g.Group)
		case "version":
			return s.strInto(&g.Version)
		case "resource":
			return s.strInto(&g.Resource)
		}
		return s.other(key, "group", "version", "resource")
	})
}

func (s *scanner) request(r *abi.AdmissionRequest) bool {
	return s.object(func(key string) bool {
		switch key {
		case "uid":
			return s.strInto(&r.UID)
		case "kind":
			return s.gvk(&r.Kind)
		case "resource":
			return s.gvr(&r.Resource)
		case "name":
			return s.strInto(&r.Name)
		case "namespace":
			return s.strInto(&r.Namespace)
		case "operation":
			return s.strInto(&r.Operation)
		case "object":
			return s.raw(&r.Object)
		case "oldObject":
			return s.raw(&r.OldObject)
		case "dryRun":
			v, ok := s.boolean()
			r.DryRun = v
			return ok
		case "hook":
			return s.strInto(&r.Hook)
		}
		return s.other(key, "uid", "kind", "resource", "name", "namespace", "operation", "object", "oldObject", "dryRun", "hook")
	})
}

// decodeReview decodes an AdmissionReview as json.Unmarshal does.
func decodeReview(payload []byte) (*abi.AdmissionReview, error) {
	var review abi.AdmissionReview
	s := &scanner{b: payload}
	ok := s.object(func(key string) bool {
		switch key {
		case "apiVersion":
			return s.strInto(&review.APIVersion)
		case "kind":
			return s.strInto(&review.Kind)
		case "request":
			review.Request = &abi.AdmissionRequest{}
			return s.request(review.Request)
		case "response":
			return false // the host sends none: let encoding/json judge
		}
		return s.other(key, "apiVersion", "kind", "request", "response")
	}) && s.end()
	if ok && review.Request != nil && validRaw(review.Request.Object) && validRaw(review.Request.OldObject) {
		return &review, nil
	}
	review = abi.AdmissionReview{}
	err := json.Unmarshal(payload, &review)
	return &review, err
}

// validRaw checks a raw value the scanner only delimited.
func validRaw(v json.RawMessage) bool { return v == nil || json.Valid(v) }

// decodeReconcile decodes a ReconcileRequest as json.Unmarshal does.
func decodeReconcile(payload []byte, in *abi.ReconcileRequest) error {
	s := &scanner{b: payload}
	ok := s.object(func(key string) bool {
		switch key {
		case "apiVersion":
			return s.strInto(&in.APIVersion)
		case "kind":
			return s.strInto(&in.Kind)
		case "namespace":
			return s.strInto(&in.Namespace)
		case "name":
			return s.strInto(&in.Name)
		}
		return s.other(key, "apiVersion", "kind", "namespace", "name")
	}) && s.end()
	if ok {
		return nil
	}
	*in = abi.ReconcileRequest{}
	return json.Unmarshal(payload, in)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		q, _ := json.Marshal(s) // replaces invalid bytes, as json.Marshal of the message would
		return append(b, q...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// appendReview appends the AdmissionReview carrying resp, as json.Marshal
// would write it (without its HTML escaping).
func appendReview(b []byte, resp *abi.AdmissionResponse) []byte {
	b = append(b, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":`...)
	b = appendString(b, resp.UID)
	b = append(b, `,"allowed":`...)
	b = strconv.AppendBool(b, resp.Allowed)
	if r := resp.Result; r != nil {
		b = append(b, `,"status":{`...)
		sep := ""
		if r.Code != 0 {
			b = append(b, `"code":`...)
			b = strconv.AppendInt(b, int64(r.Code), 10)
			sep = ","
		}
		if r.Reason != "" {
			b = append(append(b, sep...), `"reason":`...)
			b = appendString(b, r.Reason)
			sep = ","
		}
		if r.Message != "" {
			b = append(append(b, sep...), `"message":`...)
			b = appendString(b, r.Message)
		}
		b = append(b, '}')
	}
	if len(resp.Patch) > 0 {
		b = append(b, `,"patch":"`...)
		b = base64.StdEncoding.AppendEncode(b, resp.Patch)
		b = append(b, '"')
	}
	if resp.PatchType != "" {
		b = append(b, `,"patchType":`...)
		b = appendString(b, resp.PatchType)
	}
	if len(resp.Warnings) > 0 {
		b = append(b, `,"warnings":[`...)
		for i, w := range resp.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, w)
		}
		b = append(b, ']')
	}
	return append(b, "}}"...)
}

// appendResult appends a ReconcileResult as json.Marshal would.
func appendResult(b []byte, r *abi.ReconcileResult) []byte {
	b = append(b, '{')
	sep := ""
	if r.Requeue {
		b = append(b, `"requeue":true`...)
		sep = ","
	}
	if r.RequeueAfterMS != 0 {
		b = append(append(b, sep...), `"requeueAfterMs":`...)
		b = strconv.AppendInt(b, r.RequeueAfterMS, 10)
		sep = ","
	}
	if r.Error != "" {
		b = append(append(b, sep...), `"error":`...)
		b = appendString(b, r.Error)
	}
	return append(b, '}')
}
