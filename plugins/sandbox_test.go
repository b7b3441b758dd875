package plugins_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/plugins"
	"github.com/k1s-dev/k1s/storage/memory"
)

const configMapHooks = `  validate:
  - {apiVersion: v1, kind: ConfigMap, operations: [CREATE, UPDATE, DELETE]}
  mutate:
  - {apiVersion: v1, kind: ConfigMap, operations: [CREATE]}
`

// admitted returns a CoreClient whose admission runs root's plugins, and
// the manager.
func admitted(t *testing.T, root string) (*core.Client, *plugins.Manager) {
	t.Helper()
	m := plugins.New(plugins.Options{Paths: []string{root}, CompilationCacheDir: cacheDir})
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	if w := m.Warnings(); len(w) > 0 {
		t.Fatalf("warnings: %v", w)
	}
	c, err := core.New(core.Options{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	m.Register(c.Admission())
	m.SetClient(c)
	return c, m
}

func newCM(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
}

// assertAbsent checks that a refused create wrote nothing.
func assertAbsent(t *testing.T, c client.Client, name string) {
	t.Helper()
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap %s after a refused create: %v, want NotFound", name, err)
	}
}

// assertHealthy checks the host and the plugin still work: an ordinary
// create goes through the hooks.
func assertHealthy(t *testing.T, c client.Client, name string) {
	t.Helper()
	cm := newCM(name)
	if err := c.Create(context.Background(), cm); err != nil {
		t.Fatalf("an ordinary create after a failure: %v", err)
	}
	if cm.Labels["guest"] != "mutated" {
		t.Errorf("the mutating hook did not run after a failure: labels %v", cm.Labels)
	}
}

func TestAdmission(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks+"  permissions:\n  - {apiGroups: [\"\"], resources: [configmaps], verbs: [get], namespaces: [default]}\n")
	c, m := admitted(t, root)
	ctx := t.Context()
	assertHealthy(t, c, "plain")

	err := c.Create(ctx, newCM("deny-me"))
	want := `admission webhook "guest" denied the request: names starting with deny are refused`
	if err == nil || err.Error() != want || !apierrors.IsForbidden(err) {
		t.Fatalf("denied create: %v, want %q (Forbidden)", err, want)
	}
	assertAbsent(t, c, "deny-me")

	// UPDATE and DELETE go through the validating hook too.
	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "plain"}, cm); err != nil {
		t.Fatal(err)
	}
	cm.Data = map[string]string{"a": "b"}
	if err := c.Update(ctx, cm); err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := c.Delete(ctx, cm); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if !m.HasHooks(plugins.HookValidate, corev1.SchemeGroupVersion.WithKind("ConfigMap"), "DELETE") || m.HasHooks(plugins.HookMutate, corev1.SchemeGroupVersion.WithKind("Secret"), "CREATE") {
		t.Error("HasHooks does not follow the manifest")
	}
	// A kind without hooks never loads anything.
	root2 := t.TempDir()
	writePlugin(t, root2, "guest", guestWasm, configMapHooks)
	c2, m2 := admitted(t, root2)
	if err := c2.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"}}); err != nil {
		t.Fatal(err)
	}
	if st := m2.Plugin("guest").Status(); st.Loaded || st.Calls != 0 {
		t.Errorf("a write of a kind without hooks loaded the plugin: %+v", st)
	}
}

