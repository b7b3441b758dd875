package cliruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"etcd://u:pw@h:2379/p?x=1": "etcd://u:REDACTED@h:2379/p?x=1",
		"etcd://u@h:2379":          "etcd://u@h:2379",
		"etcd://h:2379":            "etcd://h:2379",
		"/a/b.db":                  "/a/b.db",
		"etcds://a:b@h1,h2":        "etcds://a:REDACTED@h1,h2",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStorageURL(t *testing.T) {
	for _, tc := range []struct {
		c    Context
		want string
	}{
		{Context{Storage: "etcd://h:1/p", Username: "u s", Password: "p@ss"}, "etcd://u%20s:p@ss@h:1/p"},
		{Context{Storage: "etcd://h:1", Username: "u"}, "etcd://u@h:1"},
		{Context{Storage: "etcd://x:y@h:1", Username: "u", Password: "p"}, "etcd://x:y@h:1"},
		{Context{Storage: "etcd://h:1"}, "etcd://h:1"},
		{Context{Storage: "nourl", Username: "u"}, "nourl"},
	} {
		if got := tc.c.storageURL(); got != tc.want {
			t.Errorf("storageURL(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := &Config{Contexts: []NamedContext{{Name: "a", Context: Context{
		Password: "p", Storage: "etcd://u:p@h", CertificateAuthorityData: "x", ClientCertificateData: "y", ClientKeyData: "z", Tenant: "t",
	}}}}
	got := cfg.Redacted().Contexts[0].Context
	want := Context{Password: redacted, Storage: "etcd://u:REDACTED@h", CertificateAuthorityData: dataOmitted,
		ClientCertificateData: dataOmitted, ClientKeyData: dataOmitted, Tenant: "t"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}
	if cfg.Contexts[0].Context.Password != "p" {
		t.Error("Redacted changed the original")
	}
}

