package codec

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
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
