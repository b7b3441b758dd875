package cliruntime

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml/kyaml"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/registry"
)

func (c *CLI) newCreateCommand() *cobra.Command {
	o := &WriteOptions{}
	saveConfig := false
	cmd := &cobra.Command{
		Use:   "create -f FILENAME [flags]",
		Short: "Create a resource from a file or from stdin",
		Long: `Create a resource from a file or from stdin.

JSON and YAML formats are accepted. As kubectl does, each object is created on its own: the valid ones are written and every failure is reported (exit 1). With --atomic (k1s only) every object is validated first and none is written unless all would succeed.`,
		Example: `  # Create the objects of a file
  ` + c.Name + ` create -f item.yaml

  # Create a namespace
  ` + c.Name + ` create namespace shop`,
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.writeAll(cmd.Context(), "create", o, func(ctx context.Context, cl client.Client, t *registry.Type, obj *unstructured.Unstructured, dryRun string) Result {
				if saveConfig {
					if err := setLastApplied(obj); err != nil {
						return Result{Type: t, Object: obj, Err: err}
					}
				}
				if dryRun == "client" {
					// kubectl does not contact the server at all.
					return Result{Type: t, Object: obj, Action: Created}
				}
				return Create(ctx, cl, t, obj, dryRun == "server")
			})
		}),
	}
	o.addFlags(cmd, "create")
	cmd.Flags().BoolVar(&saveConfig, "save-config", false, "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform "+c.Name+" apply on this object in the future.")
	cmd.AddCommand(c.newCreateNamespace(), c.newCreateConfigMap(), c.newCreateSecret(), c.newCreateServiceAccount())
	return cmd
}

type generatorFlags struct {
	output, dryRun string
	saveConfig     bool
}

