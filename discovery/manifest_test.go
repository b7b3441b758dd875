package discovery

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const seedHeader = "apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nmetadata: {name: p}\nspec:\n  types:\n"

func crdDoc(name, spec string) string {
	return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: " + name + "}\nspec:\n" + spec
}

const goodCRDSpec = `  group: g.example.com
  scope: Namespaced
  names: {plural: things, kind: Thing}
  versions:
  - {name: v1, served: true, storage: true}
`

func TestParseFile(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		kinds    []string
		warnings []string
	}{
		{
			name:  "other kinds and documents without kind are skipped silently",
			in:    "replicas: 3\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n" + seedHeader + "  - {group: a.example.com, version: v1, kind: A, plural: as}\n",
			kinds: []string{"a.example.com/v1/A"},
		},
		{
			name:     "unsupported apiVersions",
			in:       "apiVersion: k1s.io/v2\nkind: PluginTypeManifest\nmetadata: {name: p}\n---\napiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: c}\n",
			warnings: []string{`f.yaml: PluginTypeManifest "p": unsupported apiVersion "k1s.io/v2"; use k1s.io/v1alpha1`, `f.yaml: CustomResourceDefinition "c": unsupported apiVersion "apiextensions.k8s.io/v1beta1"; use apiextensions.k8s.io/v1`},
		},
		{
			name: "seed type problems",
			in: seedHeader + `  - {group: a.example.com, version: v1, kind: A, plural: as, shortname: a}
  - {group: a.example.com, version: v1, kind: B}
  - {group: a.example.com, version: v1, kind: C, plural: Cs}
  - {group: a.example.com, version: v1, kind: D, plural: ds, singular: D}
  - {group: a.example.com, version: v1, kind: E, plural: es, shortNames: [E]}
  - {group: a.example.com, version: v1, kind: F, plural: fs, printColumns: [{name: X}]}
  - {group: a.example.com, version: v1, kind: G, plural: gs, scope: Global}
  - {group: a.example.com, version: v1, kind: H, plural: hs, scope: Cluster, namespaced: true}
  - {group: a.example.com, version: v1, kind: I, plural: is, schema: {type: 5}}
  - {group: a.example.com, kind: J, plural: js}
  - {group: a.example.com, version: v1, plural: ks}
  - {group: a.example.com, version: v1, kind: L, plural: ls, scope: Cluster}
  - {group: a.example.com, version: v1, kind: M, plural: ms, namespaced: false, scope: Cluster}
  - {group: a.example.com, version: v1, kind: Nn, plural: nns, schema: null, selectableFields: [{jsonPath: .spec.x}, .spec.y]}
  - {group: a.example.com, version: v1, kind: O, plural: os, schema: {openAPIV3Schema: {type: 5}}}
`,
			kinds: []string{"a.example.com/v1/A", "a.example.com/v1/L", "a.example.com/v1/M", "a.example.com/v1/Nn"},
			warnings: []string{
				`f.yaml: PluginTypeManifest "p": unknown field "spec.types[0].shortname"`,
				`f.yaml: PluginTypeManifest "p": spec.types[1] (B): plural is required; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[2] (C): plural "Cs" must be lower-case; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[3] (D): singular "D" must be lower-case; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[4] (E): short name "E" must be lower-case and not empty; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[5] (F): print column "X" needs a name and a jsonPath; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[6] (G): scope must be Namespaced or Cluster, not "Global"; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[7] (H): namespaced: true contradicts scope: Cluster; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[8] (I): schema: json: cannot unmarshal number into Go struct field JSONSchemaProps.type of type string; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[9] (J): version is required; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[10]: kind is required; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[14] (O): schema: json: cannot unmarshal number into Go struct field JSONSchemaProps.openAPIV3Schema.type of type string; the type is ignored`,
			},
		},
		{
			// Each name is one key segment and no plugin type can alias the
			// core group, k1s's own group, or another tenant's keys.
			name: "groups and plurals that are not key segments",
			in: seedHeader + `  - {group: core, version: v1, kind: Secret, plural: secrets}
  - {group: secrets, version: v1, kind: A, plural: default}
  - {group: "", version: v1, kind: B, plural: bs}
  - {group: k1s.io, version: v1, kind: Dependent, plural: dependents}
  - {group: x.k1s.io, version: v1, kind: C, plural: cs}
  - {group: a/b.example.com, version: v1, kind: D, plural: ds}
  - {group: e.example.com, version: v1, kind: E, plural: e.s}
  - {group: f.example.com, version: v1, kind: F, plural: 9fs}
  - {group: k1s.io.example.com, version: v1, kind: G, plural: gs}
`,
			kinds: []string{"k1s.io.example.com/v1/G"},
			warnings: []string{
				`f.yaml: PluginTypeManifest "p": spec.types[0] (Secret): group "core": should be a domain with at least one dot; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[1] (A): group "secrets": should be a domain with at least one dot; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[2] (B): group is required: plugin types cannot join the core group; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[3] (Dependent): group "k1s.io" is reserved for k1s's own resources; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[4] (C): group "x.k1s.io" is reserved for k1s's own resources; the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[5] (D): group "a/b.example.com": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'); the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[6] (E): plural "e.s": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'); the type is ignored`,
				`f.yaml: PluginTypeManifest "p": spec.types[7] (F): plural "9fs": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'); the type is ignored`,
			},
		},
		{
			name:     "seed manifest of the wrong shape",
			in:       "apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nmetadata: {name: p}\nspec: {types: 3}\n",
			warnings: []string{`f.yaml: PluginTypeManifest "p": json: cannot unmarshal number into Go struct field .spec.types of type []discovery.pluginType`},
		},
		{
			name:  "good CRD",
			in:    crdDoc("things.g.example.com", goodCRDSpec),
			kinds: []string{"g.example.com/v1/Thing"},
		},
		{
			name: "CRD problems",
			in: crdDoc("a", "  scope: Regional\n  names: {}\n") + "---\n" +
				crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: things, kind: Thing}\n  versions:\n  - {name: v1, served: true, storage: true}\n  - {name: v2, served: true, storage: true}\n") + "---\n" +
				crdDoc("wrong", goodCRDSpec) + "---\n" +
				crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: things, kind: Thing}\n  versions: 3\n") + "---\n" +
				crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: things, kind: Thing, shortNames: [T]}\n  versions:\n  - {name: v1, served: true, storage: true}\n"),
			warnings: []string{
				`f.yaml: CustomResourceDefinition "a": spec.group is required; spec.names.kind is required; spec.names.plural is required; spec.scope must be Namespaced or Cluster, not "Regional"; spec.versions must list at least one version; the CRD is ignored`,
				`f.yaml: CustomResourceDefinition "things.g.example.com": spec.versions must have exactly one storage version; the CRD is ignored`,
				`f.yaml: CustomResourceDefinition "wrong": metadata.name must be "things.g.example.com" (spec.names.plural.spec.group); the CRD is ignored`,
				`f.yaml: CustomResourceDefinition "things.g.example.com": spec.versions: must be a list, not a number`,
				`f.yaml: CustomResourceDefinition "things.g.example.com": spec.versions[0] (v1): short name "T" must be lower-case and not empty; the version is ignored`,
			},
		},
		{
			name: "CRD with an unserved storage version and a single unmarked version",
			in: crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: things, kind: Thing}\n  versions:\n  - {name: v1, served: false, storage: true}\n  - {name: v2, served: true, storage: false}\n") + "---\n" +
				crdDoc("others.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: others, kind: Other}\n  versions:\n  - {name: v1, served: true}\n"),
			kinds: []string{"g.example.com/v2/Thing", "g.example.com/v1/Other"},
		},
		{
			name:     "broken YAML",
			in:       seedHeader + "  - group: a\n     kind: x\n",
			warnings: []string{"f.yaml:7: document 1: invalid YAML: mapping values are not allowed in this context"},
		},
		{
			name:     "bad metadata is a warning",
			in:       "apiVersion: k1s.io/v1alpha1\nkind: PluginTypeManifest\nmetadata: {name: 3}\n",
			warnings: []string{"f.yaml:3: document 1: metadata.name: must be a string, not an integer (3)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseFile("f.yaml", []byte(tt.in))
			var got []string
			for _, ty := range p.types {
				got = append(got, kindString(ty.Kind))
			}
			if diff := cmp.Diff(tt.kinds, got); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, p.warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFileDefaults(t *testing.T) {
	p := parseFile("f.yaml", []byte(seedHeader+`  - group: a.example.com
    version: v1
    kind: Gizmo
    plural: gizmos
    selectableFields: [{jsonPath: .spec.x}, .spec.y]
    storage: false
  - {group: a.example.com, version: v2, kind: Gizmo, plural: gizmos}
  - {group: a.example.com, version: v3, kind: Gizmo, plural: gizmos}
`))
	if len(p.types) != 3 || len(p.warnings) != 0 {
		t.Fatalf("types %v warnings %v", p.types, p.warnings)
	}
	g := p.types[0]
	if g.Singular != "gizmo" || g.ListKind != "GizmoList" || !g.Namespaced || g.Storage ||
		!cmp.Equal(g.SelectableFields, []string{".spec.x", ".spec.y"}) {
		t.Errorf("defaults: %+v", g)
	}
	if !p.types[1].Storage || p.types[2].Storage {
		t.Errorf("storage: v2 %v v3 %v, want the first version not marked otherwise", p.types[1].Storage, p.types[2].Storage)
	}
}

func TestResolveDuplicates(t *testing.T) {
	dir := t.TempDir()
	thing := "  - {group: a.example.com, version: v1, kind: Thing, plural: things}\n"
	files := map[string]string{
		"a.yaml": seedHeader + thing + thing,
		"b.yaml": seedHeader + thing + "  - {group: a.example.com, version: v2, kind: Thing, plural: things}\n",
		"c.yaml": seedHeader + "  - {group: a.example.com, version: v3, kind: Thing, plural: things, scope: Cluster}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := New(Options{Paths: []string{dir}, CacheDir: "-"})
	types, _ := d.Types()
	var got []string
	for _, ty := range types {
		got = append(got, ty.Kind.Version+" storage="+map[bool]string{true: "yes", false: "no"}[ty.Storage]+" "+filepath.Base(ty.Source))
	}
	want := []string{"v1 storage=yes a.yaml", "v2 storage=no b.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("types (-want +got):\n%s", diff)
	}
	wantWarnings := []string{
		dir + "/a.yaml: kind a.example.com/v1/Thing is declared twice; the first declaration is used",
		dir + "/c.yaml: resource things.a.example.com (kind Thing, cluster-scoped) conflicts with " + dir + "/a.yaml (kind Thing, namespaced); it is ignored",
	}
	if diff := cmp.Diff(wantWarnings, d.Warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestScan(t *testing.T) {
	root := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"b.yaml", "a.YML", "c.json", "notes.txt", ".hidden.yaml", "p/z.yaml", "p/deep/no.yaml", ".git/x.yaml", "single.yaml"} {
		write(f)
	}
	if err := os.Symlink(filepath.Join(root, "b.yaml"), filepath.Join(root, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "missing"), filepath.Join(root, "dangling.yaml")); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(root, "b.yaml", "sub")
	files, warnings := scan([]string{root, filepath.Join(root, "single.yaml"), filepath.Join(root, "absent"), notDir})
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(root, f.path)
		got = append(got, rel)
	}
	want := []string{"a.YML", "b.yaml", "c.json", "link.yaml", "single.yaml", "p/z.yaml"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "dangling.yaml") || !strings.Contains(warnings[1], notDir) {
		t.Errorf("warnings = %v, want the dangling link and the path under a file", warnings)
	}
}

func TestDefaultPaths(t *testing.T) {
	root := t.TempDir()
	project := filepath.Join(root, "proj")
	work := filepath.Join(project, "src", "pkg")
	if err := os.MkdirAll(filepath.Join(project, ".k1s", "plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(root, "config")
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("K1S_PLUGIN_PATH", "/opt/a"+string(filepath.ListSeparator)+"/opt/b"+string(filepath.ListSeparator)+"/opt/a")
	want := []string{"/opt/a", "/opt/b", filepath.Join(project, ".k1s", "plugins"), filepath.Join(config, "k1s", "plugins")}
	if diff := cmp.Diff(want, DefaultPaths(work)); diff != "" {
		t.Errorf("DefaultPaths (-want +got):\n%s", diff)
	}
	t.Setenv("K1S_PLUGIN_PATH", "")
	want = []string{filepath.Join(config, "k1s", "plugins")}
	if diff := cmp.Diff(want, DefaultPaths(root)); diff != "" {
		t.Errorf("DefaultPaths without a project (-want +got):\n%s", diff)
	}
}

// TestImportWeight keeps discovery (and so the CoreClient) free of the API
// server, client-go's clientsets and controller-runtime: decoding CRDs
// with apiextensions' Go types must not drag them in.
func TestImportWeight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"k8s.io/apiserver", "k8s.io/client-go/kubernetes", "sigs.k8s.io/controller-runtime",
			"k8s.io/apiextensions-apiserver/pkg/apiserver", "k8s.io/apiextensions-apiserver/pkg/client", "github.com/tetratelabs/wazero", "github.com/google/cel-go"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("discovery depends on %s", pkg)
			}
		}
	}
}
