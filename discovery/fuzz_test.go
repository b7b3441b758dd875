package discovery

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/k1s-dev/k1s/coretypes"
)

// FuzzParseManifest checks that no file content makes the manifest parser
// panic or yield a type the registry would refuse, and that conflict
// resolution copes with whatever it yields.
func FuzzParseManifest(f *testing.F) {
	for _, name := range []string{"inventory.yaml", "plugin-tasks.yaml", "plugin-projects.yaml", "backup/types.yaml", "zz-conflicting.yaml", "broken.yaml"} {
		data, err := os.ReadFile(filepath.Join(testdata, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(crdDoc("things.g.example.com", goodCRDSpec)))
	f.Add([]byte(crdDoc("things.g.example.com", "  group: g.example.com\n  scope: Cluster\n  names: {plural: things, kind: Thing}\n  versions:\n  - name: v1\n    served: true\n    additionalPrinterColumns: [{name: A, type: string, jsonPath: .a}]\n    schema: {openAPIV3Schema: {type: object}}\n")))
	f.Add([]byte(seedHeader + "  - {group: a, version: v1, kind: A, plural: as, schema: {type: object}, selectableFields: [.x]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 8192 {
			return
		}
		p := parseFile("fuzz.yaml", data)
		for i := range p.types {
			ty := &p.types[i]
			if msg := checkType(ty); msg != "" {
				t.Fatalf("parser yielded an invalid type %+v: %s", ty, msg)
			}
			if ty.Source != "fuzz.yaml" || len(ty.PrintColumns) == 0 {
				t.Fatalf("type without source or columns: %+v", ty)
			}
		}
		e := newEntry(manifestFile{path: "fuzz.yaml"}, p)
		accepted, _ := resolve(coretypes.Types(), []*fileEntry{e, e})
		if len(accepted) > len(p.types) {
			t.Fatalf("resolve accepted %d types of %d", len(accepted), len(p.types))
		}
	})
}
