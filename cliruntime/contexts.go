package cliruntime

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/k1s-dev/k1s/storage"
)

// Environment variables of named stores (contexts).
const (
	// EnvConfig is the path of the contexts file; default
	// os.UserConfigDir()/k1s/config.yaml.
	EnvConfig = "K1S_CONFIG"
	// EnvContext selects a context, as --context does.
	EnvContext = "K1S_CONTEXT"
)

// The masks kubectl config view puts in place of credentials.
const (
	redacted     = "REDACTED"
	dataOmitted  = "DATA+OMITTED"
	configKind   = "Config"
	configAPIVer = "k1s.io/v1alpha1"
)

// Config is the contexts file: named stores, as a kubeconfig names
// clusters, and the one in use.
type Config struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	CurrentContext string         `json:"current-context"`
	Contexts       []NamedContext `json:"contexts"`
}

// NamedContext is one context of the file.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context is one named store and the defaults that go with it. Each
// setting applies only where neither its flag nor its environment
// variable is set: flag > environment > current context > default.
type Context struct {
	// Data is a SQLite file; relative paths are relative to the file's
	// directory, as kubeconfig paths are.
	Data string `json:"data,omitempty"`
	// Storage is an etcd URL (etcd:// or etcds://); it wins over Data.
	Storage string `json:"storage,omitempty"`
	// Username and Password authenticate to etcd; a password may also be
	// in Storage's URL. Neither is ever printed.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// CertificateAuthorityData, ClientCertificateData and ClientKeyData
	// are accepted so that a file can hold them as a kubeconfig does;
	// they are shown as DATA+OMITTED.
	CertificateAuthorityData string `json:"certificate-authority-data,omitempty"`
	ClientCertificateData    string `json:"client-certificate-data,omitempty"`
	ClientKeyData            string `json:"client-key-data,omitempty"`
	Tenant                   string `json:"tenant,omitempty"`
	Namespace                string `json:"namespace,omitempty"`
}

// ConfigPath returns k1s's contexts file: K1S_CONFIG, else
// os.UserConfigDir()/k1s/config.yaml (Brand.ConfigPath).
func ConfigPath(getenv func(string) string) (string, error) {
	return Brand{}.ConfigPath(getenv)
}

// LoadConfig reads the contexts file at path; a missing file is an empty
// configuration.
func LoadConfig(path string) (*Config, error) {
	cfg := &Config{APIVersion: configAPIVer, Kind: configKind}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalStrict(data, cfg); err != nil {
		return nil, fmt.Errorf("error loading config file %q: %w", path, err)
	}
	seen := map[string]bool{}
	for i, c := range cfg.Contexts {
		if c.Name == "" {
			return nil, fmt.Errorf("error loading config file %q: contexts[%d].name: must not be empty", path, i)
		}
		if seen[c.Name] {
			return nil, fmt.Errorf("error loading config file %q: contexts[%d].name: context %q is given twice", path, i, c.Name)
		}
		seen[c.Name] = true
	}
	return cfg, nil
}

// Save writes the file at path, readable by its owner only (it may hold
// credentials), replacing it whole so that a reader never sees half.
func (cfg *Config) Save(path string) error {
	if cfg.APIVersion == "" {
		cfg.APIVersion, cfg.Kind = configAPIVer, configKind
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.yaml")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Find returns the context named name, or nil.
func (cfg *Config) Find(name string) *Context {
	for i := range cfg.Contexts {
		if cfg.Contexts[i].Name == name {
			return &cfg.Contexts[i].Context
		}
	}
	return nil
}

// Redacted returns a copy of the configuration with every credential
// masked as kubectl config view masks them: passwords (also in URLs)
// REDACTED, certificate and key data DATA+OMITTED.
func (cfg *Config) Redacted() *Config {
	out := *cfg
	out.Contexts = make([]NamedContext, len(cfg.Contexts))
	for i, nc := range cfg.Contexts {
		c := nc.Context
		if c.Password != "" {
			c.Password = redacted
		}
		c.Storage = RedactURL(c.Storage)
		for _, f := range []*string{&c.CertificateAuthorityData, &c.ClientCertificateData, &c.ClientKeyData} {
			if *f != "" {
				*f = dataOmitted
			}
		}
		out.Contexts[i] = NamedContext{Name: nc.Name, Context: c}
	}
	return &out
}

// RedactURL masks the password of a storage URL
// (etcd://user:REDACTED@host).
func RedactURL(raw string) string { return storage.RedactURL(raw, redacted) }

// storageURL is the context's etcd URL with its username and password
// put in, where etcd.ParseURL reads credentials.
func (c *Context) storageURL() string {
	if c.Storage == "" || c.Username == "" {
		return c.Storage
	}
	scheme, rest, ok := strings.Cut(c.Storage, "://")
	if !ok {
		return c.Storage
	}
	authority := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		authority = rest[:end]
	}
	if strings.Contains(authority, "@") {
		return c.Storage // the URL has its own
	}
	info := url.PathEscape(c.Username)
	if c.Password != "" {
		info += ":" + url.PathEscape(c.Password)
	}
	return scheme + "://" + info + "@" + rest
}

// ApplyContext fills, from the context in use, the settings that neither
// a flag nor an environment variable gave: the store (--storage/--data),
// --tenant and --namespace (a default, as a kubeconfig context's). The
// context in use is --context (or K1S_CONTEXT), else the file's
// current-context; none is no change. It runs once.
func (g *GlobalFlags) ApplyContext(getenv func(string) string) (err error) {
	if g.contextApplied {
		return nil
	}
	// A failure is not remembered: the next call reports it again, so a
	// caller that only peeks (the etcd hand-off) cannot hide it from the
	// session that needs the store.
	defer func() { g.contextApplied = err == nil }()
	if !g.Brand.has(Contexts) {
		return nil
	}
	path, err := g.Brand.ConfigPath(getenv)
	if err != nil {
		if g.Context != "" {
			return err
		}
		return nil
	}
	name := g.Context
	cfg, err := LoadConfig(path)
	if err != nil {
		return err
	}
	if name == "" {
		name = cfg.CurrentContext
	}
	if name == "" {
		return nil
	}
	ctx := cfg.Find(name)
	if ctx == nil {
		return fmt.Errorf("context was not found for specified context: %s", name)
	}
	if g.Storage == "" && g.Data == "" {
		switch {
		case ctx.Storage != "":
			g.Storage = ctx.storageURL()
		case ctx.Data != "":
			g.Data = ctx.Data
			if !filepath.IsAbs(g.Data) {
				g.Data = filepath.Join(filepath.Dir(path), g.Data)
			}
		}
	}
	if g.Tenant == "" {
		g.Tenant = ctx.Tenant
	}
	if g.Namespace == "" {
		g.Namespace = ctx.Namespace
	}
	return nil
}
