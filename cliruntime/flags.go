package cliruntime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

// Environment variables behind the global flags. A flag given on the
// command line wins over its variable.
const (
	EnvData           = "K1S_DATA"
	EnvPluginPath     = "K1S_PLUGIN_PATH"
	EnvNamespace      = "K1S_NAMESPACE"
	EnvTenant         = "K1S_TENANT"
	EnvRequestTimeout = "K1S_REQUEST_TIMEOUT"
	EnvVerbosity      = "K1S_VERBOSITY"
	EnvStorage        = "K1S_STORAGE"
	// EnvCacheDir overrides where parsed plugin manifests are cached
	// (default: the per-user cache directory).
	EnvCacheDir = "K1S_CACHE_DIR"
)

// ProjectDir is the directory name that marks a k1s project, as .git
// marks a repository: its k1s.db is the default store and its plugins/
// directory is searched for type manifests.
const ProjectDir = ".k1s"

// GlobalFlags are the flags every command accepts.
type GlobalFlags struct {
	// Data is the SQLite file; empty means the default (see DataPath).
	Data string
	// Storage selects a non-file backend, e.g. "etcd://h1:2379,h2:2379".
	// It wins over Data when set.
	Storage string
	// PluginDirs are searched for type manifests before the project and
	// per-user plugin directories.
	PluginDirs []string
	// Namespace is the namespace of namespaced objects; empty means
	// "default".
	Namespace string
	// NamespaceExplicit is true when --namespace/-n was given on the
	// command line. Only then must objects from files be in Namespace;
	// otherwise (K1S_NAMESPACE, or the default) it is a default, as a
	// kubeconfig context's namespace is for kubectl.
	NamespaceExplicit bool
	// Tenant isolates objects of several tenants sharing one store.
	Tenant string
	// RequestTimeout bounds each command's store calls; "0" means none.
	RequestTimeout string
	// Verbosity above 0 logs what the command does on stderr.
	Verbosity int
	// WorkDir is where the project directory search starts; empty means
	// the process's working directory.
	WorkDir string
	// Context names the context (a named store of the contexts file) to
	// use instead of the file's current-context; see ApplyContext.
	Context string
	// Brand names the environment variables, directories and files
	// behind these flags, and which of them exist; the zero Brand is
	// k1s's. CLI.Execute sets it from the CLI's Brand.
	Brand Brand
	// contextApplied is set once ApplyContext ran.
	contextApplied bool
}

// AddFlags registers the global flags on fs, with defaults taken from the
// environment so that `--help` shows what is in effect. The flags and
// variables are those of g.Brand: its names, less its Without features.
func (g *GlobalFlags) AddFlags(fs *pflag.FlagSet) {
	b := g.Brand
	env := func(k1sName string) (string, string) { name := b.Env(k1sName); return name, os.Getenv(name) }
	name, v := env(EnvData)
	fs.StringVar(&g.Data, "data", v,
		"path of the SQLite store (env "+name+"; default "+filepath.Join(b.projectDir(), b.dataFile())+" in the nearest project directory, else the per-user data directory)")
	if b.has(StorageURL) {
		name, v = env(EnvStorage)
		fs.StringVar(&g.Storage, "storage", v,
			"storage backend URL, e.g. etcd://127.0.0.1:2379[,host:port] (env "+name+"); overrides --data")
	}
	if b.has(PluginDirs) {
		name, v = env(EnvPluginPath)
		var envDirs []string
		if v != "" {
			envDirs = filepath.SplitList(v)
		}
		fs.StringArrayVar(&g.PluginDirs, "plugins-dir", envDirs,
			"directory of plugin type manifests, repeatable (env "+name+", colon-separated); "+filepath.Join(b.projectDir(), "plugins")+" of the project and the per-user plugin directory are always searched")
	}
	name, v = env(EnvNamespace)
	fs.StringVarP(&g.Namespace, "namespace", "n", v,
		"the namespace scope for this request (env "+name+", a default like a kubeconfig context's namespace: only an explicit --namespace must match the namespace of objects in files)")
	if b.has(Tenants) {
		name, v = env(EnvTenant)
		fs.StringVar(&g.Tenant, "tenant", v, "tenant whose objects this request sees (env "+name+")")
	}
	name, timeout := env(EnvRequestTimeout)
	if timeout == "" {
		timeout = "0"
	}
	fs.StringVar(&g.RequestTimeout, "request-timeout", timeout,
		"the length of time to wait before giving up on a request, e.g. 1s, 2m, 3h; a bare number is seconds; 0 waits forever (env "+name+")")
	if b.has(Contexts) {
		name, v = env(EnvContext)
		fs.StringVar(&g.Context, "context", v,
			"the name of the context (a named store of the contexts file, env "+b.Env(EnvConfig)+") to use (env "+name+"); its settings apply where no flag or environment variable gives them")
	}
	name, v = env(EnvVerbosity)
	verbosity, _ := strconv.Atoi(v)
	fs.IntVarP(&g.Verbosity, "v", "v", verbosity, "number for the log level verbosity (env "+name+")")
}

