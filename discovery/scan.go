package discovery

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultPaths returns the plugin directories k1s scans, in precedence
// order: the entries of K1S_PLUGIN_PATH (separated by the OS path list
// separator), the nearest .k1s/plugins directory from workDir upward, then
// the per-user directory (os.UserConfigDir()/k1s/plugins). Directories
// that do not exist are left in (except the project one, which is searched
// for): a missing directory costs one stat and yields nothing.
func DefaultPaths(workDir string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" || seen[p] {
			return
		}
		seen[p] = true
		out = append(out, p)
	}
	for _, p := range filepath.SplitList(os.Getenv("K1S_PLUGIN_PATH")) {
		add(p)
	}
	if dir, err := filepath.Abs(workDir); err == nil {
		for {
			candidate := filepath.Join(dir, ".k1s", "plugins")
			if st, err := os.Stat(candidate); err == nil && st.IsDir() {
				add(candidate)
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if cfg, err := os.UserConfigDir(); err == nil {
		add(filepath.Join(cfg, "k1s", "plugins"))
	}
	return out
}

// manifestFile is a file found by a scan.
type manifestFile struct {
	path    string
	size    int64
	modTime int64 // nanoseconds since the epoch
}

func isManifestName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// scan lists the manifest files under paths, in precedence order: paths in
// order; within a directory, its files by name, then each subdirectory's
// files (one level: a plugin may keep its manifests in its own directory).
// A path may also name a file. Missing paths are skipped silently; other
// errors are warnings.
func scan(paths []string) ([]manifestFile, []string) {
	var files []manifestFile
	var warnings []string
	seen := map[string]bool{}
	addFile := func(path string, st os.FileInfo) {
		if seen[path] {
			return
		}
		seen[path] = true
		files = append(files, manifestFile{path: path, size: st.Size(), modTime: st.ModTime().UnixNano()})
	}
	// listDir adds a directory's manifest files and returns its
	// subdirectories.
	listDir := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			warnings = append(warnings, "plugin directory "+dir+": "+err.Error())
			return nil
		}
		var subdirs []string
		for _, e := range entries {
			name := e.Name()
			full := filepath.Join(dir, name)
			if e.IsDir() {
				if !strings.HasPrefix(name, ".") {
					subdirs = append(subdirs, full)
				}
				continue
			}
			if !isManifestName(name) {
				continue
			}
			// Stat, not e.Info: a symlinked manifest is keyed by its target's
			// size and mtime.
			st, err := os.Stat(full)
			if err != nil {
				warnings = append(warnings, full+": "+err.Error())
				continue
			}
			if st.Mode().IsRegular() {
				addFile(full, st)
			}
		}
		return subdirs
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			if !os.IsNotExist(err) {
				warnings = append(warnings, "plugin path "+p+": "+err.Error())
			}
			continue
		}
		if !st.IsDir() {
			addFile(p, st)
			continue
		}
		subdirs := listDir(p)
		sort.Strings(subdirs)
		for _, sub := range subdirs {
			listDir(sub)
		}
	}
	return files, warnings
}
