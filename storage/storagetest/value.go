package storagetest

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
)

// ValueSize is the length in bytes of every value Value returns.
const ValueSize = 1024

// BenchTenant is the tenant of every key Key returns.
const BenchTenant = "bench"

// BenchResource is the resource of every key Key returns.
var BenchResource = schema.GroupResource{Resource: "configmaps"}

// BenchPrefix is the prefix holding every key Key returns.
var BenchPrefix = storage.Prefix(BenchTenant, BenchResource, "default")

// Key returns the storage key of the i-th benchmark object. Names are zero
// padded so that key order is numeric order.
func Key(i int) string {
	return storage.Key(BenchTenant, BenchResource, "default", name(i))
}

func name(i int) string { return fmt.Sprintf("cm-%07d", i) }

// The JSON layout below follows what the typed client encodes for a
// ConfigMap, so that benchmarks move bytes shaped like real objects.
type objectMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid"`
	ResourceVersion   string            `json:"resourceVersion"`
	Generation        int64             `json:"generation"`
	CreationTimestamp string            `json:"creationTimestamp"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
}

type configMap struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   objectMeta        `json:"metadata"`
	Data       map[string]string `json:"data"`
}

// Value returns the i-th benchmark value: a ConfigMap encoded as JSON,
// exactly ValueSize bytes long (for 0 <= i < 10,000,000) and the same for a
// given i on every run and every backend.
func Value(i int) []byte {
	cm := configMap{
		APIVersion: "v1",
		Kind:       "ConfigMap",
		Metadata: objectMeta{
			Name:              name(i),
			Namespace:         "default",
			UID:               fmt.Sprintf("6f1c2a4e-%04x-4b7d-9c3e-%012x", i&0xffff, i),
			ResourceVersion:   fmt.Sprint(i + 1),
			Generation:        1,
			CreationTimestamp: "2026-01-01T00:00:00Z",
			Labels: map[string]string{
				"app.kubernetes.io/name":       "bench",
				"app.kubernetes.io/instance":   fmt.Sprintf("bench-%d", i%16),
				"app.kubernetes.io/part-of":    "k1s",
				"app.kubernetes.io/managed-by": "storagetest",
			},
			Annotations: map[string]string{
				"k1s.dev/origin": "storagetest.Value",
			},
		},
		Data: map[string]string{
			"index":       fmt.Sprint(i),
			"config.yaml": "",
		},
	}
	b, err := json.Marshal(cm)
	if err != nil {
		panic(err) // plain strings and maps always encode
	}
	const filler = "server:\n  port: 8080\n  logLevel: info\nfeatures:\n  watch: true\n  compaction: auto\n"
	pad := ValueSize - len(b)
	// An escaped "\n" takes two bytes of JSON, so count escaped lengths;
	// a single byte left over becomes a space.
	var sb strings.Builder
	for n := 0; n < pad; {
		for _, r := range filler {
			w := 1
			if r == '\n' {
				w = 2
			}
			if n+w > pad {
				break
			}
			sb.WriteRune(r)
			n += w
		}
		if pad-n == 1 {
			sb.WriteByte(' ')
			n++
		}
	}
	cm.Data["config.yaml"] = sb.String()
	b, err = json.Marshal(cm)
	if err != nil {
		panic(err)
	}
	return b
}
