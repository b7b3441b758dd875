package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/k1s-dev/k1s/registry"
)

// cacheVersion changes whenever the cache layout or the meaning of parsed
// types changes, so that an old cache is ignored rather than misread.
const cacheVersion = 1

type cacheFile struct {
	Version int         `json:"version"`
	Files   []fileEntry `json:"files"`
}

// fileEntry is what one manifest file yielded, keyed by its path, size and
// modification time.
type fileEntry struct {
	Path     string       `json:"path"`
	Size     int64        `json:"size"`
	ModTime  int64        `json:"mtime"`
	Types    []cachedType `json:"types,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
}

// cachedType is a registry.Type whose schema stays raw JSON until it is
// needed: decoding every schema is the bulk of reading a warm cache.
type cachedType struct {
	registry.Type
	// RawSchema shadows Type.Schema in JSON.
	RawSchema json.RawMessage `json:"schema,omitempty"`
	// schema is the decoded schema when the manifest was just parsed.
	schema *apiextensionsv1.JSONSchemaProps
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
	return filepath.Join(dir, "discovery-"+hex.EncodeToString(sum[:8])+".json")
}

// readCache returns the entries of the cache file by path; a missing,
// unreadable or outdated cache is simply empty.
func readCache(path string) map[string]*fileEntry {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var c cacheFile
	if json.Unmarshal(data, &c) != nil || c.Version != cacheVersion {
		return nil
	}
	out := make(map[string]*fileEntry, len(c.Files))
	for i := range c.Files {
		out[c.Files[i].Path] = &c.Files[i]
	}
	return out
}

// writeCache replaces the cache file atomically: concurrent k1s processes
// see either the old or the new cache, never a torn one.
func writeCache(path string, entries []*fileEntry) error {
	c := cacheFile{Version: cacheVersion, Files: make([]fileEntry, len(entries))}
	for i, e := range entries {
		c.Files[i] = *e
	}
	data, err := json.Marshal(&c)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}

// newEntry turns a parsed file into a cache entry.
func newEntry(f manifestFile, p parsed) *fileEntry {
	e := &fileEntry{Path: f.path, Size: f.size, ModTime: f.modTime, Warnings: p.warnings}
	for _, t := range p.types {
		ct := cachedType{Type: t}
		if t.Schema != nil {
			// A JSONSchemaProps always marshals.
			ct.RawSchema, _ = json.Marshal(t.Schema)
			ct.schema, ct.Schema = t.Schema, nil
		}
		e.Types = append(e.Types, ct)
	}
	return e
}
