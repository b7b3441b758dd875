package discovery

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/k1s-dev/k1s/registry"
)

// cacheVersion changes whenever the cache layout or the meaning of parsed
// types changes, so that an old cache is ignored rather than misread.
const cacheVersion = 4

// cacheMagic starts every cache file; its last bytes are the version.
var cacheMagic = []byte("k1s-discovery-cache-v" + strconv.Itoa(cacheVersion) + "\n")

// The cache file is cacheMagic, the length of the index (a uvarint), the
// index (encodeIndex), then the raw JSON schemas back to back, which index
// entries point into. Keeping schemas out of the index means a warm start
// decodes a few kilobytes, not every schema: schemas are the bulk of the
// file and are decoded only when types are handed out.

// fileEntry is what one manifest file yielded, keyed by its path, size and
// modification time.
type fileEntry struct {
	Path     string
	Size     int64
	ModTime  int64
	Types    []cachedType
	Warnings []string
}

// cachedType is a registry.Type (with Schema nil) and its schema as raw
// JSON, decoded on demand.
type cachedType struct {
	registry.Type
	// SchemaOffset and SchemaLength locate the raw schema after the index in
	// the cache file.
	SchemaOffset int
	SchemaLength int

	rawSchema []byte
	// schema is the decoded schema: just parsed, or decoded on demand.
	schema *apiextensionsv1.JSONSchemaProps
	// schemaErr says why rawSchema could not be decoded.
	schemaErr error
}

func (e *fileEntry) matches(f manifestFile) bool {
	return e.Path == f.path && e.Size == f.size && e.ModTime == f.modTime
}

// cachePath returns the cache file for a set of plugin paths, or "" when
// caching is off.
func cachePath(dir string, paths []string) string {
	if dir == "-" {
		return ""
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "k1s")
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		abs[i] = p
	}
	sum := sha256.Sum256([]byte(strings.Join(abs, "\x00")))
	return filepath.Join(dir, "discovery-"+hex.EncodeToString(sum[:8])+".cache")
}

// readCache returns the entries of the cache file by path; a missing,
// unreadable, damaged or outdated cache is simply empty.
func readCache(path string) map[string]*fileEntry {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if !bytes.HasPrefix(data, cacheMagic) {
		return nil
	}
	data = data[len(cacheMagic):]
	size, n := binary.Uvarint(data)
	if n <= 0 || size > uint64(len(data)-n) {
		return nil
	}
	files, err := decodeIndex(data[n : n+int(size)])
	if err != nil {
		return nil
	}
	blob := data[n+int(size):]
	out := make(map[string]*fileEntry, len(files))
	for i := range files {
		e := &files[i]
		for j := range e.Types {
			ct := &e.Types[j]
			if ct.SchemaLength == 0 {
				continue
			}
			if ct.SchemaOffset < 0 || ct.SchemaLength < 0 || ct.SchemaOffset+ct.SchemaLength > len(blob) {
				return nil
			}
			ct.rawSchema = blob[ct.SchemaOffset : ct.SchemaOffset+ct.SchemaLength]
		}
		out[e.Path] = e
	}
	return out
}

// writeCache replaces the cache file atomically: concurrent k1s processes
// see either the old or the new cache, never a torn one.
func writeCache(path string, entries []*fileEntry) error {
	files := make([]fileEntry, len(entries))
	var blob bytes.Buffer
	for i, e := range entries {
		files[i] = *e
		files[i].Types = slices.Clone(e.Types)
		for j := range files[i].Types {
			ct := &files[i].Types[j]
			ct.SchemaOffset, ct.SchemaLength = 0, 0
			if len(ct.rawSchema) > 0 {
				ct.SchemaOffset, ct.SchemaLength = blob.Len(), len(ct.rawSchema)
				blob.Write(ct.rawSchema)
			}
		}
	}
	index := encodeIndex(files)
	head := binary.AppendUvarint(append([]byte(nil), cacheMagic...), uint64(len(index)))
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(head)
	if err == nil {
		_, err = tmp.Write(index)
	}
	if err == nil {
		_, err = tmp.Write(blob.Bytes())
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// newEntry turns a parsed file into a cache entry.
func newEntry(f manifestFile, p parsed) *fileEntry {
	e := &fileEntry{Path: f.path, Size: f.size, ModTime: f.modTime, Warnings: p.warnings}
	for _, t := range p.types {
		ct := cachedType{Type: t}
		if t.Schema != nil {
			// A JSONSchemaProps always marshals.
			ct.rawSchema, _ = json.Marshal(t.Schema)
			ct.schema, ct.Schema = t.Schema, nil
		}
		e.Types = append(e.Types, ct)
	}
	return e
}