func (g *generatorFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&g.saveConfig, "save-config", false, "If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to apply this object in the future.")
	cmd.Flags().StringVarP(&g.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	cmd.Flags().StringVar(&g.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "unchanged"
}

// createFailure is how kubectl's generators word a failed create, per
// kind (create namespace returns the server's error as it is).
var createFailure = map[string]string{
	"ConfigMap":      "failed to create configmap: %v",
	"Secret":         "failed to create secret %v",
	"ServiceAccount": "failed to create serviceaccount: %v",
}

// createGenerated creates the object a generator built, or prints it with
// --dry-run=client as kubectl does (as its Go type encodes, with a
// namespace only when --namespace was given).
func (c *CLI) createGenerated(ctx context.Context, g *generatorFlags, gk schema.GroupKind, obj *unstructured.Unstructured) error {
	mode, err := writeMode(g.dryRun, g.output)
	if err != nil {
		return err
	}
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	t, err := s.Registry.TypeFor(obj.GroupVersionKind())
	if err != nil {
		return err
	}
	if t.Namespaced && c.Flags.NamespaceExplicit {
		obj.SetNamespace(c.Flags.Namespace)
	}
	if g.saveConfig {
		if err := saveGeneratedConfig(s.Client.Scheme(), obj); err != nil {
			return err
		}
	}
	var r Result
	if mode == "client" {
		if g.output == "json" || g.output == "kyaml" {
			// kubectl prints the generator's Go object: its fields in
			// the struct's order (kind first), not sorted.
			if done, err := printTyped(c.Out, s.Client.Scheme(), obj, g.output); done || err != nil {
				return err
			}
		}
		if obj, err = asSent(s.Client.Scheme(), obj); err != nil {
			return err
		}
		r = Result{Type: t, Object: obj, Action: Created}
	} else {
		if t.Namespaced {
			obj.SetNamespace(c.Flags.NamespaceOrDefault())
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		defer cancel()
		if r = Create(rctx, s.Client, t, obj, mode == "server"); r.Err != nil {
			if format, ok := createFailure[gk.Kind]; ok {
				// The server's error as text: kubectl prints it as
				// "error: ...", not as a server error.
				return fmt.Errorf(format, r.Err.Error())
			}
			return r.Err
		}
	}
	suffix := dryRunSuffix(mode)
	return c.printResult(r, g.output, suffix)
}

// saveGeneratedConfig sets obj's last-applied annotation as kubectl's
// generators do with --save-config: the object as its Go type encodes it
// (kind first, a namespace only when --namespace named one), before the
// request's namespace is filled in.
func saveGeneratedConfig(scheme *runtime.Scheme, obj *unstructured.Unstructured) error {
	typed, err := goObject(scheme, obj)
	if err != nil {
		return err
	}
	if typed == nil {
		return setLastApplied(obj)
	}
	data, err := json.Marshal(typed)
	if err != nil {
		return err
	}
	annots := obj.GetAnnotations()
	if annots == nil {
		annots = map[string]string{}
	}
	annots[LastAppliedAnnotation] = string(data) + "\n"
	obj.SetAnnotations(annots)
	return nil
}

// printTyped prints obj as its Go type encodes it, -o json (four-space
// indent) or kyaml, and reports whether it did: a kind without a Go
// type is not printed here.
func printTyped(w io.Writer, scheme *runtime.Scheme, obj *unstructured.Unstructured, output string) (bool, error) {
	typed, err := goObject(scheme, obj)
	if err != nil || typed == nil {
		return err != nil, err
	}
	if output == "kyaml" {
		var enc kyaml.Encoder
		return true, enc.FromObject(typed, w)
	}
	data, err := printers.Encode(typed, false)
	if err != nil {
		return true, err
	}
	_, err = w.Write(data)
	return true, err
}

// goObject is obj converted into its Go type, or nil for a kind without
// one (a typed kind whose Go type is Unstructured counts as none).
func goObject(scheme *runtime.Scheme, obj *unstructured.Unstructured) (runtime.Object, error) {
	typed, err := scheme.New(obj.GroupVersionKind())
	if err != nil {
		return nil, nil //nolint:nilerr // no Go type: the caller uses the object as it is
	}
	if _, ok := typed.(runtime.Unstructured); ok {
		return nil, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, typed); err != nil {
		return nil, err
	}
	typed.GetObjectKind().SetGroupVersionKind(obj.GroupVersionKind())
	return typed, nil
}

// asSent is obj as kubectl's generators send it: encoded from its Go
// type, so that a Namespace has its empty spec and status, and no
// creationTimestamp (omitted since apimachinery v0.35's omitzero; kubectl
// 1.37 prints none). A kind without a Go type is returned as it is.
func asSent(scheme *runtime.Scheme, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	typed, err := goObject(scheme, obj)
	if err != nil || typed == nil {
		return obj, err
	}
	data, err := json.Marshal(typed)
	if err != nil {
		return nil, err
	}
	out := &unstructured.Unstructured{}
	if err := out.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return out, nil
}

func newCoreObject(kind, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": name}}}
	return u
}

func (c *CLI) newCreateNamespace() *cobra.Command {
	g := &generatorFlags{}
	cmd := &cobra.Command{
		Use:     "namespace NAME [--dry-run=server|client|none]",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the specified name",
		Example: "  # Create a new namespace named my-namespace\n  " + c.Name + " create namespace my-namespace",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "Namespace"}, newCoreObject("Namespace", args[0]))
		}),
	}
	g.add(cmd)
	return cmd
}

func (c *CLI) newCreateServiceAccount() *cobra.Command {
	g := &generatorFlags{}
	cmd := &cobra.Command{
		Use:     "serviceaccount NAME [--dry-run=server|client|none]",
		Aliases: []string{"sa"},
		Short:   "Create a service account with the specified name",
		Long:    "Create a service account with the specified name.",
		Example: "  # Create a new service account named my-service-account\n  " + c.Name + " create serviceaccount my-service-account",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "ServiceAccount"}, newCoreObject("ServiceAccount", args[0]))
		}),
	}
	g.add(cmd)
	return cmd
}

// sources are the --from-literal, --from-file and --from-env-file flags.
type sources struct {
	literals, files, envFiles []string
}

func (s *sources) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&s.literals, "from-literal", nil, "Specify a key and literal value to insert (i.e. mykey=somevalue)")
	f.StringSliceVar(&s.files, "from-file", nil, "Key file can be specified using its file path, in which case file basename will be used as key, or optionally with a key and file path, in which case the given key will be used.  Specifying a directory will iterate each named file in the directory whose basename is a valid key.")
	f.StringSliceVar(&s.envFiles, "from-env-file", nil, "Specify the path to a file to read lines of key=val pairs.")
}

