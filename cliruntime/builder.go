package cliruntime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Info is one object read from a file, with where it came from.
type Info struct {
	Object *unstructured.Unstructured
	// Source is the file name, or "STDIN".
	Source string
}

// fileExtensions are the extensions read from directories, as kubectl.
var fileExtensions = []string{".json", ".yaml", ".yml"}

// FilenameOptions are the -f and -R flags.
type FilenameOptions struct {
	Filenames []string
	Recursive bool
}

// Read reads every object named by the options: files, directories
// (their .json, .yaml and .yml files; sub-directories too with
// Recursive) and "-" for stdin. Multi-document YAML and List kinds are
// flattened. Errors name the file and document.
func (o *FilenameOptions) Read(stdin io.Reader) ([]Info, error) {
	var infos []Info
	for _, name := range o.Filenames {
		if name == "-" {
			objs, err := DecodeStream(stdin, "STDIN")
			if err != nil {
				return nil, err
			}
			infos = appendInfos(infos, objs, "STDIN")
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("the path %q does not exist", name)
			}
			return nil, err
		}
		files := []string{name}
		if fi.IsDir() {
			if files, err = o.walk(name); err != nil {
				return nil, err
			}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			objs, err := DecodeStream(bytes.NewReader(data), f)
			if err != nil {
				return nil, err
			}
			infos = appendInfos(infos, objs, f)
		}
	}
	return infos, nil
}

func appendInfos(infos []Info, objs []*unstructured.Unstructured, source string) []Info {
	for _, u := range objs {
		infos = append(infos, Info{Object: u, Source: source})
	}
	return infos
}

func (o *FilenameOptions) walk(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && !o.Recursive {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		for _, e := range fileExtensions {
			if ext == e {
				files = append(files, path)
				break
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// DecodeStream reads multi-document YAML or JSON into objects: empty
// documents are skipped, List kinds are flattened, every object needs
// apiVersion and kind. Errors name source and document number.
func DecodeStream(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		data, err := reader.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("error reading %s: document %d: %w", source, doc, err)
		}
		if len(bytes.TrimSpace(stripComments(data))) == 0 {
			continue
		}
		jsonData, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, fmt.Errorf("error parsing %s: document %d: %w", source, doc, err)
		}
		if string(jsonData) == "null" {
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(jsonData))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("error parsing %s: document %d: the document is not an object: %w", source, doc, err)
		}
		objs, err := flatten(obj, source, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func stripComments(data []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func flatten(obj map[string]any, source string, doc int) ([]*unstructured.Unstructured, error) {
	obj = fromJSONNumbers(obj).(map[string]any)
	u := &unstructured.Unstructured{Object: obj}
	if u.GetAPIVersion() == "" {
		return nil, fmt.Errorf("error validating %q: document %d: apiVersion not set", source, doc)
	}
	if u.GetKind() == "" {
		return nil, fmt.Errorf("error validating %q: document %d: kind not set", source, doc)
	}
	if !u.IsList() {
		return []*unstructured.Unstructured{u}, nil
	}
	items, _, _ := unstructured.NestedSlice(obj, "items")
	var out []*unstructured.Unstructured
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("error validating %q: document %d: items of %s must be objects", source, doc, u.GetKind())
		}
		objs, err := flatten(m, source, doc)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// fromJSONNumbers turns json.Number into int64 or float64, the types
// unstructured content may hold.
func fromJSONNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = fromJSONNumbers(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = fromJSONNumbers(e)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
