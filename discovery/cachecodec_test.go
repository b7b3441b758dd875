package discovery

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/k1s-dev/k1s/registry"
)

// TestCacheCodecCoversTypes fails when registry.Type or PrintColumn gains
// a field: encodeIndex and decodeIndex must then carry it, and
// cacheVersion must change. Schema is stored apart, after the index;
// LoadSchema and lazy exist only at run time; NoGeneration is never set on
// plugin types, which are custom resources and always have a generation;
// CustomResource is set only by CRDTypes on compiled-in types (a cached
// plugin type is a custom resource by its Source).
func TestCacheCodecCoversTypes(t *testing.T) {
	encoded := map[reflect.Type][]string{
		reflect.TypeFor[registry.Type](): {"Kind", "Resource", "Singular", "ShortNames", "Categories", "Namespaced", "ListKind",
			"PrintColumns", "StatusSubresource", "SelectableFields", "Schema", "LoadSchema", "Storage", "NoGeneration", "Source", "CustomResource", "lazy"},
		reflect.TypeFor[registry.PrintColumn](): {"Name", "Type", "Format", "Description", "JSONPath", "Priority"},
	}
	for typ, want := range encoded {
		var got []string
		for i := range typ.NumField() {
			got = append(got, typ.Field(i).Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s fields changed; update the cache codec and bump cacheVersion (-encoded +now):\n%s", typ, diff)
		}
	}
}

func TestCacheCodecRoundTrip(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	mustDiscover(t, d)
	files := []fileEntry{{Path: "empty.yaml", Size: 0, ModTime: -5}}
	for _, ct := range d.entries {
		c := *ct
		c.SchemaOffset, c.SchemaLength = 7, 300
		files = append(files, fileEntry{Path: c.Source, Size: 123, ModTime: 1 << 60, Types: []cachedType{c}, Warnings: []string{"w"}})
	}
	got, err := decodeIndex(encodeIndex(files))
	if err != nil {
		t.Fatal(err)
	}
	opts := []cmp.Option{cmp.AllowUnexported(cachedType{}), cmpopts.IgnoreFields(cachedType{}, "rawSchema", "schema", "schemaErr"),
		cmpopts.IgnoreUnexported(registry.Type{}),
		cmpopts.IgnoreTypes(&apiextensionsv1.JSONSchemaProps{})}
	if diff := cmp.Diff(files, got, opts...); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeIndexCorrupt(t *testing.T) {
	d := New(Options{Paths: []string{testdata}, CacheDir: "-"})
	mustDiscover(t, d)
	var files []fileEntry
	for _, ct := range d.entries {
		files = append(files, fileEntry{Path: ct.Source, Types: []cachedType{*ct}})
	}
	good := encodeIndex(files)
	// Every truncation and one trailing byte too many are refused, never
	// a panic.
	for i := range good {
		if _, err := decodeIndex(good[:i]); err == nil {
			t.Fatalf("decodeIndex of %d of %d bytes: no error", i, len(good))
		}
	}
	if _, err := decodeIndex(append(good, 0)); err == nil {
		t.Error("decodeIndex with a trailing byte: no error")
	}
	if _, err := decodeIndex([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}); err == nil {
		t.Error("decodeIndex of a huge count: no error")
	}
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add(encodeIndex([]fileEntry{{Path: "a", Types: []cachedType{{Type: registry.Type{Resource: "x", PrintColumns: []registry.PrintColumn{{Name: "N"}}}}}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := decodeIndex(data)
		if err != nil {
			return
		}
		if again, err := decodeIndex(encodeIndex(files)); err != nil || !cmp.Equal(files, again, cmp.AllowUnexported(cachedType{}), cmpopts.IgnoreUnexported(registry.Type{})) {
			t.Fatalf("re-encoding a decoded index changed it: %v", err)
		}
	})
}
