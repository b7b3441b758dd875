package discovery

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

const testdata = "testdata/plugins"

// copyTestdata copies the test manifests to a fresh directory the test may
// change.
func copyTestdata(t testing.TB) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "plugins")
	err := filepath.Walk(testdata, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(testdata, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func kinds(t *testing.T, d *Discovery) []string {
	t.Helper()
	gvks, err := d.DiscoverAvailableTypes()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range gvks {
		out = append(out, kindString(g))
	}
	sort.Strings(out)
	return out
}

var wantKinds = []string{
	"apps.example.com/v1/Gadget", "apps.example.com/v1/Widget", "apps.example.com/v1alpha1/Widget",
	"backup.example.com/v1/Snapshot", "batch.example.com/v1/Job", "ci.example.com/v1/Build", "ci.example.com/v2/Build",
	"db.example.com/v1/Backup", "db.example.com/v1/Database", "extra.example.com/v1/Extra",
	"infra.example.com/v1/Cluster", "infra.example.com/v1/Machine",
	"inventory.example.com/v1alpha1/Category", "inventory.example.com/v1alpha1/Item",
	"mon.example.com/v1/Alert", "mon.example.com/v1/Probe",
	"net.example.com/v1/Gateway", "net.example.com/v1/Route", "net.example.com/v1alpha2/Gateway",
	"org.example.com/v1/Project", "org.example.com/v1/Team", "pki.example.com/v1/Certificate",
	"tasks.example.com/v1/Pipeline", "tasks.example.com/v1/Task",
}

func wantWarnings(dir string) []string {
	return []string{
		dir + "/broken.yaml:9: document 1: invalid YAML: mapping values are not allowed in this context",
		dir + `/zz-conflicting.yaml: PluginTypeManifest "conflicting": spec.types[0] (ConfigMap): group is required: plugin types cannot join the core group; the type is ignored`,
		dir + "/zz-conflicting.yaml: kind inventory.example.com/v1alpha1/Item as resource goods.inventory.example.com (namespaced) conflicts with " + dir + "/inventory.yaml (resource items.inventory.example.com, namespaced); it is ignored",
		dir + "/zz-conflicting.yaml: resource widgets.apps.example.com (kind Sprocket, namespaced) conflicts with " + dir + "/crd-widgets.yaml (kind Widget, namespaced); it is ignored",
	}
}

func TestDiscoverTestdata(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: t.TempDir()})
	if got := d.Warnings(); got != nil {
		t.Errorf("Warnings before any scan = %v, want nil (no scan yet)", got)
	}
	if got := d.Stats(); got != (Stats{}) {
		t.Errorf("Stats before any scan = %+v", got)
	}
	if diff := cmp.Diff(wantKinds, kinds(t, d)); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantWarnings(testdata), d.Warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if got, want := d.Stats(), (Stats{Files: 20, Parsed: 20, CacheWritten: true}); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func TestTypeDetails(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	types, err := d.Types()
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]registry.Type{}
	for _, ty := range types {
		byKind[kindString(ty.Kind)] = ty
	}
	item := byKind["inventory.example.com/v1alpha1/Item"]
	wantItem := registry.Type{
		Kind:       schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"},
		Resource:   "items",
		Singular:   "item",
		ShortNames: []string{"item", "itm"},
		Namespaced: true,
		ListKind:   "ItemList",
		PrintColumns: []registry.PrintColumn{
			{Name: "NAME", Type: "string", Description: "Name of the item", JSONPath: ".metadata.name"},
			{Name: "QUANTITY", Type: "integer", Description: "Available quantity", JSONPath: ".spec.quantity"},
		},
		Storage: true,
		Source:  testdata + "/inventory.yaml",
	}
	if diff := cmp.Diff(wantItem, item, cmpopts.IgnoreUnexported(registry.Type{})); diff != "" {
		t.Errorf("Item (-want +got):\n%s", diff)
	}
	category := byKind["inventory.example.com/v1alpha1/Category"]
	if diff := cmp.Diff([]string{"NAME", "AGE"}, columnNames(category)); diff != "" {
		t.Errorf("Category columns without printColumns (-want +got):\n%s", diff)
	}

	widget := byKind["apps.example.com/v1/Widget"]
	if !widget.Storage || !widget.StatusSubresource || widget.Schema == nil || widget.Namespaced != true ||
		widget.Singular != "widget" || widget.ListKind != "WidgetList" ||
		!cmp.Equal(widget.Categories, []string{"all"}) || !cmp.Equal(widget.SelectableFields, []string{".spec.specField0"}) {
		t.Errorf("Widget v1 = %+v", widget)
	}
	if got := widget.Schema.Properties["spec"].Required; !cmp.Equal(got, []string{"specField0"}) {
		t.Errorf("Widget schema spec.required = %v", got)
	}
	if diff := cmp.Diff([]string{"NAME", "Phase", "Replicas", "Detail", "Age"}, columnNames(widget)); diff != "" {
		t.Errorf("Widget columns (-want +got):\n%s", diff)
	}
	if widget.PrintColumns[3].Priority != 1 {
		t.Errorf("Widget Detail column priority = %d, want 1", widget.PrintColumns[3].Priority)
	}
	if byKind["apps.example.com/v1alpha1/Widget"].Storage {
		t.Error("Widget v1alpha1 is not the storage version")
	}
	if _, ok := byKind["batch.example.com/v1beta1/Job"]; ok {
		t.Error("an unserved CRD version was registered")
	}
	if byKind["infra.example.com/v1/Cluster"].Namespaced || byKind["org.example.com/v1/Team"].Namespaced || byKind["org.example.com/v1/Project"].Namespaced {
		t.Error("cluster-scoped types registered as namespaced")
	}
	task := byKind["tasks.example.com/v1/Task"]
	if !task.StatusSubresource || !cmp.Equal(task.SelectableFields, []string{".spec.specField0", ".spec.specField2"}) || !cmp.Equal(task.Categories, []string{"all"}) {
		t.Errorf("Task = %+v", task)
	}
	if byKind["tasks.example.com/v1/Pipeline"].Schema == nil || byKind["org.example.com/v1/Team"].Schema == nil {
		t.Error("seed schemas (wrapped and bare) not read")
	}
	if b1, b2 := byKind["ci.example.com/v1/Build"], byKind["ci.example.com/v2/Build"]; b1.Storage || !b2.Storage {
		t.Errorf("Build storage flags v1=%v v2=%v, want v2 only", b1.Storage, b2.Storage)
	}
	if s := byKind["backup.example.com/v1/Snapshot"]; s.Source != testdata+"/backup/types.yaml" {
		t.Errorf("Snapshot source = %q", s.Source)
	}
	for _, ty := range types {
		if ty.PrintColumns[0].JSONPath != ".metadata.name" && kindString(ty.Kind) != "org.example.com/v1/Team" {
			t.Errorf("%s: first column %+v is not NAME", ty.Kind, ty.PrintColumns[0])
		}
	}
}