// NamespaceOrDefault returns the namespace to use for namespaced objects.
func (g *GlobalFlags) NamespaceOrDefault() string {
	if g.Namespace == "" {
		return "default"
	}
	return g.Namespace
}

// Timeout parses RequestTimeout as kubectl does: a Go duration or a bare
// number of seconds; 0 means no timeout.
func (g *GlobalFlags) Timeout() (time.Duration, error) {
	v := strings.TrimSpace(g.RequestTimeout)
	if v == "" || v == "0" {
		return 0, nil
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, fmt.Errorf("invalid timeout value %q: timeout must be positive", v)
		}
		return time.Duration(secs) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("invalid timeout value %q: timeouts must be a single integer with an optional unit (e.g. 1s, 2m, 3h)", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid timeout value %q: timeout must be positive", v)
	}
	return d, nil
}

func (g *GlobalFlags) workDir() string {
	if g.WorkDir != "" {
		return g.WorkDir
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// FindProjectDir returns the nearest .k1s directory at or above dir, or
// "" when there is none: k1s's Brand.FindProjectDir.
func FindProjectDir(dir string) string { return Brand{}.FindProjectDir(dir) }

// UserDataDir returns k1s's per-user data directory (Brand.UserDataDir):
// $XDG_DATA_HOME/k1s, ~/.local/share/k1s on Unix, ~/Library/Application
// Support/k1s on macOS and %LocalAppData%\k1s on Windows.
func UserDataDir() (string, error) { return Brand{}.UserDataDir() }

func errNoDataDir(b Brand, err error) error {
	return fmt.Errorf("no per-user data directory (set --data or %s): %w", b.Env(EnvData), err)
}

func errNoConfigDir(b Brand, err error) error {
	return fmt.Errorf("no per-user config directory (set %s): %w", b.Env(EnvConfig), err)
}

// DataPath returns the SQLite file to open: --data (or its environment
// variable, K1S_DATA for k1s), else the data file (k1s.db) in the nearest
// project directory, else in the per-user data directory.
func (g *GlobalFlags) DataPath() (string, error) {
	if g.Data != "" {
		return g.Data, nil
	}
	if p := g.Brand.FindProjectDir(g.workDir()); p != "" {
		return filepath.Join(p, g.Brand.dataFile()), nil
	}
	dir, err := g.Brand.UserDataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, g.Brand.dataFile()), nil
}

// PluginPaths returns the directories searched for type manifests, in
// order: --plugins-dir (or K1S_PLUGIN_PATH), the project's .k1s/plugins,
// then the per-user plugin directory (os.UserConfigDir()/k1s/plugins);
// the names are the Brand's. A Brand without PluginDirs searches none.
func (g *GlobalFlags) PluginPaths() []string {
	if !g.Brand.has(PluginDirs) {
		return nil
	}
	paths := append([]string(nil), g.PluginDirs...)
	if p := g.Brand.FindProjectDir(g.workDir()); p != "" {
		paths = append(paths, filepath.Join(p, "plugins"))
	}
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, g.Brand.ProgramName(), "plugins"))
	}
	return paths
}

// CacheDir returns where parsed plugin manifests are cached:
// K1S_CACHE_DIR (the Brand's name for it), else os.UserCacheDir()/k1s;
// "" when neither exists.
func (g *GlobalFlags) CacheDir() string {
	if v := os.Getenv(g.Brand.Env(EnvCacheDir)); v != "" {
		return v
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, g.Brand.ProgramName())
	}
	return ""
}

