package discovery

import (
	"encoding/json"
	"fmt"
	"os"
	goruntime "runtime"
	"slices"
	"sync"
	"sync/atomic"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

// Options configure a Discovery.
type Options struct {
	// Paths are the plugin directories (or manifest files) to scan, in
	// precedence order; DefaultPaths gives the standard ones.
	Paths []string
	// CacheDir holds the metadata cache. Empty means os.UserCacheDir()/k1s;
	// "-" turns the cache off.
	CacheDir string
	// BuiltinTypes are the types plugin types must not clash with. Nil
	// means coretypes.Types().
	BuiltinTypes []registry.Type
}

// TypeMetadata is the seed's description of a plugin type for CLI
// operations; Type holds everything the registry knows about it.
type TypeMetadata struct {
	ShortNames   []string
	PrintColumns []registry.PrintColumn
	Categories   []string
	// Scope is "Namespaced" or "Cluster".
	Scope string
	Type  registry.Type
}

// Stats count what the last scan did, for tests and benchmarks.
type Stats struct {
	// Files is the number of manifest files found.
	Files int
	// Parsed is the number of files parsed; the others came from the cache.
	Parsed int
	// CacheWritten says whether the cache file was (re)written.
	CacheWritten bool
}

// Discovery finds plugin types in manifest files. It does nothing until
// first asked: creating one is free, so a command that never needs a
// plugin type never scans. It is safe for concurrent use.
type Discovery struct {
	opts Options

	once    sync.Once
	done    atomic.Bool
	entries []*cachedType // accepted types, in precedence order
	stats   Stats

	// schemaOnces[i] decodes the schema of entries[i].
	schemaOnces []sync.Once

	mu       sync.Mutex // guards warnings, which schema decoding may add to
	warnings []string
}

// PluginDiscovery is the seed's plugin discovery API, which Discovery
// implements, with Warnings added.
type PluginDiscovery interface {
	// DiscoverAvailableTypes returns the kinds of every usable plugin type.
	DiscoverAvailableTypes() ([]schema.GroupVersionKind, error)
	// RegisterTypes registers the plugin kinds in a scheme.
	RegisterTypes(s *runtime.Scheme) error
	// GetTypeMetadata describes one plugin type for CLI operations.
	GetTypeMetadata(gvk schema.GroupVersionKind) (*TypeMetadata, error)
	// IsPluginType reports whether a kind is a usable plugin type.
	IsPluginType(gvk schema.GroupVersionKind) bool
	// Warnings lists broken and conflicting manifests, each naming its file.
	Warnings() []string
}

var (
	_ registry.Source = (*Discovery)(nil)
	_ PluginDiscovery = (*Discovery)(nil)
)

// New returns a Discovery over opts.Paths. It does not touch the file
// system.
func New(opts Options) *Discovery {
	return &Discovery{opts: opts}
}

// load scans, parses what the cache does not hold, refreshes the cache and
// resolves conflicts, once.
func (d *Discovery) load() {
	d.once.Do(func() {
		files, warnings := scan(d.opts.Paths)
		cacheFile := cachePath(d.opts.CacheDir, d.opts.Paths)
		cached := readCache(cacheFile)
		entries := make([]*fileEntry, len(files))
		var stale []int
		for i, f := range files {
			if e, ok := cached[f.path]; ok && e.matches(f) {
				entries[i] = e
			} else {
				stale = append(stale, i)
			}
		}
		dirty := len(stale) > 0 || len(cached) != len(files)
		d.stats.Parsed = len(stale)
		readErrs := parseAll(files, stale, entries)
		for _, i := range stale {
			if readErrs[i] != "" {
				warnings = append(warnings, readErrs[i])
			}
		}
		// A file that could not be read has no entry, and so is not
		// cached: it may be readable next time.
		entries = slices.DeleteFunc(entries, func(e *fileEntry) bool { return e == nil })
		d.stats.Files = len(files)
		if dirty && cacheFile != "" {
			// A cache that cannot be written (read-only home) only costs
			// the next start a parse; it is not worth a warning on every
			// command.
			d.stats.CacheWritten = writeCache(cacheFile, entries) == nil
		}
		builtin := d.opts.BuiltinTypes
		if builtin == nil {
			builtin = coretypes.Types()
		}
		accepted, conflicts := resolve(builtin, entries)
		d.entries = accepted
		d.schemaOnces = make([]sync.Once, len(accepted))
		for _, e := range entries {
			warnings = append(warnings, e.Warnings...)
		}
		d.warnings = append(warnings, conflicts...)
		d.done.Store(true)
	})
}

// parseAll reads and parses files[i] for each i in stale into entries[i],
// on as many goroutines as there are CPUs: YAML parsing is most of a cold
// start, and files are independent. It returns read errors by index.
func parseAll(files []manifestFile, stale []int, entries []*fileEntry) []string {
	errs := make([]string, len(files))
	parallel(len(stale), func(k int) {
		i := stale[k]
		data, err := os.ReadFile(files[i].path)
		if err != nil {
			errs[i] = files[i].path + ": " + err.Error()
			return
		}
		entries[i] = newEntry(files[i], parseFile(files[i].path, data))
	})
	return errs
}

// parallel calls f(0) ... f(n-1) on up to GOMAXPROCS goroutines.
func parallel(n int, f func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for w := min(goruntime.GOMAXPROCS(0), n); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				f(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}

// schemaOf returns the schema of d.entries[i], decoding the cached JSON
// on first use.
func (d *Discovery) schemaOf(i int) (*apiextensionsv1.JSONSchemaProps, error) {
	ct := d.entries[i]
	d.schemaOnces[i].Do(func() {
		if ct.schema != nil || len(ct.rawSchema) == 0 {
			return
		}
		s := &apiextensionsv1.JSONSchemaProps{}
		if err := json.Unmarshal(ct.rawSchema, s); err != nil {
			// Only a damaged cache gets here: the type stays usable, without
			// validation, and says why.
			ct.schemaErr = fmt.Errorf("%s: kind %s: cached schema unreadable (%w); delete the discovery cache", ct.Source, kindString(ct.Kind), err)
			d.mu.Lock()
			d.warnings = append(d.warnings, ct.schemaErr.Error())
			d.mu.Unlock()
			return
		}
		ct.schema = s
	})
	return ct.schema, ct.schemaErr
}

// Schema returns the OpenAPI v3 schema of plugin type gvk (nil when it has
// none), decoding only that type's schema; it is what the LoadSchema hooks
// of the types from Types call.
func (d *Discovery) Schema(gvk schema.GroupVersionKind) (*apiextensionsv1.JSONSchemaProps, error) {
	d.load()
	i := slices.IndexFunc(d.entries, func(ct *cachedType) bool { return ct.Kind == gvk })
	if i < 0 {
		return nil, &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	}
	return d.schemaOf(i)
}

// Types implements registry.Source: every usable plugin type. Broken and
// conflicting manifests are reported by Warnings, never as an error.
// Schemas not decoded yet are left to each type's LoadSchema hook, so a
// command pays only for the schemas it uses (read them through
// registry.Type.OpenAPISchema).
func (d *Discovery) Types() ([]registry.Type, error) {
	d.load()
	types := make([]registry.Type, len(d.entries))
	for i, ct := range d.entries {
		types[i] = ct.Type
		switch {
		case ct.schema != nil:
			types[i].Schema = ct.schema
		case len(ct.rawSchema) > 0:
			types[i].LoadSchema = func() (*apiextensionsv1.JSONSchemaProps, error) { return d.schemaOf(i) }
		}
	}
	return types, nil
}

// DiscoverAvailableTypes returns the kinds of every usable plugin type.
// It does not decode schemas.
func (d *Discovery) DiscoverAvailableTypes() ([]schema.GroupVersionKind, error) {
	d.load()
	out := make([]schema.GroupVersionKind, len(d.entries))
	for i, ct := range d.entries {
		out[i] = ct.Kind
	}
	return out, nil
}

// IsPluginType reports whether gvk is a usable plugin type.
func (d *Discovery) IsPluginType(gvk schema.GroupVersionKind) bool {
	d.load()
	for _, ct := range d.entries {
		if ct.Kind == gvk {
			return true
		}
	}
	return false
}

// GetTypeMetadata returns what the CLI needs to know about plugin type
// gvk; a kind that is not a plugin type is a *meta.NoKindMatchError.
func (d *Discovery) GetTypeMetadata(gvk schema.GroupVersionKind) (*TypeMetadata, error) {
	d.load()
	i := slices.IndexFunc(d.entries, func(ct *cachedType) bool { return ct.Kind == gvk })
	if i < 0 {
		return nil, &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
	}
	t := d.entries[i].Type
	// A damaged cached schema is a warning already; the type stays usable.
	t.Schema, _ = d.schemaOf(i)
	scope := "Cluster"
	if t.Namespaced {
		scope = "Namespaced"
	}
	return &TypeMetadata{ShortNames: t.ShortNames, PrintColumns: t.PrintColumns, Categories: t.Categories, Scope: scope, Type: t}, nil
}

// RegisterTypes registers every plugin kind in s as
// unstructured.Unstructured and its list kind as
// unstructured.UnstructuredList. A kind s already knows, typically as a Go
// type an application registered, is left alone.
func (d *Discovery) RegisterTypes(s *runtime.Scheme) error {
	d.load()
	for _, ct := range d.entries {
		register(s, ct)
	}
	return nil
}

// RegisterKinds is RegisterTypes for the given kinds only: the seed's
// lazy registration of a type when it is first used. A kind that is not a
// plugin type is a *meta.NoKindMatchError, and nothing is registered.
func (d *Discovery) RegisterKinds(s *runtime.Scheme, gvks ...schema.GroupVersionKind) error {
	d.load()
	want := make([]*cachedType, 0, len(gvks))
	for _, gvk := range gvks {
		i := slices.IndexFunc(d.entries, func(ct *cachedType) bool { return ct.Kind == gvk })
		if i < 0 {
			return &meta.NoKindMatchError{GroupKind: gvk.GroupKind(), SearchedVersions: []string{gvk.Version}}
		}
		want = append(want, d.entries[i])
	}
	for _, ct := range want {
		register(s, ct)
	}
	return nil
}

func register(s *runtime.Scheme, ct *cachedType) {
	if !s.Recognizes(ct.Kind) {
		s.AddKnownTypeWithName(ct.Kind, &unstructured.Unstructured{})
	}
	if list := ct.Kind.GroupVersion().WithKind(ct.ListKind); !s.Recognizes(list) {
		s.AddKnownTypeWithName(list, &unstructured.UnstructuredList{})
	}
}

// Warnings returns the problems the scan found — unreadable, broken or
// conflicting manifests, each naming its file. It does not scan: before
// the first scan it returns nil.
func (d *Discovery) Warnings() []string {
	if !d.loaded() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.warnings)
}

// ScanWarnings is Warnings after a scan (made now if not made yet): what
// a command line prints whatever types it uses, so that a broken manifest
// is reported by every command, not only by those that touch plugin
// types. With the cache warm, the scan lists the plugin directories and
// reads the cache, parsing nothing.
func (d *Discovery) ScanWarnings() []string {
	d.load()
	return d.Warnings()
}

// Stats returns what the scan did; like Warnings it does not scan.
func (d *Discovery) Stats() Stats {
	if !d.loaded() {
		return Stats{}
	}
	return d.stats
}

func (d *Discovery) loaded() bool { return d.done.Load() }
