package structural_test

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/k1s-dev/k1s/structural"
)

// reportCPU reports the CPU time per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// itemSchema is the inventory example's Item: the shape the benchmark
// budget is about.
const itemSchema = `
type: object
properties:
  apiVersion: {type: string}
  kind: {type: string}
  metadata: {type: object}
  spec:
    type: object
    required: [category]
    properties:
      quantity: {type: integer, minimum: 0, default: 0}
      category: {type: string, minLength: 1}
      description: {type: string, maxLength: 256}
      tags:
        type: array
        x-kubernetes-list-type: set
        items: {type: string}
  status:
    type: object
    properties:
      phase: {type: string, enum: [Pending, Available, OutOfStock]}
      lastUpdated: {type: string, format: date-time}
`

func itemObject() map[string]any {
	return map[string]any{
		"apiVersion": "inventory.example.com/v1",
		"kind":       "Item",
		"metadata":   map[string]any{"name": "widget", "namespace": "default", "labels": map[string]any{"team": "a"}},
		"spec": map[string]any{
			"quantity":    int64(12),
			"category":    "tools",
			"description": "a widget",
			"tags":        []any{"blue", "small", "metal"},
		},
		"status": map[string]any{"phase": "Available", "lastUpdated": "2026-01-02T03:04:05Z"},
	}
}

// BenchmarkValidateSchema measures schema validation of one valid Item
// (the compiled schema is cached after the first call, as in a process
// that writes many objects).
func BenchmarkValidateSchema(b *testing.B) {
	props := parseSchema(b, itemSchema)
	typ := structural.Compile(props)
	obj := itemObject()
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if errs := typ.Validate(obj, nil); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	b.Run("update", func(b *testing.B) {
		old := runtime.DeepCopyJSON(obj)
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if errs := typ.Validate(obj, old); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	b.Run("invalid", func(b *testing.B) {
		bad := itemObject()
		spec := bad["spec"].(map[string]any)
		spec["quantity"] = int64(-1)
		delete(spec, "category")
		spec["tags"] = []any{"a", "a"}
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if errs := typ.Validate(bad, nil); len(errs) != 3 {
				b.Fatal(errs)
			}
		}
	})
	// The same check by the API server's code (kube-openapi validator,
	// list-type and embedded-object walks), for the ratio.
	b.Run("apiserver-create", func(b *testing.B) {
		o := newOracle(b, props)
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			if errs := o.validate(obj, nil); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
	b.Run("apply+validate", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			o := itemObject()
			typ.Apply(o)
			if errs := typ.Validate(o, nil); len(errs) != 0 {
				b.Fatal(errs)
			}
		}
	})
}