// validateCommands are the commands with kubectl's --validate flag: those
// that send objects the user wrote (each runnable subcommand of create
// too).
var validateCommands = map[string]bool{"apply": true, "create": true, "edit": true, "replace": true}

// addValidateFlags gives the commands that write what the user wrote
// kubectl's --validate flag, as kubectl 1.27+ has it: strict by default.
func addValidateFlags(root *cobra.Command) {
	var walk func(cmd *cobra.Command, under bool)
	walk = func(cmd *cobra.Command, under bool) {
		under = under || validateCommands[cmd.Name()]
		if under && cmd.RunE != nil && cmd.Flags().Lookup("validate") == nil {
			cmd.Flags().String("validate", "strict", `Must be one of: strict (or true), warn, ignore (or false). "true" or "strict" fail the request on fields the object's type does not have (unknown fields) and fields given twice (duplicate fields); "warn" drops them, warning about each; "false" or "ignore" drop them silently.`)
			cmd.Flags().Lookup("validate").NoOptDefVal = "strict"
		}
		for _, sub := range cmd.Commands() {
			walk(sub, under)
		}
	}
	walk(root, false)
}

// validationDirective turns a --validate value into the fieldValidation
// it asks for, as kubectl's GetValidationDirective does.
func validationDirective(v string) (string, error) {
	if b, err := strconv.ParseBool(v); err == nil {
		if b {
			return metav1.FieldValidationStrict, nil
		}
		return metav1.FieldValidationIgnore, nil
	}
	switch v {
	case "strict":
		return metav1.FieldValidationStrict, nil
	case "warn":
		return metav1.FieldValidationWarn, nil
	case "ignore":
		return metav1.FieldValidationIgnore, nil
	}
	return metav1.FieldValidationStrict, fmt.Errorf(`invalid - validate option %q; must be one of: strict (or true), warn, ignore (or false)`, v)
}

// ValidateTenant checks the tenant the flags name (--tenant or
// K1S_TENANT; empty means the default): a DNS-1123 label, one segment of
// the store's keys, so that tenants sharing a store stay apart.
func ValidateTenant(tenant string) error { return Brand{}.validateTenant(tenant) }

func (b Brand) validateTenant(tenant string) error {
	if tenant == "" {
		return nil
	}
	if err := storage.ValidateTenant(tenant); err != nil {
		return fmt.Errorf("%w (--tenant or %s)", err, b.Env(EnvTenant))
	}
	return nil
}

// commandClient writes with what the running command sets for every
// write unless a call sets its own: its --validate, as a fieldValidation
// directive, and its field manager (kubectl's name for the command).
// The defaults come first, so that a call's own options win.
type commandClient struct {
	client.Client
	d writeDefaults
}

// writeDefaults are a command's options for every write; a zero field
// sets nothing.
type writeDefaults struct {
	validation client.FieldValidation
	owner      client.FieldOwner
}

// options returns the defaults as options of type O, followed by opts.
func options[O any](d writeDefaults, opts []O) []O {
	var out []O
	if d.validation != "" {
		out = append(out, any(d.validation).(O))
	}
	if d.owner != "" {
		out = append(out, any(d.owner).(O))
	}
	return append(out, opts...)
}

// Create implements client.Client.
func (v commandClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return v.Client.Create(ctx, obj, options(v.d, opts)...)
}

// Update implements client.Client.
func (v commandClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return v.Client.Update(ctx, obj, options(v.d, opts)...)
}

// Patch implements client.Client.
func (v commandClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return v.Client.Patch(ctx, obj, patch, options(v.d, opts)...)
}

// Status implements client.Client.
func (v commandClient) Status() client.SubResourceWriter {
	return commandStatus{v.Client.Status(), v.d}
}

type commandStatus struct {
	client.SubResourceWriter
	d writeDefaults
}

// Update implements client.SubResourceWriter.
func (v commandStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	return v.SubResourceWriter.Update(ctx, obj, options(v.d, opts)...)
}

// Patch implements client.SubResourceWriter.
func (v commandStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	return v.SubResourceWriter.Patch(ctx, obj, patch, options(v.d, opts)...)
}
