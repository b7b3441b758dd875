package plugins_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/plugins"
)

// BenchmarkLoad is a plugin's load — read, digest, compile or read the
// compilation cache, first instance, ABI check — with no cache (cold) and
// a warm one. Run with -benchtime=5x: a cold load compiles for seconds.
func BenchmarkLoad(b *testing.B) {
	root := b.TempDir()
	writePlugin(b, root, "guest", guestWasm, "")
	for _, tc := range []struct {
		name  string
		cache bool
	}{{"cold", false}, {"warm", true}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := plugins.Options{Paths: []string{root}, CompilationCacheDir: cacheDir, NoCompilationCache: !tc.cache}
			if tc.cache { // fill it
				m := plugins.New(opts)
				if err := m.Plugin("guest").Load(b.Context()); err != nil {
					b.Fatal(err)
				}
				_ = m.Close(b.Context())
			}
			start := cpuTime()
			defer func() { reportCPU(b, start) }()
			for b.Loop() {
				m := plugins.New(opts)
				if err := m.Plugin("guest").Load(b.Context()); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				_ = m.Plugin("guest").Stop(b.Context())
				b.StartTimer()
			}
		})
	}
}

// BenchmarkInstantiate starts (and closes) one instance of a loaded
// module: the cost of a new pool member, or of replacing a failed one.
func BenchmarkInstantiate(b *testing.B) {
	root := b.TempDir()
	writePlugin(b, root, "guest", guestWasm, "")
	m, _ := newManager(b, root)
	p := m.Plugin("guest")
	if err := p.Load(b.Context()); err != nil {
		b.Fatal(err)
	}
	start := cpuTime()
	defer func() { reportCPU(b, start) }()
	for b.Loop() {
		if err := p.Instantiate(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHook is the per-call cost of a no-op validating hook: in the
// sandbox (encode the AdmissionReview, call the module, decode its
// answer) and the same no-op as a Go admission.Validator, which is what
// the chain calls for Go hooks.
func BenchmarkHook(b *testing.B) {
	root := b.TempDir()
	writePlugin(b, root, "guest", guestWasm, "  validate:\n  - {apiVersion: v1, kind: ConfigMap, operations: [CREATE]}\n")
	m, _ := newManager(b, root)
	cm := newCM("noop")
	cm.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	ctx := context.Background()
	b.Run("wasm", func(b *testing.B) {
		a := m.Admission()
		if _, err := a.ValidateCreate(ctx, cm); err != nil {
			b.Fatal(err)
		}
		start := cpuTime()
		defer func() { reportCPU(b, start) }()
		for b.Loop() {
			if _, err := a.ValidateCreate(ctx, cm); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go", func(b *testing.B) {
		var v admission.Validator = admission.ValidatorFuncs{Create: func(_ context.Context, obj runtime.Object) ([]string, error) {
			if obj.(*corev1.ConfigMap).Name == "deny" {
				return nil, context.Canceled
			}
			return nil, nil
		}}
		for b.Loop() {
			if _, err := v.ValidateCreate(ctx, cm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkReconcile is the per-call cost of a no-op reconcile: in the
// sandbox and as a Go function of the same shape.
func BenchmarkReconcile(b *testing.B) {
	root := b.TempDir()
	writePlugin(b, root, "guest", guestWasm, "  reconcile:\n  - {apiVersion: v1, kind: ConfigMap}\n")
	m, _ := newManager(b, root)
	gvk := corev1.SchemeGroupVersion.WithKind("ConfigMap")
	key := types.NamespacedName{Namespace: "default", Name: "noop"}
	ctx := context.Background()
	b.Run("wasm", func(b *testing.B) {
		p := m.Plugin("guest")
		if _, _, err := p.Reconcile(ctx, gvk, key); err != nil {
			b.Fatal(err)
		}
		start := cpuTime()
		defer func() { reportCPU(b, start) }()
		for b.Loop() {
			if _, _, err := p.Reconcile(ctx, gvk, key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go", func(b *testing.B) {
		r := func(_ context.Context, req types.NamespacedName) (plugins.Result, error) {
			if req.Name == "" {
				return plugins.Result{Requeue: true}, nil
			}
			return plugins.Result{}, nil
		}
		for b.Loop() {
			if _, err := r(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op: on a shared, overloaded machine the wall
// time per op mostly measures waiting for a core; the CPU time the
// process spent is the cost.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