// keyRules are kubectl's messages for a bad or duplicate key, which
// differ between its ConfigMap and Secret generators.
type keyRules struct {
	invalid   func(key string, errs []string) error
	duplicate func(key string, utf8 bool) error
}

func configMapKeys(name string) keyRules {
	return keyRules{
		invalid: func(k string, errs []string) error {
			return fmt.Errorf("%q is not a valid key name for a ConfigMap: %s", k, strings.Join(errs, ","))
		},
		duplicate: func(k string, utf8 bool) error {
			bag := "BinaryData"
			if utf8 {
				bag = "Data"
			}
			return fmt.Errorf("cannot add key %q, another key by that name already exists in %s for ConfigMap %q", k, bag, name)
		},
	}
}

var secretKeys = keyRules{
	invalid: func(k string, errs []string) error {
		return fmt.Errorf("%q is not valid key name for a Secret %s", k, strings.Join(errs, ";"))
	},
	duplicate: func(k string, _ bool) error {
		return fmt.Errorf("cannot add key %s, another key by that name already exists", k)
	},
}

// parseFileSource splits a --from-file value into key and path as
// kubectl does: "path" (the key is its base name) or "key=path".
func parseFileSource(source string) (key, path string, err error) {
	switch n := strings.Count(source, "="); {
	case n == 0:
		return filepath.Base(source), source, nil
	case n == 1 && strings.HasPrefix(source, "="):
		return "", "", fmt.Errorf("key name for file path %v missing", strings.TrimPrefix(source, "="))
	case n == 1 && strings.HasSuffix(source, "="):
		return "", "", fmt.Errorf("file path for key name %v missing", strings.TrimSuffix(source, "="))
	case n > 1:
		return "", "", errors.New("key names or file paths cannot contain '='")
	}
	key, path, _ = strings.Cut(source, "=")
	return key, path, nil
}

// collect returns the key/value pairs the sources name, refusing invalid
// and duplicate keys with kubectl's messages for rules' kind. A directory
// gives one key per regular file in it.
func (s *sources) collect(rules keyRules) (map[string][]byte, error) {
	out := map[string][]byte{}
	put := func(k string, v []byte) error {
		if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
			return rules.invalid(k, errs)
		}
		if _, dup := out[k]; dup {
			return rules.duplicate(k, utf8.Valid(v))
		}
		out[k] = v
		return nil
	}
	for _, l := range s.literals {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid literal source %v, expected key=value", l)
		}
		if err := put(k, []byte(v)); err != nil {
			return nil, err
		}
	}
	for _, f := range s.files {
		key, path, err := parseFileSource(f)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("error reading %s: %w", path, err)
		}
		if fi.IsDir() {
			if strings.Contains(f, "=") {
				return nil, fmt.Errorf("cannot give a key name for a directory path")
			}
			entries, err := os.ReadDir(path)
			if err != nil {
				return nil, fmt.Errorf("error listing files in %s: %w", path, err)
			}
			for _, e := range entries {
				if !e.Type().IsRegular() {
					continue
				}
				data, err := os.ReadFile(filepath.Join(path, e.Name()))
				if err != nil {
					return nil, err
				}
				if err := put(e.Name(), data); err != nil {
					return nil, err
				}
			}
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := put(key, data); err != nil {
			return nil, err
		}
	}
	for _, ef := range s.envFiles {
		if err := readEnvFile(ef, put); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readEnvFile passes each KEY=value line of an env file to put, as
// kubectl's --from-env-file reads it: blank lines and comments skipped,
// a bare KEY taken from the environment.
func readEnvFile(ef string, put func(string, []byte) error) error {
	data, err := os.ReadFile(ef)
	if err != nil {
		// kubectl's words: the file and the system's reason.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("error reading %s: %w", ef, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			v = os.Getenv(k)
		}
		if err := put(k, []byte(v)); err != nil {
			return fmt.Errorf("%s line %d: %w", ef, n, err)
		}
	}
	return nil
}

