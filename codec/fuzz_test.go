package codec

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
)

// FuzzDecodeStream checks that no input makes DecodeStream panic, that
// every object it returns has a string apiVersion and kind, and that
// encoding an object and decoding the result gives the object back.
func FuzzDecodeStream(f *testing.F) {
	seeds := []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n",
		"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n---\n# c\n",
		"apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: x}\n- 3\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"A\",\"spec\":{\"n\":1.5,\"m\":[1,2]}} {\"apiVersion\":\"v1\"}",
		"apiVersion: v1\nkind: A\nmetadata:\n  labels:\n    a: 1\n  finalizers: [x, 2]\n",
		"metadata\n  name: b\n--- x\n- a\n",
		"{\"a\": ,}",
		"apiVersion: v1\nkind: A\nspec: &a {x: *a}\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: B}]}]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		objs, _ := DecodeStream(bytes.NewReader(data), "fuzz.yaml")
		for _, o := range objs {
			if av, ok := o.Object["apiVersion"].(string); !ok || av == "" {
				t.Fatalf("object without apiVersion: %v", o.Object)
			}
			if k, ok := o.Object["kind"].(string); !ok || k == "" {
				t.Fatalf("object without kind: %v", o.Object)
			}
			enc, err := EncodeJSON(o)
			if err != nil {
				// YAML allows what JSON cannot hold (NaN, infinities).
				continue
			}
			back, err := DecodeStream(bytes.NewReader(enc), "re-encoded.json")
			if err != nil || len(back) == 0 {
				t.Fatalf("decoding the encoding of %v: %d objects, %v\n%s", o.Object, len(back), err, enc)
			}
			// Lists flatten, so compare the first object only when the
			// encoded one is not a list.
			if _, isList := o.Object["items"]; isList && strings.HasSuffix(o.GetKind(), "List") {
				continue
			}
			a, _ := json.Marshal(o.Object)
			b, _ := json.Marshal(back[0].Object)
			if !bytes.Equal(a, b) {
				t.Fatalf("round trip changed the object:\n%s\n%s", a, b)
			}
		}
	})
}

// FuzzDecodeStrict checks that fields given twice never pass silently:
// when a document of the stream repeats a key in one mapping (found here
// by yaml.v2's strict decoding, or by a token scan of JSON), DecodeStream
// reports an error.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d1\n  name: d2\ndata:\n  a: \"1\"\n  a: \"2\"\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: 1, k: 2}\n",
		"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: B, metadata: {name: x, name: z}}\n",
		`{"apiVersion":"v1","kind":"A","metadata":{"name":"a","name":"b"}}`,
		`{"apiVersion":"v1","kind":"A","spec":{"l":[{"x":1,"x":2}]}} {"apiVersion":"v1","kind":"B"}`,
		"apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\nkind: C\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		objs, err := DecodeStream(bytes.NewReader(data), "fuzz.yaml")
		if err != nil || len(objs) == 0 {
			return
		}
		if isJSON(data) {
			if jsonHasDuplicate(data) {
				t.Fatalf("a JSON stream with a duplicate key decoded without an error:\n%s", data)
			}
			return
		}
		for _, c := range splitYAML(data) {
			var v any
			if uerr := yamlv2.UnmarshalStrict(c.data, &v); uerr != nil && strings.Contains(uerr.Error(), "already set in map") {
				t.Fatalf("a YAML document with a duplicate key decoded without an error:\n%s", c.data)
			}
		}
	})
}

// jsonHasDuplicate scans a JSON stream's tokens for a key repeated in one
// object, independently of the decoder under test.
func jsonHasDuplicate(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.isObject {
					top.wantKey = true
				}
				stack = append(stack, &frame{keys: map[string]bool{}, isObject: v == '{', wantKey: v == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
		default:
			if top != nil && top.isObject {
				if top.wantKey {
					k, _ := v.(string)
					if top.keys[k] {
						return true
					}
					top.keys[k] = true
					top.wantKey = false
				} else {
					top.wantKey = true
				}
			}
		}
	}
}

// FuzzDecodeTyped checks that typed decoding never changes a number: a
// value the Go field cannot hold is an error, and every number of the
// input that lands in a field of the type (not reported unknown) comes
// out equal.
func FuzzDecodeTyped(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: Event\nmetadata: {name: e}\ncount: 2147483648\n",
		"apiVersion: v1\nkind: Event\nmetadata: {name: e}\ncount: 4294967297\n",
		"apiVersion: v1\nkind: Event\nmetadata: {name: e}\ncount: 100000000000000000000\n",
		"apiVersion: v1\nkind: Event\nmetadata: {name: e, generation: 9007199254740993}\ncount: -2147483648\nseries: {count: 7}\n",
		"apiVersion: v1\nkind: Event\nmetadata: {name: e, deletionGracePeriodSeconds: 1e3}\ncount: 2.5\n",
		`{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"count":18446744073709551615}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		objs, _ := DecodeStream(bytes.NewReader(data), "fuzz.yaml")
		for _, o := range objs {
			var ev corev1.Event
			unknown, err := DecodeTyped(o.Object, &ev)
			if err != nil {
				continue
			}
			out, err := json.Marshal(&ev)
			if err != nil {
				t.Fatal(err)
			}
			var back map[string]any
			if err := kjson.UnmarshalCaseSensitivePreserveInts(out, &back); err != nil {
				t.Fatal(err)
			}
			checkNumbers(t, o.Object, back, "", unknown)
		}
	})
}

// checkNumbers walks in's numbers and requires out to hold each, equal,
// at the same path, unless the path is unknown to the type (or zero,
// which omitempty leaves out).
func checkNumbers(t *testing.T, in, out any, path string, unknown []string) {
	for _, u := range unknown {
		if path == u || strings.HasPrefix(path, u+".") || strings.HasPrefix(path, u+"[") {
			return
		}
	}
	switch v := in.(type) {
	case map[string]any:
		om, _ := out.(map[string]any)
		for k, x := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			var y any
			if om != nil {
				y = om[k]
			}
			checkNumbers(t, x, y, p, unknown)
		}
	case []any:
		ol, _ := out.([]any)
		for i, x := range v {
			var y any
			if i < len(ol) {
				y = ol[i]
			}
			checkNumbers(t, x, y, path+"["+strconv.Itoa(i)+"]", unknown)
		}
	case int64, float64:
		a := toBig(v)
		if out == nil {
			if a.Sign() != 0 {
				t.Fatalf("%s: %v decoded to nothing", path, v)
			}
			return
		}
		b := toBig(out)
		if b == nil || a.Cmp(b) != 0 {
			t.Fatalf("%s: %v decoded as %v", path, v, out)
		}
	}
}

func toBig(v any) *big.Float {
	switch n := v.(type) {
	case int64:
		return new(big.Float).SetInt64(n)
	case float64:
		return big.NewFloat(n)
	}
	return nil
}