func TestApplyContext(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	cfg := &Config{CurrentContext: "file", Contexts: []NamedContext{
		{Name: "file", Context: Context{Data: "rel.db", Tenant: "t1", Namespace: "ns1"}},
		{Name: "abs", Context: Context{Data: "/abs.db"}},
		{Name: "etcd", Context: Context{Storage: "etcd://h:1", Username: "u", Password: "p"}},
	}}
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v %v, want mode 0600", fi, err)
	}
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	withConfig := env(map[string]string{EnvConfig: path})
	for _, tc := range []struct {
		name  string
		flags GlobalFlags
		want  GlobalFlags
	}{
		{"current", GlobalFlags{}, GlobalFlags{Data: filepath.Join(dir, "rel.db"), Tenant: "t1", Namespace: "ns1"}},
		{"flags win", GlobalFlags{Data: "x.db", Tenant: "t2", Namespace: "n2"}, GlobalFlags{Data: "x.db", Tenant: "t2", Namespace: "n2"}},
		{"storage flag keeps data off", GlobalFlags{Storage: "etcd://o"}, GlobalFlags{Storage: "etcd://o", Tenant: "t1", Namespace: "ns1"}},
		{"named abs", GlobalFlags{Context: "abs"}, GlobalFlags{Context: "abs", Data: "/abs.db"}},
		{"etcd", GlobalFlags{Context: "etcd"}, GlobalFlags{Context: "etcd", Storage: "etcd://u:p@h:1"}},
	} {
		g := tc.flags
		if err := g.ApplyContext(withConfig); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		g.contextApplied = false
		if diff := cmp.Diff(tc.want, g, cmp.AllowUnexported(GlobalFlags{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	g := GlobalFlags{Context: "nope"}
	if err := g.ApplyContext(withConfig); err == nil || !strings.Contains(err.Error(), "context was not found for specified context: nope") {
		t.Errorf("unknown context: %v", err)
	}
	// A failure is reported again (the hand-off only peeks; the session
	// must still see it); a success applies once only.
	if err := g.ApplyContext(withConfig); err == nil {
		t.Errorf("second ApplyContext of an unknown context: no error")
	}
	g = GlobalFlags{}
	if err := g.ApplyContext(withConfig); err != nil {
		t.Fatal(err)
	}
	g.Storage = "kept"
	if err := g.ApplyContext(withConfig); err != nil || g.Storage != "kept" {
		t.Errorf("second ApplyContext: %v, storage %q", err, g.Storage)
	}
	// No file, no context named: nothing changes.
	g = GlobalFlags{}
	if err := g.ApplyContext(env(map[string]string{EnvConfig: filepath.Join(dir, "missing.yaml")})); err != nil || !cmp.Equal(g, GlobalFlags{contextApplied: true}, cmp.AllowUnexported(GlobalFlags{})) {
		t.Errorf("missing file: %v %+v", err, g)
	}
	// An unreadable file is an error.
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	g = GlobalFlags{}
	if err := g.ApplyContext(env(map[string]string{EnvConfig: filepath.Join(dir, "adir")})); err == nil {
		t.Error("a directory as the config file: no error")
	}
	// The default path is in the user config directory.
	t.Setenv("XDG_CONFIG_HOME", dir)
	if p, err := ConfigPath(env(nil)); err != nil || p != filepath.Join(dir, "k1s", "config.yaml") {
		t.Errorf("ConfigPath = %q, %v", p, err)
	}
}

func TestMaskSecretData(t *testing.T) {
	secret := func(data map[string]any, annot string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "data": data}}
		if annot != "" {
			u.SetAnnotations(map[string]string{LastAppliedAnnotation: annot})
		}
		return u
	}
	from := secret(map[string]any{"same": "x", "changed": "a", "gone": "g"}, "a1")
	to := secret(map[string]any{"same": "x", "changed": "b", "new": "n"}, "a2")
	maskSecretData(from, to)
	if diff := cmp.Diff(map[string]any{"same": maskDefault, "changed": maskBefore, "gone": maskDefault}, from.Object["data"]); diff != "" {
		t.Errorf("from (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"same": maskDefault, "changed": maskAfter, "new": maskDefault}, to.Object["data"]); diff != "" {
		t.Errorf("to (-want +got):\n%s", diff)
	}
	if from.GetAnnotations()[LastAppliedAnnotation] != maskBefore || to.GetAnnotations()[LastAppliedAnnotation] != maskAfter {
		t.Errorf("annotations %v %v", from.GetAnnotations(), to.GetAnnotations())
	}
	// A new secret: no live version.
	to = secret(map[string]any{"k": "v"}, "same")
	maskSecretData(nil, to)
	if to.Object["data"].(map[string]any)["k"] != maskDefault || to.GetAnnotations()[LastAppliedAnnotation] != maskDefault {
		t.Errorf("new secret: %v", to.Object)
	}
}

func TestWaitConditions(t *testing.T) {
	obj := func(gen int64, conds ...any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": "x", "generation": gen},
			"spec":     map[string]any{"n": int64(3), "list": []any{"a", "b"}, "m": map[string]any{"k": "v"}},
			"status":   map[string]any{"conditions": conds, "observedGeneration": int64(2)},
		}}
		return u
	}
	ready := map[string]any{"type": "Ready", "status": "True"}
	for _, tc := range []struct {
		cond    string
		u       *unstructured.Unstructured
		met     bool
		wantErr string
	}{
		{"condition=Ready", obj(2, ready), true, ""},
		{"condition=ready=true", obj(2, ready), true, ""},
		{"condition=Ready=False", obj(2, ready), false, ""},
		{"condition=Ready", obj(3, ready), false, ""},
		{"condition=Ready", obj(3, map[string]any{"type": "Ready", "status": "True", "observedGeneration": int64(3)}), true, ""},
		{"condition=Ready", obj(2, "junk", map[string]any{"type": "Ready"}), false, ""},
		{"condition=Other", obj(2, ready), false, ""},
		{"jsonpath={.spec.n}=3", obj(1), true, ""},
		{"jsonpath=.spec.n=4", obj(1), false, ""},
		{"jsonpath={.spec.missing}", obj(1), false, ""},
		{"jsonpath={.spec.n}", obj(1), true, ""},
		{"jsonpath={.spec.list[*]}=a", obj(1), false, "matches more than one value"},
		{"jsonpath={.spec.m}=v", obj(1), false, "nested object or list"},
		{`jsonpath={.spec.list[?(@=="a")]}=a`, obj(1), true, ""},
	} {
		w, err := ParseWaitCondition(tc.cond)
		if err != nil {
			t.Fatalf("%s: %v", tc.cond, err)
		}
		met, err := w.Met(tc.u)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.cond, err, tc.wantErr)
			}
			continue
		}
		if err != nil || met != tc.met {
			t.Errorf("%s: met %v, %v; want %v", tc.cond, met, err, tc.met)
		}
	}
	for cond, want := range map[string]string{
		"bogus":               `unrecognized condition: "bogus"`,
		"jsonpath=":           "jsonpath expression cannot be empty",
		"jsonpath={.a}=":      "has to have a value after equal sign",
		"jsonpath={.a}=1=2":   "jsonpath wait format must be",
		"jsonpath={.a[}":      "unterminated array",
		"jsonpath=a{.b}c{.d}": "unexpected path string",
	} {
		if _, err := ParseWaitCondition(cond); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseWaitCondition(%q) = %v, want %q", cond, err, want)
		}
	}
	if w, _ := ParseWaitCondition("DELETE"); w.Kind != "delete" {
		t.Errorf("DELETE is %q", w.Kind)
	}
}

func TestEnumValues(t *testing.T) {
	s := &apiextensionsv1.JSONSchemaProps{Enum: []apiextensionsv1.JSON{{Raw: []byte(`"a"`)}, {Raw: []byte(`""`)}, {Raw: []byte(`1.5`)}, {Raw: []byte(`true`)}, {Raw: []byte(`bad`)}}}
	if diff := cmp.Diff([]string{"a", `""`, "1.5", "true", "bad"}, enumValues(s)); diff != "" {
		t.Errorf("enumValues (-want +got):\n%s", diff)
	}
	if got := enumLine(s, "  "); got != "\n  enum: a, \"\", 1.5, true, ...." {
		t.Errorf("enumLine = %q", got)
	}
	if got := enumLine(&apiextensionsv1.JSONSchemaProps{}, ""); got != "" {
		t.Errorf("enumLine without enums = %q", got)
	}
}