func (c *CLI) newCreateConfigMap() *cobra.Command {
	g := &generatorFlags{}
	src := &sources{}
	cmd := &cobra.Command{
		Use:     "configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Aliases: []string{"cm"},
		Short:   "Create a config map from a local file, directory or literal value",
		Example: "  # Create a config map with two keys\n  " + c.Name + " create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			kv, err := src.collect(configMapKeys(args[0]))
			if err != nil {
				return err
			}
			u := newCoreObject("ConfigMap", args[0])
			data, binary := map[string]any{}, map[string]any{}
			for k, v := range kv {
				if utf8.Valid(v) {
					data[k] = string(v)
				} else {
					binary[k] = base64.StdEncoding.EncodeToString(v)
				}
			}
			if len(data) > 0 {
				u.Object["data"] = data
			}
			if len(binary) > 0 {
				u.Object["binaryData"] = binary
			}
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "ConfigMap"}, u)
		}),
	}
	g.add(cmd)
	src.add(cmd)
	return cmd
}

func (c *CLI) newCreateSecret() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret (docker-registry | generic | tls)",
		Short: "Create a secret using a specified subcommand",
		Long:  "Create a secret with specified type.\n\nA docker-registry type secret is for accessing a container registry.\n\nA generic type secret indicate an Opaque secret type.\n\nA tls type secret holds TLS certificate and its associated key.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// kubectl's DefaultSubCommandRun: the help, on stderr, and exit 1.
			cmd.SetOut(c.ErrOut)
			_ = cmd.Help()
			return &ExitError{Code: 1}
		},
	}
	cmd.AddCommand(c.newCreateSecretGeneric(), c.newCreateSecretTLS(), c.newCreateSecretDockerRegistry())
	return cmd
}

// newSecret returns the Secret a generator creates: its type (omitted
// when empty, for the server to default) and data.
func newSecret(name string, typ corev1.SecretType, kv map[string][]byte) *unstructured.Unstructured {
	u := newCoreObject("Secret", name)
	if typ != "" {
		u.Object["type"] = string(typ)
	}
	if len(kv) > 0 {
		data := make(map[string]any, len(kv))
		for k, v := range kv {
			data[k] = base64.StdEncoding.EncodeToString(v)
		}
		u.Object["data"] = data
	}
	return u
}

func (c *CLI) newCreateSecretGeneric() *cobra.Command {
	g := &generatorFlags{}
	src := &sources{}
	var typ string
	cmd := &cobra.Command{
		Use:   "generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Short: "Create a secret from a local file, directory, or literal value",
		Example: "  # Create a secret with keys for each file in folder bar\n  " + c.Name + " create secret generic my-secret --from-file=path/to/bar\n\n" +
			"  # Create a secret with the specified keys\n  " + c.Name + " create secret generic my-secret --from-literal=key1=supersecret",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			kv, err := src.collect(secretKeys)
			if err != nil {
				return err
			}
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "Secret"}, newSecret(args[0], corev1.SecretType(typ), kv))
		}),
	}
	g.add(cmd)
	src.add(cmd)
	cmd.Flags().StringVar(&typ, "type", "", "The type of secret to create")
	return cmd
}

// readSecretFile reads a --cert or --key file, failing with kubectl's
// message.
func readSecretFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("Cannot read file %v, %w", path, err) //nolint:staticcheck // kubectl's message, capital included
	}
	return data, nil
}

func (c *CLI) newCreateSecretTLS() *cobra.Command {
	g := &generatorFlags{}
	var cert, key string
	cmd := &cobra.Command{
		Use:   "tls NAME --cert=path/to/cert/file --key=path/to/key/file [--dry-run=server|client|none]",
		Short: "Create a TLS secret",
		Long: "Create a TLS secret from the given public/private key pair.\n\nThe public/private key pair must exist beforehand. " +
			"The public key certificate must be .PEM encoded and match the given private key.",
		Example: "  # Create a new TLS secret named tls-secret with the given key pair\n  " + c.Name +
			" create secret tls tls-secret --cert=path/to/tls.crt --key=path/to/tls.key",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			if cert == "" || key == "" {
				return errors.New("key and cert must be specified")
			}
			crt, err := readSecretFile(cert)
			if err != nil {
				return err
			}
			k, err := readSecretFile(key)
			if err != nil {
				return err
			}
			// As kubectl: the pair must parse and match.
			if _, err := tls.X509KeyPair(crt, k); err != nil {
				return err
			}
			u := newSecret(args[0], corev1.SecretTypeTLS, map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: k})
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "Secret"}, u)
		}),
	}
	g.add(cmd)
	cmd.Flags().StringVar(&cert, "cert", "", "Path to PEM encoded public key certificate.")
	cmd.Flags().StringVar(&key, "key", "", "Path to private key associated with given certificate.")
	_ = cmd.MarkFlagFilename("cert")
	_ = cmd.MarkFlagFilename("key")
	return cmd
}