func columnNames(t registry.Type) []string {
	var out []string
	for _, c := range t.PrintColumns {
		out = append(out, c.Name)
	}
	return out
}

// TestWarmStartParsesNothing proves a warm start reads only the cache: the
// manifests are overwritten with garbage of the same size and mtime, and
// the types are still all there.
func TestWarmStartParsesNothing(t *testing.T) {
	dir := copyTestdata(t)
	cache := t.TempDir()
	cold := New(Options{Paths: []string{dir}, CacheDir: cache})
	coldTypes, _ := cold.Types()

	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		garbage := []byte(strings.Repeat("}", int(info.Size())))
		if err := os.WriteFile(path, garbage, 0o644); err != nil {
			return err
		}
		return os.Chtimes(path, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}

	warm := New(Options{Paths: []string{dir}, CacheDir: cache})
	warmTypes, _ := warm.Types()
	if got, want := warm.Stats(), (Stats{Files: 20}); got != want {
		t.Errorf("warm Stats = %+v, want %+v", got, want)
	}
	// The cold start hands out the schemas it parsed, the warm one loads
	// them on demand: compare what OpenAPISchema gives.
	if diff := cmp.Diff(withSchemas(t, coldTypes), withSchemas(t, warmTypes), cmpopts.IgnoreUnexported(registry.Type{})); diff != "" {
		t.Errorf("warm types differ from cold ones (-cold +warm):\n%s", diff)
	}
	if diff := cmp.Diff(cold.Warnings(), warm.Warnings()); diff != "" {
		t.Errorf("warm warnings differ (-cold +warm):\n%s", diff)
	}
}

