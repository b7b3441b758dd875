package cliruntime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// newTestCLI returns a CLI over an in-memory store with the inventory
// example's types, writing to buffers.
func newTestCLI(t *testing.T) (*CLI, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	plugins, err := filepath.Abs(filepath.Join("..", "examples", "inventory", "plugins"))
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	var out, errOut bytes.Buffer
	c := &CLI{
		Name: "k1s", Version: "v0.0.0-test", In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(string) string { return "" },
		Open: func(ctx context.Context, flags *GlobalFlags) (*Session, error) {
			cc, err := core.New(core.Options{Storage: store, PluginPaths: []string{plugins}, DiscoveryCacheDir: t.TempDir()})
			if err != nil {
				return nil, err
			}
			return &Session{Client: cc, Registry: cc.Registry()}, nil
		},
	}
	return c, &out, &errOut
}

func itemsYAML(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		_, _ = fmt.Fprintf(&b, "---\napiVersion: inventory.example.com/v1alpha1\nkind: Item\nmetadata:\n  name: item-%03d\nspec:\n  category: c\n  quantity: %d\n", i, i)
	}
	return b.String()
}

func TestProgressBarOnTerminal(t *testing.T) {
	c, out, errOut := newTestCLI(t)
	c.ErrIsTerminal = func() (bool, int) { return true, 10 }
	c.In = strings.NewReader(itemsYAML(40))
	if code := c.ExecuteContext(context.Background(), []string{"apply", "-f", "-"}); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	if got := strings.Count(out.String(), " created\n"); got != 40 {
		t.Errorf("created lines = %d, want 40", got)
	}
	for _, want := range []string{"apply [", "] 16/40", "40/40", "\r\033[K"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%q", want, errOut.String())
		}
	}

	// Not a terminal, or fewer objects than rows: no bar.
	for _, tc := range []struct {
		name  string
		tty   bool
		rows  int
		items int
	}{{"pipe", false, 0, 40}, {"fits on screen", true, 100, 40}} {
		c, _, errOut := newTestCLI(t)
		c.ErrIsTerminal = func() (bool, int) { return tc.tty, tc.rows }
		c.In = strings.NewReader(itemsYAML(tc.items))
		if code := c.ExecuteContext(context.Background(), []string{"delete", "-f", "-", "--ignore-not-found"}); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errOut)
		}
		if errOut.Len() != 0 {
			t.Errorf("%s: stderr = %q, want nothing", tc.name, errOut)
		}
	}
}

