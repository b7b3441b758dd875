package structural

import (
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func TestCacheIsBounded(t *testing.T) {
	defer func(old int64) { maxCached = old }(maxCached)
	maxCached = 3
	first := &apiextensionsv1.JSONSchemaProps{Type: "object"}
	compiled := For(first)
	for i := 0; i < 10; i++ {
		For(&apiextensionsv1.JSONSchemaProps{Type: "string"})
	}
	n := 0
	cache.Range(func(any, any) bool { n++; return true })
	if n > 3 {
		t.Errorf("cache holds %d schemas, want at most 3", n)
	}
	if For(first) == compiled {
		t.Error("the first schema survived a cache reset")
	}
}