func TestCacheInvalidation(t *testing.T) {
	dir := copyTestdata(t)
	cache := t.TempDir()
	run := func() *Discovery {
		d := New(Options{Paths: []string{dir}, CacheDir: cache})
		mustDiscover(t, d)
		return d
	}
	if got := run().Stats(); got.Parsed != 20 || !got.CacheWritten {
		t.Fatalf("cold Stats = %+v", got)
	}
	inventory := filepath.Join(dir, "inventory.yaml")
	steps := []struct {
		name   string
		change func() error
		want   Stats
		check  func(*Discovery) error
	}{
		{"unchanged", func() error { return nil }, Stats{Files: 20}, nil},
		{"size change", func() error {
			data, err := os.ReadFile(inventory)
			if err != nil {
				return err
			}
			return os.WriteFile(inventory, []byte(strings.Replace(string(data), "shortNames: [item, itm]", "shortNames: [item, itm, it]", 1)), 0o644)
		}, Stats{Files: 20, Parsed: 1, CacheWritten: true}, func(d *Discovery) error {
			md, err := d.GetTypeMetadata(schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"})
			if err != nil || !cmp.Equal(md.ShortNames, []string{"item", "itm", "it"}) {
				return errors.New("the changed manifest was not re-read")
			}
			return nil
		}},
		{"mtime change only", func() error {
			future := time.Now().Add(time.Hour)
			return os.Chtimes(inventory, future, future)
		}, Stats{Files: 20, Parsed: 1, CacheWritten: true}, nil},
		{"file removed", func() error { return os.Remove(inventory) }, Stats{Files: 19, CacheWritten: true}, func(d *Discovery) error {
			// With inventory.yaml gone, the Item of zz-conflicting.yaml is
			// no longer a conflict, and Category is gone.
			md, err := d.GetTypeMetadata(schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"})
			if err != nil || md.Type.Resource != "goods" {
				return errors.New("Item should now come from zz-conflicting.yaml")
			}
			if d.IsPluginType(schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Category"}) {
				return errors.New("a removed manifest's type is still there")
			}
			return nil
		}},
		{"file added", func() error {
			return os.WriteFile(filepath.Join(dir, "new.yml"), []byte("apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nspec:\n  types:\n  - {group: new.example.com, version: v1, kind: Thing, plural: things}\n"), 0o644)
		}, Stats{Files: 20, Parsed: 1, CacheWritten: true}, func(d *Discovery) error {
			if !d.IsPluginType(schema.GroupVersionKind{Group: "new.example.com", Version: "v1", Kind: "Thing"}) {
				return errors.New("an added manifest's type is missing")
			}
			return nil
		}},
	}
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		d := run()
		if got := d.Stats(); got != s.want {
			t.Errorf("%s: Stats = %+v, want %+v", s.name, got, s.want)
		}
		if s.check != nil {
			if err := s.check(d); err != nil {
				t.Errorf("%s: %v", s.name, err)
			}
		}
	}
}

func TestCacheLocation(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	d := New(Options{Paths: []string{testdata}})
	mustDiscover(t, d)
	matches, _ := filepath.Glob(filepath.Join(home, "k1s", "discovery-*.cache"))
	if len(matches) != 1 || !d.Stats().CacheWritten {
		t.Fatalf("cache files under XDG_CACHE_HOME/k1s = %v (written %v), want one", matches, d.Stats().CacheWritten)
	}
	// A different set of paths gets its own cache file.
	other := New(Options{Paths: []string{testdata, t.TempDir()}})
	mustDiscover(t, other)
	if matches, _ := filepath.Glob(filepath.Join(home, "k1s", "discovery-*.cache")); len(matches) != 2 {
		t.Errorf("cache files = %v, want one per path set", matches)
	}
	// No temporary files are left behind.
	if tmps, _ := filepath.Glob(filepath.Join(home, "k1s", "*.tmp-*")); len(tmps) != 0 {
		t.Errorf("temporary files left: %v", tmps)
	}

	off := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	mustDiscover(t, off)
	off2 := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	mustDiscover(t, off2)
	if off.Stats().CacheWritten || off2.Stats().Parsed != 20 {
		t.Errorf("with the cache off: %+v then %+v", off.Stats(), off2.Stats())
	}

	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if got := cachePath("", []string{testdata}); got != "" {
		t.Errorf("cachePath without a user cache dir = %q, want none", got)
	}
}

func TestUnusableCache(t *testing.T) {
	cacheDir := t.TempDir()
	d := New(Options{Paths: []string{testdata}, CacheDir: cacheDir})
	mustDiscover(t, d)
	files, _ := filepath.Glob(filepath.Join(cacheDir, "discovery-*.cache"))
	if len(files) != 1 {
		t.Fatalf("cache files = %v", files)
	}
	cacheFile := files[0]
	data, err := os.ReadFile(cacheFile)
	if err != nil {
		t.Fatal(err)
	}
	// The file is magic, index length, index, schemas.
	size, n := binary.Uvarint(data[len(cacheMagic):])
	schemas := len(cacheMagic) + n + int(size)
	tests := []struct {
		name     string
		content  string
		parsed   int
		warnings int
	}{
		{"torn", string(data[:len(data)/2]), 20, 4},
		{"torn index", string(data[:schemas/2]), 20, 4},
		{"no index length", string(cacheMagic), 20, 4},
		{"other version", strings.Replace(string(data), string(cacheMagic), "k1s-discovery-cache-v1\n", 1), 20, 4},
		{"garbage index", string(data[:len(cacheMagic)+n]) + strings.Repeat("\xff", int(size)) + string(data[schemas:]), 20, 4},
		{"schema out of range", string(data[:schemas]) + "{}", 20, 4},
		{"damaged schema", string(data[:schemas]) + "x" + string(data[schemas+1:]), 0, 5},
	}
	for _, tt := range tests {
		if err := os.WriteFile(cacheFile, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		d := New(Options{Paths: []string{testdata}, CacheDir: cacheDir})
		types, _ := d.Types()
		schemaErrs := 0
		for i := range types {
			if _, err := types[i].OpenAPISchema(); err != nil {
				schemaErrs++
			}
		}
		if schemaErrs != tt.warnings-4 {
			t.Errorf("%s cache: %d schemas failed to load", tt.name, schemaErrs)
		}
		if d.Stats().Parsed != tt.parsed || len(types) != len(wantKinds) || len(d.Warnings()) != tt.warnings {
			t.Errorf("%s cache: parsed %d types %d warnings %v", tt.name, d.Stats().Parsed, len(types), d.Warnings())
		}
	}

	// A cache directory that cannot be created: discovery still works.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d = New(Options{Paths: []string{testdata}, CacheDir: filepath.Join(blocker, "sub")})
	if got := kinds(t, d); len(got) != len(wantKinds) || d.Stats().CacheWritten {
		t.Errorf("unwritable cache: %d kinds, written %v", len(got), d.Stats().CacheWritten)
	}
}

func TestGetTypeMetadata(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	item := schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"}
	md, err := d.GetTypeMetadata(item)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(md.ShortNames, []string{"item", "itm"}) || md.Scope != "Namespaced" || len(md.PrintColumns) != 2 || md.Type.Kind != item {
		t.Errorf("Item metadata = %+v", md)
	}
	md, err = d.GetTypeMetadata(schema.GroupVersionKind{Group: "org.example.com", Version: "v1", Kind: "Team"})
	if err != nil || md.Scope != "Cluster" {
		t.Errorf("Team metadata = %+v, %v", md, err)
	}
	_, err = d.GetTypeMetadata(coretypes.GroupVersion.WithKind("ConfigMap"))
	if !meta.IsNoMatchError(err) {
		t.Errorf("GetTypeMetadata(ConfigMap) error = %v, want a no-match error", err)
	}
	if !d.IsPluginType(item) || d.IsPluginType(coretypes.GroupVersion.WithKind("ConfigMap")) {
		t.Error("IsPluginType is wrong")
	}
}

func TestRegisterTypes(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	widget := schema.GroupVersionKind{Group: "apps.example.com", Version: "v1", Kind: "Widget"}
	item := schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"}

	s := coretypes.NewScheme()
	if err := d.RegisterKinds(s, widget); err != nil {
		t.Fatal(err)
	}
	if !s.Recognizes(widget) || !s.Recognizes(widget.GroupVersion().WithKind("WidgetList")) || s.Recognizes(item) {
		t.Error("RegisterKinds(widget) registered the wrong kinds")
	}
	obj, err := s.New(widget)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := obj.(*unstructured.Unstructured); !ok {
		t.Errorf("scheme.New(Widget) = %T, want *unstructured.Unstructured", obj)
	}
	list, _ := s.New(widget.GroupVersion().WithKind("WidgetList"))
	if _, ok := list.(*unstructured.UnstructuredList); !ok {
		t.Errorf("scheme.New(WidgetList) = %T, want *unstructured.UnstructuredList", list)
	}

	// An application's Go type for a plugin kind wins.
	s.AddKnownTypeWithName(item, &typedItem{})
	if err := d.RegisterTypes(s); err != nil {
		t.Fatal(err)
	}
	if obj, _ := s.New(item); obj == nil {
		t.Error("Item not in the scheme")
	} else if _, ok := obj.(*typedItem); !ok {
		t.Errorf("scheme.New(Item) = %T, want the application's type", obj)
	}
	for _, k := range wantKinds {
		parts := strings.Split(k, "/")
		if gvk := (schema.GroupVersionKind{Group: parts[0], Version: parts[1], Kind: parts[2]}); !s.Recognizes(gvk) {
			t.Errorf("%s not registered", gvk)
		}
	}
	err = d.RegisterKinds(s, widget, coretypes.GroupVersion.WithKind("ConfigMap"))
	if !meta.IsNoMatchError(err) {
		t.Errorf("RegisterKinds(Widget, ConfigMap) error = %v, want a no-match error", err)
	}
}

type typedItem struct{ unstructured.Unstructured }

func (i *typedItem) DeepCopyObject() runtime.Object { return i }

// TestRegistrySource checks the registry consults discovery only when
// built-in types cannot answer.
func TestRegistrySource(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	r := registry.New(d)
	if err := r.Add(coretypes.Types()...); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ResolveOne("cm"); err != nil {
		t.Fatal(err)
	}
	if d.Stats().Files != 0 {
		t.Error("resolving a built-in type scanned the plugin manifests")
	}
	for arg, want := range map[string]string{"itm": "items.inventory.example.com", "wd": "widgets.apps.example.com",
		"snap": "snapshots.backup.example.com", "ex": "extras.extra.example.com"} {
		got, err := r.ResolveOne(arg)
		if err != nil || got.QualifiedResource() != want {
			t.Errorf("ResolveOne(%q) = %v, %v; want %s", arg, got, err, want)
		}
	}
	if got, _ := r.ResolveOne("widgets"); got == nil || got.Kind.Version != "v1" {
		t.Errorf("widgets resolves to %v, want the storage version v1", got)
	}
	if cm, _ := r.ResolveOne("configmaps"); cm == nil || cm.IsPlugin() {
		t.Error("a plugin manifest replaced the built-in ConfigMap")
	}
}

func TestConcurrentUse(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			types, _ := d.Types()
			_ = d.Warnings()
			_, _ = d.GetTypeMetadata(types[0].Kind)
		}()
	}
	wg.Wait()
	if d.Stats().Parsed != 20 {
		t.Errorf("Stats = %+v: the scan ran more than once or not at all", d.Stats())
	}
}