func TestInterruptStopsBetweenWrites(t *testing.T) {
	c, out, errOut := newTestCLI(t)
	c.In = strings.NewReader(itemsYAML(5))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if code := c.ExecuteContext(ctx, []string{"apply", "-f", "-"}); code != 130 {
		t.Fatalf("exit %d, want 130; stderr %s", code, errOut)
	}
	if out.Len() != 0 || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestWatchEndsOnCancel(t *testing.T) {
	c, _, errOut := newTestCLI(t)
	c.In = strings.NewReader(itemsYAML(2))
	if code := c.ExecuteContext(context.Background(), []string{"apply", "-f", "-"}); code != 0 {
		t.Fatal(errOut)
	}
	// The watcher is interrupted once it printed the list.
	ctx, cancel := context.WithCancel(context.Background())
	var printed bytes.Buffer
	c.Out = cancelOnWrite{&printed, cancel}
	if code := c.ExecuteContext(ctx, []string{"get", "items", "-w", "--sort-by", ".spec.quantity"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(printed.String(), "item-001") {
		t.Errorf("stdout = %q", printed.String())
	}

	// Interrupted before it started: it ends quietly.
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	errOut.Reset()
	if code := c.ExecuteContext(cancelled, []string{"get", "items", "-w"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A one-shot command interrupted before its first store call.
	if code := c.ExecuteContext(cancelled, []string{"get", "items"}); code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, errOut)
	}
}

// TestDeleteWaitInterrupted: an interrupt while delete waits for
// finalizers ends the command (exit 130) and leaves the object marked.
func TestDeleteWaitInterrupted(t *testing.T) {
	c, _, errOut := newTestCLI(t)
	c.In = strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n")
	if code := c.ExecuteContext(context.Background(), []string{"apply", "-f", "-"}); code != 0 {
		t.Fatal(errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var printed bytes.Buffer
	c.Out = cancelOnWrite{&printed, cancel} // interrupted once "deleted" is printed
	if code := c.ExecuteContext(ctx, []string{"delete", "cm", "held"}); code != 130 {
		t.Fatalf("exit %d, want 130: %s", code, errOut)
	}
	if !strings.Contains(printed.String(), `configmap "held" deleted from default namespace`) || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("stdout %q, stderr %q", printed.String(), errOut)
	}
	c.Out = &printed
	if code := c.ExecuteContext(context.Background(), []string{"get", "cm", "held", "-o", "jsonpath={.metadata.finalizers}"}); code != 0 {
		t.Fatalf("the object is gone: %s", errOut)
	}
}

// cancelOnWrite cancels a context once something was written.
type cancelOnWrite struct {
	w      *bytes.Buffer
	cancel context.CancelFunc
}

func (c cancelOnWrite) Write(p []byte) (int, error) {
	defer c.cancel()
	return c.w.Write(p)
}

func TestSchemaType(t *testing.T) {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	for _, tc := range []struct {
		in   apiextensionsv1.JSONSchemaProps
		want string
	}{
		{str, "string"},
		{apiextensionsv1.JSONSchemaProps{Type: "object"}, "Object"},
		{apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Schema: &str}}, "map[string]string"},
		{apiextensionsv1.JSONSchemaProps{Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &str}}, "[]string"},
		{apiextensionsv1.JSONSchemaProps{Type: "array"}, "[]Object"},
		{apiextensionsv1.JSONSchemaProps{XIntOrString: true}, "IntOrString"},
		{apiextensionsv1.JSONSchemaProps{}, "Object"},
	} {
		if got := schemaType(&tc.in); got != tc.want {
			t.Errorf("schemaType(%+v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExplainArraysAndRecursion(t *testing.T) {
	str := apiextensionsv1.JSONSchemaProps{Type: "string", Description: "a name"}
	typ := &registry.Type{Kind: schema.GroupVersionKind{Version: "v1", Kind: "Thing"}, Resource: "things",
		Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"parts": {Type: "array", Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
					Type: "object", Required: []string{"name"}, Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": str}}}},
			}},
		}}}
	var b bytes.Buffer
	if err := Explain(&b, typ, []string{"spec", "parts"}, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"KIND:       Thing\n", "FIELD: parts <[]Object>", "  name\t<string> -required-\n    a name\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("explain lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "GROUP:") {
		t.Errorf("core group printed a GROUP line:\n%s", b.String())
	}
	b.Reset()
	if err := Explain(&b, typ, []string{"spec", "parts", "name"}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "FIELD: name <string>") {
		t.Errorf("explain spec.parts.name:\n%s", b.String())
	}
	b.Reset()
	if err := Explain(&b, typ, nil, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "      name\t<string> -required-\n") {
		t.Errorf("recursive explain:\n%s", b.String())
	}
}

func TestSmartLabelFor(t *testing.T) {
	for in, want := range map[string]string{
		"apiVersion": "API Version", "creationTimestamp": "Creation Timestamp", "uid": "UID",
		"resourceVersion": "Resource Version", "kind": "Kind", "with.dot": "with.dot", "podIPs": "Pod I Ps",
		"URLPath": "URL Path", "x-y": "X - Y",
	} {
		if got := smartLabelFor(in); got != want {
			t.Errorf("smartLabelFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDescribeNestedContent(t *testing.T) {
	long := strings.Repeat("x", 200)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Thing",
		"metadata": map[string]any{"name": "a", "annotations": map[string]any{"long": long, "multi": "one\ntwo", "short": "s"}},
		"spec":     map[string]any{"list": []any{map[string]any{"name": "n1"}, "plain"}, "n": int64(1)},
	}}
	var b bytes.Buffer
	if err := Describe(&b, u, nil, false); err != nil {
		t.Fatal(err)
	}
	want := "Name:         a\n" +
		"Namespace:    \n" +
		"Labels:       <none>\n" +
		"Annotations:  long:\n" +
		"                " + strings.Repeat("x", 138) + "...\n" +
		"              multi:\n" +
		"                one\n" +
		"                two\n" +
		"              short: s\n" +
		"API Version:  v1\n" +
		"Kind:         Thing\n" +
		"Metadata:\n" +
		"Spec:\n" +
		"  List:\n" +
		"    Name:  n1\n" +
		"    plain\n" +
		"  N:  1\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("describe (-want +got):\n%s", diff)
	}
}

func TestFormatError(t *testing.T) {
	gr := schema.GroupResource{Group: "inventory.example.com", Resource: "items"}
	invalid := apierrors.NewInvalid(schema.GroupKind{Group: "inventory.example.com", Kind: "Item"}, "x", nil)
	invalid.ErrStatus.Details.Causes = []metav1.StatusCause{{Field: "spec.a", Message: "bad"}, {Message: "worse"}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewNotFound(gr, "x"), `Error from server (NotFound): items.inventory.example.com "x" not found`},
		{invalid, "The Item \"x\" is invalid: \n* spec.a: bad\n* worse"},
		{&apierrors.StatusError{ErrStatus: metav1.Status{Reason: metav1.StatusReasonInvalid, Message: "plain", Details: &metav1.StatusDetails{}}}, "The request is invalid: plain"},
		{&apierrors.StatusError{ErrStatus: metav1.Status{Reason: metav1.StatusReasonInvalid, Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Message: "m"}}}}}, "The request is invalid: m"},
		{&apierrors.StatusError{ErrStatus: metav1.Status{Message: "odd"}}, "Error from server: odd"},
		{errors.New("plain"), "error: plain"},
		{errors.New("error: prefixed"), "error: prefixed"},
		{&ExitError{Code: 3}, "error: exit status 3"},
	} {
		if got := FormatError(tc.err); got != tc.want {
			t.Errorf("FormatError(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if err := errorFromWatch(&metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonExpired, Code: 410, Message: "too old"}); !apierrors.IsResourceExpired(err) {
		t.Errorf("errorFromWatch = %v, want Expired", err)
	}
	if err := errorFromWatch(&unstructured.Unstructured{}); err == nil {
		t.Error("errorFromWatch of a non-status = nil")
	}
}

func TestFlagsDefaults(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg")
	if got, _ := UserDataDir(); got != "/xdg/k1s" {
		t.Errorf("UserDataDir = %q", got)
	}
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("HOME", "/home/u")
	if got, _ := UserDataDir(); got != "/home/u/.local/share/k1s" {
		t.Errorf("UserDataDir = %q", got)
	}
	t.Setenv("K1S_CACHE_DIR", "/c")
	g := &GlobalFlags{WorkDir: t.TempDir()}
	if got := g.CacheDir(); got != "/c" {
		t.Errorf("CacheDir = %q", got)
	}
	t.Setenv("K1S_CACHE_DIR", "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if got := g.CacheDir(); got != "/cache/k1s" {
		t.Errorf("CacheDir = %q", got)
	}
	if got, _ := g.DataPath(); got != "/home/u/.local/share/k1s/k1s.db" {
		t.Errorf("DataPath = %q", got)
	}
	if FindProjectDir(g.WorkDir) != "" {
		t.Errorf("found a project above %s", g.WorkDir)
	}
	if (&GlobalFlags{}).workDir() == "" {
		t.Error("empty work dir")
	}
}

func TestSourcesCollect(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "a.txt"), []byte("A"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(sub, "skipped-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	badDir := filepath.Join(dir, "bad")
	if err := os.Mkdir(badDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badDir, "bad key!"), []byte("B"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := write("app.env", "# comment\n\nX=1\nFROM_ENV\n")
	t.Setenv("FROM_ENV", "yes")
	s := &sources{files: []string{sub}, envFiles: []string{env}}
	got, err := s.collect(secretKeys)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"a.txt": []byte("A"), "X": []byte("1"), "FROM_ENV": []byte("yes")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("collect (-want +got):\n%s", diff)
	}
	// kubectl's messages, which differ between ConfigMaps and Secrets.
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		src  *sources
		cm   bool
		want string
	}{
		{&sources{literals: []string{"a=1", "a=2"}}, true, `cannot add key "a", another key by that name already exists in Data for ConfigMap "cfg"`},
		{&sources{literals: []string{"a=1", "a=\xff"}}, true, `cannot add key "a", another key by that name already exists in BinaryData for ConfigMap "cfg"`},
		{&sources{literals: []string{"a=1", "a=2"}}, false, `cannot add key a, another key by that name already exists`},
		{&sources{literals: []string{"bad key=1"}}, true, `"bad key" is not a valid key name for a ConfigMap: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{&sources{literals: []string{"bad key=1"}}, false, `"bad key" is not valid key name for a Secret a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{&sources{files: []string{badDir}}, false, `"bad key!" is not valid key name for a Secret`},
		{&sources{files: []string{"k=" + sub}}, true, "cannot give a key name for a directory path"},
		{&sources{files: []string{"=" + sub}}, true, "key name for file path " + sub + " missing"},
		{&sources{files: []string{"k="}}, true, "file path for key name k missing"},
		{&sources{files: []string{"a=b=c"}}, true, "key names or file paths cannot contain '='"},
		{&sources{files: []string{missing}}, true, "error reading " + missing + ": no such file or directory"},
		{&sources{envFiles: []string{filepath.Join(dir, "missing.env")}}, true, "no such file"},
		{&sources{envFiles: []string{write("dup.env", "A=1\nA=2\n")}}, true, "dup.env line 2: cannot add key"},
	} {
		rules := secretKeys
		if tc.cm {
			rules = configMapKeys("cfg")
		}
		_, err := tc.src.collect(rules)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("collect(%+v) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func TestSmallHelpers(t *testing.T) {
	if verbing("delete", Result{}) != "delete" || verbing("create", Result{}) != "creating" ||
		verbing("apply", Result{Action: Created}) != "creating" || verbing("apply", Result{}) != "applying" {
		t.Error("verbing")
	}
	u := &unstructured.Unstructured{Object: map[string]any{"odd": int64(4)}}
	if got := str(u.Object, "odd"); got != "4" {
		t.Errorf("str of a number = %q", got)
	}
	if _, err := ParseCascade("true"); err != nil {
		t.Error(err)
	}
	if _, err := (&WriteOptions{DryRun: "true"}).dryRunMode(); err != nil {
		t.Error(err)
	}
	if _, err := ParseMetaUpdate([]string{"a"}, false); err == nil {
		t.Error("ParseMetaUpdate accepted a bare key")
	}
	if _, err := ParseMetaUpdate([]string{"a=b=c"}, true); err == nil {
		t.Error("ParseMetaUpdate accepted a label of two '='")
	}
	if u, err := ParseMetaUpdate([]string{"a=b=c"}, false); err != nil || u.Set["a"] != "b=c" {
		t.Errorf("ParseMetaUpdate of an annotation a=b=c = %v, %v", u, err)
	}
	if _, err := ParseMetaUpdate([]string{"a=1", "a-"}, true); err == nil || err.Error() != "can not both modify and remove a label in the same command" {
		t.Errorf("ParseMetaUpdate of a=1 a- = %v", err)
	}
	inner := errors.New("inner")
	for _, err := range []error{&flagError{err: inner, command: "k1s get"}, bareError{inner}} {
		if err.Error() != "inner" || !errors.Is(err, inner) {
			t.Errorf("%T: Error %q, Is(inner) %v", err, err.Error(), errors.Is(err, inner))
		}
	}
	if err := (&ExitError{Code: 2}); err.Error() != "exit status 2" {
		t.Error(err)
	}
}

func TestBrandNames(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/xdg")
	b := Brand{Name: "my-tool"}
	if got := b.Env(EnvData); got != "MY_TOOL_DATA" {
		t.Errorf("Env = %q", got)
	}
	if got := b.Env("KUBE_EDITOR"); got != "KUBE_EDITOR" {
		t.Errorf("Env(KUBE_EDITOR) = %q", got)
	}
	if got := (Brand{Name: "t", EnvPrefix: "TT"}).Env(EnvTenant); got != "TT_TENANT" {
		t.Errorf("Env with prefix = %q", got)
	}
	g := &GlobalFlags{Brand: b, WorkDir: t.TempDir()}
	if got, _ := g.DataPath(); got != "/xdg/my-tool/my-tool.db" {
		t.Errorf("DataPath = %q", got)
	}
	if err := os.Mkdir(filepath.Join(g.WorkDir, ".my-tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, _ := g.DataPath(); got != filepath.Join(g.WorkDir, ".my-tool", "my-tool.db") {
		t.Errorf("DataPath in a project = %q", got)
	}
	g.Brand.ProjectDir, g.Brand.DataFile = ".other", "store.sqlite"
	if got, _ := g.DataPath(); !strings.HasSuffix(got, "/xdg/my-tool/store.sqlite") {
		t.Errorf("DataPath outside its project = %q", got)
	}
	g.Brand.Without = PluginDirs
	g.PluginDirs = []string{"/p"}
	if got := g.PluginPaths(); got != nil {
		t.Errorf("PluginPaths without PluginDirs = %q", got)
	}
	if err := g.Brand.validateTenant("Bad_Tenant"); err == nil || !strings.Contains(err.Error(), "MY_TOOL_TENANT") {
		t.Errorf("validateTenant = %v", err)
	}
	g.Brand.Without = Contexts
	g.Context = "nowhere"
	if err := g.ApplyContext(func(string) string { return "" }); err != nil {
		t.Errorf("ApplyContext without Contexts = %v", err)
	}
	if got, _ := (Brand{Name: "x"}).ConfigPath(func(k string) string { return map[string]string{"X_CONFIG": "/cfg"}[k] }); got != "/cfg" {
		t.Errorf("ConfigPath = %q", got)
	}
	for _, b := range []Brand{{}, {ExampleResource: "tasks"}, {ExampleResource: "tasks", ExampleFile: "t/"}} {
		if b.exampleFile() == "" || b.exampleResource() == "" {
			t.Errorf("%+v: empty example", b)
		}
	}
}
