// Command corpus writes the generated cases of kubetypes' validation
// test: for every kind kubetypes registers, an object with nothing but a
// name ("<resource>.empty") and one whose required structs and lists are
// present but empty, recursively ("<resource>.skeleton"), so that every
// required field the schema names is missing somewhere. With the
// hand-written cases (testdata/validation/cases/*.hand.json) they are
// sent to a real API server by testdata/validation/capture.sh, and the
// test compares its answers with kubetypes.Validate's.
//
// Run it from the kubetypes directory:
//
//	go run ./internal/corpus
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/k1s-dev/k1s/kubetypes"
)

const dir = "testdata/validation"

func main() {
	log.SetFlags(0)
	s := kubetypes.NewScheme()
	cases := filepath.Join(dir, "cases")
	old, _ := filepath.Glob(filepath.Join(cases, "*.gen.json"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.MkdirAll(cases, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, t := range kubetypes.Types() {
		obj, err := s.New(t.Kind)
		if err != nil {
			log.Fatal(err)
		}
		head := map[string]any{"apiVersion": t.Kind.GroupVersion().String(), "kind": t.Kind.Kind, "metadata": map[string]any{"name": "kt-v"}}
		write(filepath.Join(cases, t.QualifiedResource()+".empty.gen.json"), head)
		skel := skeleton(reflect.TypeOf(obj).Elem(), 0)
		for k, v := range head {
			skel[k] = v
		}
		write(filepath.Join(cases, t.QualifiedResource()+".skeleton.gen.json"), skel)
	}
	// The index maps each case, hand-written ones included, to where it
	// is created: derived from its apiVersion and kind.
	files, _ := filepath.Glob(filepath.Join(cases, "*.json"))
	sort.Strings(files)
	paths := map[string]string{}
	for _, t := range kubetypes.Types() {
		prefix := "/apis/" + t.Kind.GroupVersion().String()
		if t.Kind.Group == "" {
			prefix = "/api/v1"
		}
		if t.Namespaced {
			prefix += "/namespaces/kt-probe"
		}
		paths[t.Kind.GroupVersion().String()+"/"+t.Kind.Kind] = prefix + "/" + t.Resource
	}
	var index []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		var head struct{ APIVersion, Kind string }
		if err := json.Unmarshal(data, &head); err != nil {
			log.Fatalf("%s: %v", f, err)
		}
		p, ok := paths[head.APIVersion+"/"+head.Kind]
		if !ok {
			log.Fatalf("%s: %s %s is not a kubetypes kind", f, head.APIVersion, head.Kind)
		}
		index = append(index, strings.TrimSuffix(filepath.Base(f), ".json")+" "+p)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.txt"), []byte(strings.Join(index, "\n")+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
}

func write(path string, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// skeleton returns the JSON form of struct type t with every field of
// struct or list-of-struct type present (a list with one element),
// recursively, and no other field: each struct is there to be checked,
// with its own fields missing. Metadata and status are left out.
func skeleton(t reflect.Type, depth int) map[string]any {
	out := map[string]any{}
	if depth > 8 {
		return out
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" || name == "metadata" || name == "status" {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Struct {
				for k, v := range skeleton(ft, depth+1) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			continue
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(unmarshaler):
			out[name] = skeleton(ft, depth+1)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && !reflect.PointerTo(ft.Elem()).Implements(unmarshaler):
			out[name] = []any{skeleton(ft.Elem(), depth+1)}
		}
	}
	return out
}

func init() {
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintln(os.Stderr, "run from the kubetypes directory")
		os.Exit(2)
	}
}
