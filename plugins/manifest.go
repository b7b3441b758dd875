package plugins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// ManifestFile is the name of a plugin's manifest in its directory.
const ManifestFile = "plugin.yaml"

// The manifest's apiVersion and kind.
const (
	APIVersion = "k1s.io/v1alpha1"
	Kind       = "Plugin"
)

// Defaults of Limits.
const (
	DefaultMemoryPages = 1024 // 64 MiB
	DefaultTimeout     = 2 * time.Second
	DefaultInstances   = 4
	// MaxMemoryPages is the most a manifest may ask for (1 GiB).
	MaxMemoryPages = 16384
)

// Manifest is a plugin.yaml: apiVersion k1s.io/v1alpha1, kind Plugin.
type Manifest struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   Metadata `json:"metadata"`
	Spec       Spec     `json:"spec"`
}

// Metadata names the plugin.
type Metadata struct {
	// Name is a DNS-1123 label, unique among the plugins found.
	Name string `json:"name"`
}

// Spec is what a plugin is and may do.
type Spec struct {
	// Version is the plugin's own version, shown by k1s plugins list.
	Version string `json:"version"`
	// Module is the WebAssembly module.
	Module Module `json:"module"`
	// Types are the type manifests (PluginTypeManifest or CRD files) the
	// plugin provides, relative to its directory. Discovery finds them by
	// itself (they sit beside plugin.yaml); listing them here lets the
	// loader check they are there and inspect show them.
	Types []string `json:"types,omitempty"`
	// Reconcile lists the kinds the module reconciles.
	Reconcile []ReconcileSpec `json:"reconcile,omitempty"`
	// Validate and Mutate list the admission hooks.
	Validate []HookSpec `json:"validate,omitempty"`
	Mutate   []HookSpec `json:"mutate,omitempty"`
	// Permissions are what the module's client may do; nothing else.
	Permissions []Permission `json:"permissions,omitempty"`
	// Grants opens parts of the sandbox; all closed by default.
	Grants Grants `json:"grants,omitempty"`
	// Limits bound each instance and call.
	Limits Limits `json:"limits,omitempty"`
}

// Module names the .wasm file and its digest.
type Module struct {
	// Path is relative to the plugin's directory.
	Path string `json:"path"`
	// SHA256 is the file's digest in hex; a module that does not match is
	// not loaded.
	SHA256 string `json:"sha256"`
}

// KindRef names a kind by apiVersion and kind.
type KindRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

// GroupVersionKind returns the ref's GVK.
func (k KindRef) GroupVersionKind() schema.GroupVersionKind {
	gv, _ := schema.ParseGroupVersion(k.APIVersion)
	return gv.WithKind(k.Kind)
}

func (k KindRef) String() string { return k.Kind + "." + k.APIVersion }

// ReconcileSpec is one reconciled kind and the kinds its objects own
// (whose changes trigger the owner, as controller-runtime's Owns).
type ReconcileSpec struct {
	KindRef `json:",inline"`
	Owns    []KindRef `json:"owns,omitempty"`
}

// HookSpec is one admission hook: a kind and the operations (CREATE,
// UPDATE, DELETE) it is called for.
type HookSpec struct {
	KindRef    `json:",inline"`
	Operations []string `json:"operations"`
}

