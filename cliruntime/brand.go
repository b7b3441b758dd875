package cliruntime

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Brand is what makes a program built on cliruntime its own rather than
// k1s under another name: the prefix of its environment variables, the
// directory that marks its projects, its data file, its per-user
// directories, its help, the type its examples use and which of the
// global flags it has. The zero Brand is k1s's: K1S_DATA, .k1s/k1s.db,
// ~/.local/share/k1s, every global flag. A field left empty derives from
// Name, so that Brand{Name: "todo"} alone gives TODO_DATA, .todo/todo.db
// and ~/.local/share/todo.
//
// It plays the part of kubectl's genericclioptions.ConfigFlags: the
// commands stay kubectl's, the identity is the program's.
type Brand struct {
	// Name is the program's name: its command, its messages and the name
	// of its per-user directories. Empty means "k1s".
	Name string
	// EnvPrefix prefixes the environment variables behind the global
	// flags (EnvPrefix + "_DATA", "_NAMESPACE", ...). Empty means Name in
	// upper case with "-" and "." as "_".
	EnvPrefix string
	// ProjectDir is the directory that marks a project, as .git marks a
	// repository: the nearest one at or above the working directory holds
	// the default store and a plugins/ directory. Empty means "." + Name.
	ProjectDir string
	// DataFile is the SQLite file's name in the project directory (or the
	// per-user data directory). Empty means Name + ".db".
	DataFile string
	// Short and Long are the root command's help; empty means k1s's words
	// with the program's name.
	Short, Long string
	// ExampleResource is the resource (plural, as `get` takes it) the
	// commands' examples use, one of the types the program registers
	// (registry.Type.Resource). Empty means "items", the k1s inventory
	// example's; ExampleFile is the file or directory of objects the
	// apply and delete examples name (empty means ExampleResource+".yaml").
	ExampleResource, ExampleFile string
	// Without lists the optional features the program does not have: its
	// flags are not registered and their environment variables are not
	// read.
	Without Feature
}

// Feature is an optional part of the command-line surface, as a set of
// bits: a program drops the ones it has no use for with Brand.Without.
type Feature uint

const (
	// PluginDirs is --plugins-dir, its environment variable and the
	// search of the project's and the user's plugin directories. Without
	// it the program's types are those it compiles in.
	PluginDirs Feature = 1 << iota
	// StorageURL is --storage (etcd://...); without it the store is
	// always the SQLite file of --data.
	StorageURL
	// Tenants is --tenant.
	Tenants
	// Contexts is --context, the contexts file and the `config` command.
	Contexts
)

func (b Brand) has(f Feature) bool { return b.Without&f == 0 }

// ProgramName returns Name, or "k1s".
func (b Brand) ProgramName() string {
	if b.Name == "" {
		return "k1s"
	}
	return b.Name
}

// Env returns the program's name of one of k1s's environment variables:
// Env(EnvData) is "TODO_DATA" for a program named todo. Names that are
// not k1s's (KUBE_EDITOR) are returned as they are.
func (b Brand) Env(k1sName string) string {
	rest, ok := strings.CutPrefix(k1sName, "K1S_")
	if !ok {
		return k1sName
	}
	prefix := b.EnvPrefix
	if prefix == "" {
		prefix = strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(b.ProgramName()))
	}
	return prefix + "_" + rest
}

// projectDir returns the name of the project directory.
func (b Brand) projectDir() string {
	if b.ProjectDir != "" {
		return b.ProjectDir
	}
	if b.Name == "" {
		return ProjectDir
	}
	return "." + b.Name
}

// dataFile returns the SQLite file's name.
func (b Brand) dataFile() string {
	if b.DataFile != "" {
		return b.DataFile
	}
	return b.ProgramName() + ".db"
}

func (b Brand) exampleResource() string {
	if b.ExampleResource != "" {
		return b.ExampleResource
	}
	return "items"
}

func (b Brand) exampleFile() string {
	switch {
	case b.ExampleFile != "":
		return b.ExampleFile
	case b.ExampleResource == "":
		return "examples/inventory/resources/"
	}
	return b.ExampleResource + ".yaml"
}

// FindProjectDir returns the nearest project directory (.k1s for k1s) at
// or above dir, or "" when there is none.
func (b Brand) FindProjectDir(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, b.projectDir())
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

// UserDataDir returns the program's per-user data directory:
// $XDG_DATA_HOME/NAME, ~/.local/share/NAME on Unix, ~/Library/Application
// Support/NAME on macOS and %LocalAppData%\NAME on Windows.
func (b Brand) UserDataDir() (string, error) {
	name := b.ProgramName()
	if v := os.Getenv("XDG_DATA_HOME"); v != "" {
		return filepath.Join(v, name), nil
	}
	switch runtime.GOOS {
	case "windows":
		if v := os.Getenv("LocalAppData"); v != "" {
			return filepath.Join(v, name), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", name), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errNoDataDir(b, err)
	}
	return filepath.Join(home, ".local", "share", name), nil
}

// ConfigPath returns the program's contexts file: its CONFIG variable
// (K1S_CONFIG), else os.UserConfigDir()/NAME/config.yaml.
func (b Brand) ConfigPath(getenv func(string) string) (string, error) {
	if v := getenv(b.Env(EnvConfig)); v != "" {
		return v, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", errNoConfigDir(b, err)
	}
	return filepath.Join(dir, b.ProgramName(), "config.yaml"), nil
}
