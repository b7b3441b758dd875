package cliruntime

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Secret values appear in no output k1s writes besides the object itself
// (get -o yaml|json, edit): not in describe (sizes only), not in errors,
// warnings or logs. The helpers here keep them out of messages that
// would otherwise quote an object.

var secretGK = schema.GroupKind{Kind: "Secret"}

// isSecret reports whether gk is the built-in Secret kind.
func isSecret(gk schema.GroupKind) bool { return gk == secretGK }

// errSecretUnreadable says a Secret cannot be decoded, naming it only.
func errSecretUnreadable(u *unstructured.Unstructured) error {
	return fmt.Errorf("secret %q in namespace %q cannot be read as a Secret (its content is not shown: it may hold secret values)", u.GetName(), u.GetNamespace())
}

// redactSecret returns a Secret's JSON fit for an error message: the
// values of data and stringData replaced by their sizes, in the object
// and in its last-applied configuration (which holds the stringData it
// was applied with), and anything that is not JSON replaced by its size.
func redactSecret(data []byte) string {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Sprintf("<%d bytes, not shown: not JSON, and it may hold secret values>", len(data))
	}
	redactSecretMap(m)
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "<5 bytes>" readable
	_ = enc.Encode(m)        // it came from JSON
	return strings.TrimSuffix(b.String(), "\n")
}

func redactSecretMap(m map[string]any) {
	for _, f := range []string{"data", "stringData"} {
		if values, ok := m[f].(map[string]any); ok {
			for k, v := range values {
				s, _ := v.(string)
				n := len(s)
				if b, err := base64.StdEncoding.DecodeString(s); err == nil && f == "data" {
					n = len(b)
				}
				values[k] = fmt.Sprintf("<%d bytes>", n)
			}
		} else if v, ok := m[f]; ok && v != nil {
			m[f] = "<not shown>"
		}
	}
	md, _ := m["metadata"].(map[string]any)
	annots, _ := md["annotations"].(map[string]any)
	if la, ok := annots[LastAppliedAnnotation].(string); ok {
		annots[LastAppliedAnnotation] = redactSecret([]byte(la))
	}
}