// Permission grants verbs on resources of API groups in namespaces, as an
// RBAC rule with its binding's namespaces. "*" matches anything in each
// list; an empty Namespaces means every namespace and the cluster scope.
type Permission struct {
	APIGroups  []string `json:"apiGroups"`
	Resources  []string `json:"resources"`
	Verbs      []string `json:"verbs"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// Grants open the sandbox. A module granted nothing has no clock but a
// fake one, no environment, no files and no network (which WASI preview 1
// does not offer at all).
type Grants struct {
	// Clock gives the module the real wall and monotonic clocks.
	Clock bool `json:"clock,omitempty"`
	// Env lists host environment variables the module may read.
	Env []string `json:"env,omitempty"`
}

// Limits bound a plugin.
type Limits struct {
	// MemoryPages is the most linear memory an instance may have, in
	// 64 KiB pages; 0 means DefaultMemoryPages.
	MemoryPages uint32 `json:"memoryPages,omitempty"`
	// Timeout is the longest one call may run (a Go duration: "500ms");
	// empty means DefaultTimeout.
	Timeout string `json:"timeout,omitempty"`
	// Instances is how many calls may run at once; 0 means
	// DefaultInstances.
	Instances int `json:"instances,omitempty"`
}

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

var verbs = []string{"get", "list", "create", "update", "patch", "delete", "*"}

// ParseManifest decodes and checks a plugin.yaml; every problem names the
// file and the field.
func ParseManifest(path string, data []byte) (*Manifest, error) {
	var m Manifest
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %w", path, err)
	}
	strict, err := kjson.UnmarshalStrict(js, &m)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.Join(strict...))
	}
	if errs := m.check(); len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", path, errors.Join(errs...))
	}
	return &m, nil
}

// problems collects a manifest's errors, each naming its field.
type problems []error

func (ps *problems) bad(field, format string, args ...any) {
	*ps = append(*ps, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

func (m *Manifest) check() []error {
	var ps problems
	if m.APIVersion != APIVersion {
		ps.bad("apiVersion", "%q is not supported; use %s", m.APIVersion, APIVersion)
	}
	if m.Kind != Kind {
		ps.bad("kind", "%q is not %s", m.Kind, Kind)
	}
	for _, msg := range validation.IsDNS1123Label(m.Metadata.Name) {
		ps.bad("metadata.name", "%q: %s", m.Metadata.Name, msg)
	}
	s := &m.Spec
	if s.Module.Path == "" {
		ps.bad("spec.module.path", "required")
	} else if filepath.IsAbs(s.Module.Path) || strings.HasPrefix(filepath.Clean(s.Module.Path), "..") {
		ps.bad("spec.module.path", "%q must be inside the plugin's directory", s.Module.Path)
	}
	if !sha256Re.MatchString(s.Module.SHA256) {
		ps.bad("spec.module.sha256", "%q is not a SHA-256 digest in lower-case hex", s.Module.SHA256)
	}
	for i, r := range s.Reconcile {
		ps.checkKind(fmt.Sprintf("spec.reconcile[%d]", i), r.KindRef)
		for j, o := range r.Owns {
			ps.checkKind(fmt.Sprintf("spec.reconcile[%d].owns[%d]", i, j), o)
		}
	}
	ps.checkHooks("validate", s.Validate)
	ps.checkHooks("mutate", s.Mutate)
	ps.checkPermissions(s.Permissions)
	ps.checkLimits(s.Limits)
	for i, t := range s.Types {
		if filepath.IsAbs(t) || strings.HasPrefix(filepath.Clean(t), "..") {
			ps.bad(fmt.Sprintf("spec.types[%d]", i), "%q must be inside the plugin's directory", t)
		}
	}
	return ps
}

func (ps *problems) checkKind(field string, k KindRef) {
	gv, err := schema.ParseGroupVersion(k.APIVersion)
	if err != nil || gv.Version == "" {
		ps.bad(field+".apiVersion", "%q is not group/version", k.APIVersion)
	}
	if k.Kind == "" {
		ps.bad(field+".kind", "required")
	}
}

// checkHooks checks spec.validate or spec.mutate (name says which).
func (ps *problems) checkHooks(name string, hooks []HookSpec) {
	for i, h := range hooks {
		field := fmt.Sprintf("spec.%s[%d]", name, i)
		ps.checkKind(field, h.KindRef)
		if len(h.Operations) == 0 {
			ps.bad(field+".operations", "required: CREATE, UPDATE and/or DELETE")
		}
		for _, op := range h.Operations {
			if op != "CREATE" && op != "UPDATE" && op != "DELETE" {
				ps.bad(field+".operations", "%q is not CREATE, UPDATE or DELETE", op)
			}
			if name == "mutate" && op == "DELETE" {
				ps.bad(field+".operations", "a mutating hook has nothing to mutate on DELETE")
			}
		}
	}
}

func (ps *problems) checkPermissions(perms []Permission) {
	for i, p := range perms {
		field := fmt.Sprintf("spec.permissions[%d]", i)
		if len(p.APIGroups) == 0 {
			ps.bad(field+".apiGroups", `required ("" is the core group, "*" any)`)
		}
		if len(p.Resources) == 0 {
			ps.bad(field+".resources", "required")
		}
		if len(p.Verbs) == 0 {
			ps.bad(field+".verbs", "required")
		}
		for _, v := range p.Verbs {
			if !slices.Contains(verbs, v) {
				ps.bad(field+".verbs", "%q is not one of %s", v, strings.Join(verbs, ", "))
			}
		}
	}
}

func (ps *problems) checkLimits(l Limits) {
	if l.MemoryPages > MaxMemoryPages {
		ps.bad("spec.limits.memoryPages", "%d exceeds %d (1 GiB)", l.MemoryPages, MaxMemoryPages)
	}
	if l.Timeout != "" {
		if d, err := time.ParseDuration(l.Timeout); err != nil || d <= 0 {
			ps.bad("spec.limits.timeout", "%q is not a positive duration", l.Timeout)
		}
	}
	if l.Instances < 0 {
		ps.bad("spec.limits.instances", "%d is negative", l.Instances)
	}
}

// MemoryPages returns the memory limit, defaulted.
func (l Limits) memoryPages() uint32 {
	if l.MemoryPages == 0 {
		return DefaultMemoryPages
	}
	return l.MemoryPages
}

func (l Limits) timeout() time.Duration {
	d, err := time.ParseDuration(l.Timeout)
	if err != nil || d <= 0 {
		return DefaultTimeout
	}
	return d
}

func (l Limits) instances() int {
	if l.Instances <= 0 {
		return DefaultInstances
	}
	return l.Instances
}

// Found is a manifest found on disk.
type Found struct {
	// Dir is the plugin's directory; File its plugin.yaml.
	Dir, File string
	Manifest  *Manifest
}

// Discover finds the plugins under paths: a plugin.yaml in each path, or
// in a subdirectory one level down, as discovery searches type manifests.
// It reads manifests only. A manifest that cannot be read or is wrong is a
// warning naming the file; a name already taken by an earlier plugin is a
// warning too (paths are in precedence order).
func Discover(paths []string) ([]Found, []string) {
	var found []Found
	var warnings []string
	seen := map[string]string{}
	try := func(dir string) {
		file := filepath.Join(dir, ManifestFile)
		data, err := os.ReadFile(file)
		if err != nil {
			if !os.IsNotExist(err) {
				warnings = append(warnings, file+": "+err.Error())
			}
			return
		}
		m, err := ParseManifest(file, data)
		if err != nil {
			warnings = append(warnings, err.Error())
			return
		}
		if prev, ok := seen[m.Metadata.Name]; ok {
			if prev != file {
				warnings = append(warnings, fmt.Sprintf("%s: plugin %q is already defined by %s; ignored", file, m.Metadata.Name, prev))
			}
			return
		}
		seen[m.Metadata.Name] = file
		found = append(found, Found{Dir: dir, File: file, Manifest: m})
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			continue
		}
		try(p)
		entries, err := os.ReadDir(p)
		if err != nil {
			warnings = append(warnings, "plugin directory "+p+": "+err.Error())
			continue
		}
		var dirs []string
		for _, e := range entries {
			full := filepath.Join(p, e.Name())
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			if e.Type()&os.ModeSymlink != 0 {
				// A link to a directory is a plugin directory; links to
				// files, dangling links and loops are type discovery's
				// business (it warns about them once).
				if st, err := os.Stat(full); err != nil || !st.IsDir() {
					continue
				}
			} else if !e.IsDir() {
				continue
			}
			dirs = append(dirs, full)
		}
		sort.Strings(dirs)
		for _, d := range dirs {
			try(d)
		}
	}
	return found, warnings
}
