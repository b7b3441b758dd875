package cliruntime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/registry"
)

func (c *CLI) newCreateCommand() *cobra.Command {
	o := &WriteOptions{}
	cmd := &cobra.Command{
		Use:   "create -f FILENAME [flags]",
		Short: "Create a resource from a file or from stdin",
		Long: `Create a resource from a file or from stdin.

JSON and YAML formats are accepted. Every object is validated before any is written; with --continue-on-error the valid objects are written even if others fail.`,
		Example: `  # Create the objects of a file
  ` + c.Name + ` create -f item.yaml

  # Create a namespace
  ` + c.Name + ` create namespace shop`,
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.writeAll(cmd.Context(), "create", o, func(ctx context.Context, t *registry.Type, obj *unstructured.Unstructured, dryRun string) Result {
				if dryRun == "client" {
					// kubectl does not contact the server at all.
					return Result{Type: t, Object: obj, Action: Created}
				}
				s, _ := c.Session(ctx)
				return Create(ctx, s.Client, t, obj, dryRun == "server")
			})
		}),
	}
	o.addFlags(cmd, "create")
	cmd.AddCommand(c.newCreateNamespace(), c.newCreateConfigMap(), c.newCreateSecret(), c.newCreateServiceAccount())
	return cmd
}

type generatorFlags struct {
	output, dryRun string
}

func (g *generatorFlags) add(cmd *cobra.Command) {
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
// --dry-run=client as kubectl does (with creationTimestamp: null, and a
// namespace only when --namespace was given).
func (c *CLI) createGenerated(ctx context.Context, g *generatorFlags, gk schema.GroupKind, obj *unstructured.Unstructured) error {
	wo := WriteOptions{DryRun: g.dryRun}
	mode, err := wo.dryRunMode()
	if err != nil {
		return err
	}
	if err := checkWriteOutput(g.output); err != nil {
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
	var r Result
	if mode == "client" {
		if t.Namespaced && c.Flags.NamespaceExplicit {
			obj.SetNamespace(c.Flags.Namespace)
		}
		obj.Object["metadata"].(map[string]any)["creationTimestamp"] = nil
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
				return fmt.Errorf(format, r.Err)
			}
			return r.Err
		}
	}
	suffix := map[string]string{"client": " (dry run)", "server": " (server dry run)"}[mode]
	return c.printResult(r, g.output, suffix)
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

// collect returns the key/value pairs the sources name, refusing invalid
// and duplicate keys as kubectl does.
func (s *sources) collect() (map[string][]byte, error) {
	out := map[string][]byte{}
	put := func(k string, v []byte) error {
		if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
			return fmt.Errorf("%q is not a valid key name: %s", k, strings.Join(errs, ";"))
		}
		if _, dup := out[k]; dup {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in Data for ConfigMap %q", k, "")
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
		key, path, ok := strings.Cut(f, "=")
		if !ok {
			key, path = "", f
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("error reading %s: %w", path, err)
		}
		if fi.IsDir() {
			if key != "" {
				return nil, fmt.Errorf("cannot give a key name for a directory path")
			}
			entries, err := os.ReadDir(path)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if e.IsDir() || len(validation.IsConfigMapKey(e.Name())) > 0 {
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
		if key == "" {
			key = filepath.Base(path)
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
		data, err := os.ReadFile(ef)
		if err != nil {
			return nil, err
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
				return nil, fmt.Errorf("%s line %d: %w", ef, n, err)
			}
		}
	}
	return out, nil
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
			kv, err := src.collect()
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
		Use:   "secret (generic) NAME",
		Short: "Create a secret",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return UsageErrorf(cmd.CommandPath(), "you must specify a secret type: generic")
		},
	}
	g := &generatorFlags{}
	src := &sources{}
	var typ string
	generic := &cobra.Command{
		Use:   "generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none]",
		Short: "Create a secret from a local file, directory, or literal value",
		Example: "  # Create a secret with keys for each file in folder bar\n  " + c.Name + " create secret generic my-secret --from-file=path/to/bar\n\n" +
			"  # Create a secret with the specified keys\n  " + c.Name + " create secret generic my-secret --from-literal=key1=supersecret",
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return UsageErrorf(cmd.CommandPath(), "exactly one NAME is required, got %d", len(args))
			}
			kv, err := src.collect()
			if err != nil {
				return err
			}
			u := newCoreObject("Secret", args[0])
			data := map[string]any{}
			for k, v := range kv {
				data[k] = base64.StdEncoding.EncodeToString(v)
			}
			if len(data) > 0 {
				u.Object["data"] = data
			}
			if typ == "" {
				typ = "Opaque"
			}
			u.Object["type"] = typ
			return c.createGenerated(cmd.Context(), g, schema.GroupKind{Kind: "Secret"}, u)
		}),
	}
	g.add(generic)
	src.add(generic)
	generic.Flags().StringVar(&typ, "type", "", "The type of secret to create")
	cmd.AddCommand(generic)
	return cmd
}
