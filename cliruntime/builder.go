package cliruntime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/codec"
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
	// FieldValidation says what a field given twice in an object does:
	// Strict (or "") fails the read, Warn keeps the last and passes
	// each to Warn, Ignore keeps the last silently — the command's
	// --validate, as the API server's strict decoding treats duplicates.
	FieldValidation string
	// Warn receives Warn's warnings; nil drops them.
	Warn func(string)
}

// Read reads every object named by the options: files, directories
// (their .json, .yaml and .yml files; sub-directories too with
// Recursive) and "-" for stdin. Multi-document YAML and List kinds are
// flattened. Errors name the file and document.
func (o *FilenameOptions) Read(stdin io.Reader) ([]Info, error) {
	var infos []Info
	for _, name := range o.Filenames {
		if name == "-" {
			objs, err := o.decode(stdin, "STDIN")
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
			objs, err := o.decode(bytes.NewReader(data), f)
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

// DecodeStream reads multi-document YAML or JSON into objects, as
// codec.DecodeStream does (empty documents skipped, List kinds flattened,
// apiVersion and kind required, errors naming source, line, document and
// field), except that any bad document fails the whole stream: a request
// with an invalid object writes nothing.
func DecodeStream(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	objs, err := codec.DecodeStream(r, source)
	if err != nil {
		return nil, err
	}
	return objs, nil
}

// decode is DecodeStream with duplicate fields treated as FieldValidation
// says.
func (o *FilenameOptions) decode(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	objs, err := codec.DecodeStream(r, source)
	if err == nil || !codec.IsStrict(err) {
		return objs, err
	}
	switch o.FieldValidation {
	case metav1.FieldValidationIgnore:
		return objs, nil
	case metav1.FieldValidationWarn:
		for _, e := range unwrapJoined(err) {
			var de *codec.DecodeError
			if errors.As(e, &de) && o.Warn != nil {
				for _, s := range de.Strict {
					o.Warn(s)
				}
			}
		}
		return objs, nil
	}
	return nil, err
}

func unwrapJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
