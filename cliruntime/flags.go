package cliruntime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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
	// contextApplied is set once ApplyContext ran.
	contextApplied bool
}

// AddFlags registers the global flags on fs, with defaults taken from the
// environment so that `--help` shows what is in effect.
func (g *GlobalFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&g.Data, "data", os.Getenv(EnvData),
		"path of the SQLite store (env "+EnvData+"; default .k1s/k1s.db in the nearest project directory, else the per-user data directory)")
	fs.StringVar(&g.Storage, "storage", os.Getenv(EnvStorage),
		"storage backend URL, e.g. etcd://127.0.0.1:2379[,host:port] (env "+EnvStorage+"); overrides --data")
	var envDirs []string
	if v := os.Getenv(EnvPluginPath); v != "" {
		envDirs = filepath.SplitList(v)
	}
	fs.StringArrayVar(&g.PluginDirs, "plugins-dir", envDirs,
		"directory of plugin type manifests, repeatable (env "+EnvPluginPath+", colon-separated); .k1s/plugins of the project and the per-user plugin directory are always searched")
	fs.StringVarP(&g.Namespace, "namespace", "n", os.Getenv(EnvNamespace),
		"the namespace scope for this request (env "+EnvNamespace+", a default like a kubeconfig context's namespace: only an explicit --namespace must match the namespace of objects in files)")
	fs.StringVar(&g.Tenant, "tenant", os.Getenv(EnvTenant), "tenant whose objects this request sees (env "+EnvTenant+")")
	timeout := os.Getenv(EnvRequestTimeout)
	if timeout == "" {
		timeout = "0"
	}
	fs.StringVar(&g.RequestTimeout, "request-timeout", timeout,
		"the length of time to wait before giving up on a request, e.g. 1s, 2m, 3h; a bare number is seconds; 0 waits forever (env "+EnvRequestTimeout+")")
	fs.StringVar(&g.Context, "context", os.Getenv(EnvContext),
		"the name of the context (a named store of the contexts file, env "+EnvConfig+") to use (env "+EnvContext+"); its settings apply where no flag or environment variable gives them")
	verbosity, _ := strconv.Atoi(os.Getenv(EnvVerbosity))
	fs.IntVarP(&g.Verbosity, "v", "v", verbosity, "number for the log level verbosity (env "+EnvVerbosity+")")
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
// "" when there is none.
func FindProjectDir(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ProjectDir)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// UserDataDir returns the per-user k1s data directory: $XDG_DATA_HOME/k1s,
// ~/.local/share/k1s on Unix, ~/Library/Application Support/k1s on macOS
// and %LocalAppData%\k1s on Windows.
func UserDataDir() (string, error) {
	if v := os.Getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, "k1s"), nil
	}
	switch runtime.GOOS {
	case "windows":
		if v := os.Getenv("LocalAppData"); v != "" {
			return filepath.Join(v, "k1s"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "k1s"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no per-user data directory (set --data or %s): %w", EnvData, err)
	}
	return filepath.Join(home, ".local", "share", "k1s"), nil
}

// DataPath returns the SQLite file to open: --data / K1S_DATA, else
// k1s.db in the nearest project directory, else in the per-user data
// directory.
func (g *GlobalFlags) DataPath() (string, error) {
	if g.Data != "" {
		return g.Data, nil
	}
	if p := FindProjectDir(g.workDir()); p != "" {
		return filepath.Join(p, "k1s.db"), nil
	}
	dir, err := UserDataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "k1s.db"), nil
}

// PluginPaths returns the directories searched for type manifests, in
// order: --plugins-dir (or K1S_PLUGIN_PATH), the project's .k1s/plugins,
// then the per-user plugin directory (os.UserConfigDir()/k1s/plugins).
func (g *GlobalFlags) PluginPaths() []string {
	paths := append([]string(nil), g.PluginDirs...)
	if p := FindProjectDir(g.workDir()); p != "" {
		paths = append(paths, filepath.Join(p, "plugins"))
	}
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "k1s", "plugins"))
	}
	return paths
}

// CacheDir returns where parsed plugin manifests are cached:
// K1S_CACHE_DIR, else os.UserCacheDir()/k1s; "" when neither exists.
func (g *GlobalFlags) CacheDir() string {
	if v := os.Getenv(EnvCacheDir); v != "" {
		return v
	}
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "k1s")
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
func ValidateTenant(tenant string) error {
	if tenant == "" {
		return nil
	}
	if err := storage.ValidateTenant(tenant); err != nil {
		return fmt.Errorf("%w (--tenant or %s)", err, EnvTenant)
	}
	return nil
}

// validatingClient writes with one fieldValidation (a command's
// --validate) unless a call sets its own.
type validatingClient struct {
	client.Client
	directive client.FieldValidation
}

// Create implements client.Client.
func (v validatingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return v.Client.Create(ctx, obj, append([]client.CreateOption{v.directive}, opts...)...)
}

// Update implements client.Client.
func (v validatingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	return v.Client.Update(ctx, obj, append([]client.UpdateOption{v.directive}, opts...)...)
}

// Patch implements client.Client.
func (v validatingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	return v.Client.Patch(ctx, obj, patch, append([]client.PatchOption{v.directive}, opts...)...)
}

// Status implements client.Client.
func (v validatingClient) Status() client.SubResourceWriter {
	return validatingStatus{v.Client.Status(), v.directive}
}

type validatingStatus struct {
	client.SubResourceWriter
	directive client.FieldValidation
}

// Update implements client.SubResourceWriter.
func (v validatingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	return v.SubResourceWriter.Update(ctx, obj, append([]client.SubResourceUpdateOption{v.directive}, opts...)...)
}

// Patch implements client.SubResourceWriter.
func (v validatingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	return v.SubResourceWriter.Patch(ctx, obj, patch, append([]client.SubResourcePatchOption{v.directive}, opts...)...)
}