// dockerConfigEntry and dockerConfigJSON are the ~/.docker/config.json
// layout kubectl writes, field order and omitempty included.
type dockerConfigEntry struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Email    string `json:"email,omitempty"`
	Auth     string `json:"auth,omitempty"`
}

type dockerConfigJSON struct {
	Auths map[string]dockerConfigEntry `json:"auths"`
}

func (c *CLI) newCreateSecretDockerRegistry() *cobra.Command {
	g := &generatorFlags{}
	var user, password, email, server string
	var files []string
	cmd := &cobra.Command{
		Use:   "docker-registry NAME --docker-username=user --docker-password=password --docker-email=email [--docker-server=string] [--from-file=[key=]source] [--dry-run=server|client|none]",
		Short: "Create a secret for use with a Docker registry",
		Long: `Create a new secret for use with Docker registries.

Dockercfg secrets are used to authenticate against Docker registries.

When using the Docker command line to push images, you can authenticate to a given registry by running:
	'$ docker login DOCKER_REGISTRY_SERVER --username=DOCKER_USER --password=DOCKER_PASSWORD --email=DOCKER_EMAIL'.

That produces a ~/.dockercfg file that is used by subsequent 'docker push' and 'docker pull' commands to
authenticate to the registry. The email address is optional.

When creating applications, you may have a Docker registry that requires authentication.  In order for the
nodes to pull images on your behalf, they must have the credentials.  You can provide this information
by creating a dockercfg secret and attaching it to your service account.`,
		Example: "  # If you do not already have a .dockercfg file, create a dockercfg secret directly\n  " + c.Name +
			" create secret docker-registry my-secret --docker-server=DOCKER_REGISTRY_SERVER --docker-username=DOCKER_USER --docker-password=DOCKER_PASSWORD --docker-email=DOCKER_EMAIL\n\n" +
			"  # Create a new secret named my-secret from ~/.docker/config.json\n  " + c.Name + " create secret docker-registry my-secret --from-file=path/to/.docker/config.json",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			if len(files) == 0 && (user == "" || password == "" || server == "") {
				return errors.New("either --from-file or the combination of --docker-username, --docker-password and --docker-server is required")
			}
			var kv map[string][]byte
			if len(files) > 0 {
				// A file without a key name is the .dockerconfigjson key.
				src := &sources{}
				for _, f := range files {
					if !strings.Contains(f, "=") {
						f = corev1.DockerConfigJsonKey + "=" + f
					}
					src.files = append(src.files, f)
				}
				var err error
				if kv, err = src.collect(secretKeys); err != nil {
					return err
				}
			} else {
				cfg, err := json.Marshal(dockerConfigJSON{Auths: map[string]dockerConfigEntry{server: {
					Username: user, Password: password, Email: email,
					Auth: base64.StdEncoding.EncodeToString([]byte(user + ":" + password)),
				}}})
				if err != nil {
					return err
				}
				kv = map[string][]byte{corev1.DockerConfigJsonKey: cfg}
			}
			u := newSecret(args[0], corev1.SecretTypeDockerConfigJson, kv)
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "Secret"}, u)
		}),
	}
	g.add(cmd)
	f := cmd.Flags()
	f.StringVar(&user, "docker-username", "", "Username for Docker registry authentication")
	f.StringVar(&password, "docker-password", "", "Password for Docker registry authentication")
	f.StringVar(&email, "docker-email", "", "Email for Docker registry")
	f.StringVar(&server, "docker-server", "https://index.docker.io/v1/", "Server location for Docker registry")
	f.StringSliceVar(&files, "from-file", nil, "Key files can be specified using their file path, in which case a default name of "+corev1.DockerConfigJsonKey+
		" will be given to them, or optionally with a name and file path, in which case the given name will be used. "+
		"Specifying a directory will iterate each named file in the directory that is a valid secret key. For this command, the key should always be "+corev1.DockerConfigJsonKey+".")
	return cmd
}