func mustDiscover(t testing.TB, d *Discovery) {
	t.Helper()
	if _, err := d.DiscoverAvailableTypes(); err != nil {
		t.Fatal(err)
	}
}

// TestLazySchemas checks a warm start decodes no schema until asked, and
// Schema decodes only the one asked for.
func TestLazySchemas(t *testing.T) {
	cache := t.TempDir()
	mustDiscover(t, New(Options{Paths: []string{testdata}, CacheDir: cache}))
	d := New(Options{Paths: []string{testdata}, CacheDir: cache})
	decodedSchemas := func() (n int) {
		for _, ct := range d.entries {
			if ct.schema != nil {
				n++
			}
		}
		return n
	}
	mustDiscover(t, d)
	if n := decodedSchemas(); n != 0 {
		t.Errorf("%d schemas decoded by DiscoverAvailableTypes, want 0", n)
	}
	widget := schema.GroupVersionKind{Group: "apps.example.com", Version: "v1", Kind: "Widget"}
	s, err := d.Schema(widget)
	if err != nil || s == nil || s.Properties["spec"].Properties["specField1"].Type != "integer" {
		t.Fatalf("Schema(Widget) = %v, %v", s, err)
	}
	if n := decodedSchemas(); n != 1 {
		t.Errorf("%d schemas decoded after Schema(Widget), want 1", n)
	}
	if again, _ := d.Schema(widget); again != s {
		t.Error("Schema decoded the same schema twice")
	}
	md, err := d.GetTypeMetadata(schema.GroupVersionKind{Group: "apps.example.com", Version: "v1", Kind: "Gadget"})
	if err != nil || md.Type.Schema == nil {
		t.Fatalf("GetTypeMetadata(Gadget) = %+v, %v; want it with its schema", md, err)
	}
	if n := decodedSchemas(); n != 2 {
		t.Errorf("%d schemas decoded after GetTypeMetadata(Gadget), want 2", n)
	}
	if s, err := d.Schema(schema.GroupVersionKind{Group: "inventory.example.com", Version: "v1alpha1", Kind: "Item"}); s != nil || err != nil {
		t.Errorf("Schema(Item) = %v, %v; want none", s, err)
	}
	if _, err := d.Schema(coretypes.GroupVersion.WithKind("Secret")); !meta.IsNoMatchError(err) {
		t.Errorf("Schema(Secret) error = %v, want a no-match error", err)
	}
	// Types decodes nothing: each type loads its own schema when read
	// through the registry.
	types, _ := d.Types()
	if n := decodedSchemas(); n != 2 {
		t.Errorf("%d schemas decoded after Types, want still 2", n)
	}
	r := registry.New(nil)
	if err := r.Add(types...); err != nil {
		t.Fatal(err)
	}
	route, err := r.TypeFor(schema.GroupVersionKind{Group: "net.example.com", Version: "v1", Kind: "Route"})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := route.OpenAPISchema(); err != nil || s == nil {
		t.Fatalf("Route schema = %v, %v", s, err)
	}
	if n := decodedSchemas(); n != 3 {
		t.Errorf("%d schemas decoded after reading Route's, want 3", n)
	}
	if all := withSchemas(t, types); len(all) != len(types) {
		t.Fatal("lost types")
	}
	if n := decodedSchemas(); n != 18 {
		t.Errorf("%d schemas decoded after reading all, want 18", n)
	}
}

// withSchemas returns types with every schema loaded into Schema.
func withSchemas(t *testing.T, types []registry.Type) []registry.Type {
	t.Helper()
	out := make([]registry.Type, len(types))
	for i := range types {
		out[i] = types[i]
		s, err := out[i].OpenAPISchema()
		if err != nil {
			t.Fatalf("%s: %v", out[i].Kind, err)
		}
		out[i].Schema, out[i].LoadSchema = s, nil
	}
	return out
}