// TestSandbox runs the guest's misbehaviours: each is stopped with an
// error naming the plugin and what happened, writes nothing, and leaves
// the host and the plugin working.
func TestSandbox(t *testing.T) {
	t.Setenv("K1S_PLUGIN_SECRET", "topsecret")
	root := t.TempDir()
	// The time limit is short for the endless loops and long for the
	// rest, which must not be cut short on a loaded machine.
	quick := t.TempDir()
	writePlugin(t, quick, "guest", guestWasm, configMapHooks+"  limits: {timeout: 1s}\n")
	qc, _ := admitted(t, quick)
	for _, name := range []string{"loop", "hostloop"} {
		err := qc.Create(t.Context(), newCM(name))
		if want := `failed calling webhook "guest": plugin "guest": k1s_admit: exceeded its time limit of 1s`; err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("create %s: %v, want an error containing %q", name, err, want)
		}
		assertAbsent(t, qc, name)
		assertHealthy(t, qc, "after-"+name)
	}
	writePlugin(t, root, "guest", guestWasm, configMapHooks+`  permissions:
  - {apiGroups: [""], resources: [configmaps], verbs: [get], namespaces: [default]}
  limits: {memoryPages: 512, timeout: 30s, instances: 2}
`)
	c, m := admitted(t, root)
	for _, tc := range []struct{ name, want string }{
		{"bomb", `plugin "guest": k1s_admit: exceeded its memory limit of 512 pages (32 MiB): fatal error: out of memory`},
		{"panic", `plugin "guest": k1s_admit: the module panicked: the guest panicked on purpose`},
		{"big", `plugin "guest": k1s_admit: the answer is`},
		{"probe", `file: open /etc/hostname: `},
		{"probe", `socket: dial tcp 127.0.0.1:80: `},
		{"probe", `env: ""; environ: 0`},
		{"probe", `year: 2022`}, // wazero's fake clock
		{"read-default-keep", `get: configmaps "keep" not found (forbidden=false notfound=true)`},
		{"read-kube-system-keep", `get: configmaps "system-keep" is forbidden: plugin "guest" cannot get resource "configmaps" in API group "" in the namespace "kube"`},
		{"write-secret", `create: secrets "stolen" is forbidden: plugin "guest" cannot create resource "secrets" in API group "" in the namespace "default" (forbidden=true)`},
		{"list-all", `list: configmaps is forbidden: plugin "guest" cannot list resource "configmaps" in API group "" at the cluster scope (forbidden=true)`},
		{"delete-cm", `delete: configmaps "keep" is forbidden: plugin "guest" cannot delete resource "configmaps" in API group "" in the namespace "default" (forbidden=true)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Create(t.Context(), newCM(tc.name))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create %s: %v, want an error containing %q", tc.name, err, tc.want)
			}
			assertAbsent(t, c, tc.name)
			assertHealthy(t, c, "after-"+tc.name+fmt.Sprint(len(tc.want)))
		})
	}
	if st := m.Plugin("guest").Status(); st.Failures == 0 || st.LastError == "" {
		t.Errorf("status after failures: %+v", st)
	}
}

// TestGrants: what a manifest grants, the module gets, and only that.
func TestGrants(t *testing.T) {
	t.Setenv("K1S_PLUGIN_SECRET", "topsecret")
	t.Setenv("K1S_PLUGIN_OTHER", "other")
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks+"  grants: {clock: true, env: [K1S_PLUGIN_SECRET, K1S_PLUGIN_UNSET]}\n")
	c, _ := admitted(t, root)
	err := c.Create(t.Context(), newCM("probe"))
	if err == nil || !strings.Contains(err.Error(), `env: "topsecret"; environ: 1`) || strings.Contains(err.Error(), "year: 2022") {
		t.Fatalf("probe with grants: %v", err)
	}
}

func TestConcurrentAdmission(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks+"  limits: {instances: 4}\n")
	c, m := admitted(t, root)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			cm := newCM(fmt.Sprintf("c%d", i))
			if errs[i] = c.Create(t.Context(), cm); errs[i] == nil && cm.Labels["guest"] != "mutated" {
				errs[i] = fmt.Errorf("c%d not mutated: %v", i, cm.Labels)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	st := m.Plugin("guest").Status()
	if st.Instances > 4 || st.Calls != 32 || st.Failures != 0 {
		t.Errorf("status after 16 concurrent creates: %+v, want <= 4 instances, 32 calls, no failures", st)
	}
}

// TestBadModules: modules that must not load, each refused with an error
// naming the plugin and the problem, and the write refused.
func TestBadModules(t *testing.T) {
	okAnswer := []byte(`{"response":{"uid":"x","allowed":true}}`)
	for _, tc := range []struct {
		name   string
		wasm   []byte
		mangle func(dir string)
		want   string
	}{
		{"not-wasm", []byte("#!/bin/sh\necho hello\n"), nil, "is not a WebAssembly module"},
		{"truncated", guestWasm[:1000], nil, "compiling module"},
		{"abi-mismatch", rawModule(2, okAnswer, 2048, uint32(len(okAnswer))), nil, "the module speaks ABI version 2; this host speaks version 1"},
		{"malformed", rawModule(1, []byte("{not json"), 2048, 9), nil, "the AdmissionReview it answered is malformed"},
		{"wrong-uid", rawModule(1, okAnswer, 2048, uint32(len(okAnswer))), nil, "has no response for request"},
		{"outside-memory", rawModule(1, okAnswer, 65000, 4096), nil, "lies outside the module's memory"},
		{"oversized", rawModule(1, okAnswer, 0, 64<<20), nil, "more than the ABI's"},
		{"hash-mismatch", guestWasm, func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "plugin.wasm"))
			b = append(b, 0)
			_ = os.WriteFile(filepath.Join(dir, "plugin.wasm"), b, 0o644)
		}, "has sha256 "},
		{"missing", guestWasm, func(dir string) { _ = os.Remove(filepath.Join(dir, "plugin.wasm")) }, "reading module"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := writePlugin(t, root, tc.name, tc.wasm, configMapHooks)
			if tc.mangle != nil {
				tc.mangle(dir)
			}
			c, m := admitted(t, root)
			err := c.Create(t.Context(), newCM("x"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fmt.Sprintf("plugin %q", tc.name)) {
				t.Fatalf("create: %v, want an error naming the plugin and containing %q", err, tc.want)
			}
			assertAbsent(t, c, "x")
			if st := m.Plugin(tc.name).Status(); !strings.Contains(st.LastError, tc.want) {
				t.Errorf("LastError %q", st.LastError)
			}
			// Other kinds are unaffected.
			if err := c.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "default"}}); err != nil {
				t.Errorf("a write of another kind: %v", err)
			}
		})
	}
}

// TestLoadRestart: a plugin without entry points loads; a restart
// unloads it, and the next call loads it again.
func TestLoadRestart(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "idle", guestWasm, "")
	m, _ := newManager(t, root)
	if err := m.Plugin("idle").Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := m.Plugin("idle").Status(); !st.Loaded || st.Instances != 1 || st.ModuleSHA256 != digest(guestWasm) {
		t.Errorf("status after Load: %+v", st)
	}
	if err := m.Plugin("idle").Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := m.Plugin("idle").Status(); st.Loaded {
		t.Errorf("loaded after Restart: %+v", st)
	}
}

// TestLoopDuringGC runs an endless loop while the host collects garbage:
// a collection stops the world, which waits for the goroutine running
// the module, which only a visit to Go lets it stop (the instrumented
// loops make one every few thousand iterations). Without it, the
// collection and the call would wait for each other forever.
func TestLoopDuringGC(t *testing.T) {
	quick := t.TempDir()
	writePlugin(t, quick, "guest", guestWasm, configMapHooks+"  limits: {timeout: 1s}\n")
	qc, _ := admitted(t, quick)
	assertHealthy(t, qc, "warm") // loaded before the loop
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 5 {
			time.Sleep(100 * time.Millisecond)
			runtime.GC()
		}
	}()
	err := qc.Create(t.Context(), newCM("loop"))
	<-done
	if want := "exceeded its time limit of 1s"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("create loop: %v, want an error containing %q", err, want)
	}
}

// TestHookWarnings carries a validating hook's warnings to the Client's
// warning handler, as the API server carries a webhook's to its client,
// with a denial too.
func TestHookWarnings(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks)
	c, _ := admitted(t, root)
	var got []string
	ctx := core.WithWarningHandler(t.Context(), core.WarningFunc(func(text string) { got = append(got, text) }))
	if err := c.Create(ctx, newCM("warn-me")); err != nil {
		t.Fatal(err)
	}
	err := c.Create(ctx, newCM("warn-deny"))
	if want := `admission webhook "guest" denied the request: denied after a warning`; err == nil || err.Error() != want {
		t.Fatalf("create warn-deny: %v, want %q", err, want)
	}
	assertAbsent(t, c, "warn-deny")
	if want := []string{"the guest warns about warn-me", "the guest warns about warn-deny"}; !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
}

// TestCancelledCall stops a module when its caller gives up, before the
// time limit, and says so.
func TestCancelledCall(t *testing.T) {
	root := t.TempDir()
	writePlugin(t, root, "guest", guestWasm, configMapHooks)
	c, _ := admitted(t, root)
	assertHealthy(t, c, "warm")
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Second, cancel) // well after the call started, before the 5s limit
	err := c.Create(ctx, newCM("loop"))
	if want := `plugin "guest": k1s_admit: cancelled`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("create loop, cancelled: %v, want an error containing %q", err, want)
	}
	assertHealthy(t, c, "after-cancel")
}
