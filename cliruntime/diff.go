package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
)

// Environment variables naming the program diff runs; the first set
// wins. KUBECTL_EXTERNAL_DIFF is honoured so that a user's kubectl set-up
// carries over.
const (
	EnvExternalDiff        = "K1S_EXTERNAL_DIFF"
	EnvKubectlExternalDiff = "KUBECTL_EXTERNAL_DIFF"
)

// The masks kubectl diff puts in place of secret values.
const (
	maskDefault = "***"
	maskBefore  = "*** (before)"
	maskAfter   = "*** (after)"
)

// DiffOptions are the flags of diff.
type DiffOptions struct {
	Files resource.FilenameOptions
	// ServerSide diffs against a server-side apply (with Force to take
	// over conflicting fields) instead of a client-side one.
	ServerSide, Force bool
	FieldManager      string
	// ShowManagedFields keeps metadata.managedFields in both versions.
	ShowManagedFields bool
	// ShowSecrets shows secret values instead of masks.
	ShowSecrets bool
	// Selector keeps only the objects of the files whose labels match.
	Selector string
}

// diffExit is how diff ends: the diff program's exit status 1 (there
// are differences) is kubectl's exit status 1; every error is status 2,
// so that a script can tell "changed" from "failed".
func (c *CLI) diffExit(err error) error {
	var ee *ExitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	_, _ = fmt.Fprintln(c.ErrOut, FormatError(err))
	return &ExitError{Code: 2}
}

func (c *CLI) newDiffCommand() *cobra.Command {
	o := &DiffOptions{}
	cmd := &cobra.Command{
		Use:   "diff -f FILENAME",
		Short: "Diff the live version against a would-be applied version",
		Long: `Diff configurations specified by file name or stdin between the current online configuration, and the configuration as it would be if applied.

The output is always YAML. The two versions are written to directories named LIVE-* and MERGED-* under the temporary directory, one file per object, and compared with "diff -u -N"; the merged version is what a server-side dry run of the apply returns. Secret values are masked unless --show-secrets.

` + c.Flags.Brand.Env(EnvExternalDiff) + ` or ` + EnvKubectlExternalDiff + ` names another program (and its flags: words of letters, digits, "-" and "=" only), e.g. "colordiff -N -u"; it is run with the two directories as its last arguments.

Exit status:
 0
No differences were found.
 1
Differences were found.
 >1
` + c.Name + ` or diff failed with an error.`,
		Example: `  # Diff the objects of item.yaml against the store
  ` + c.Name + ` diff -f item.yaml

  # Diff a file read from stdin
  cat item.yaml | ` + c.Name + ` diff -f -`,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if len(args) != 0 {
				return c.diffExit(UsageErrorf(cmd.CommandPath(), "Unexpected args: %v", args))
			}
			if !cmd.Flags().Changed("field-manager") && o.ServerSide {
				o.FieldManager = "kubectl"
			}
			return c.diffExit(c.runDiff(cmd.Context(), o))
		}),
	}
	cmd.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return c.diffExit(&flagError{err: err, command: cmd.CommandPath()})
	})
	f := cmd.Flags()
	f.StringSliceVarP(&o.Files.Filenames, "filename", "f", nil, "Filename, directory, or - for stdin: the files that contain the configuration to diff.")
	f.BoolVarP(&o.Files.Recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively.")
	f.BoolVar(&o.ServerSide, "server-side", false, "If true, apply runs in the server instead of the client.")
	f.BoolVar(&o.Force, "force-conflicts", false, "If true, server-side apply will force the changes against conflicts.")
	f.StringVar(&o.FieldManager, "field-manager", "kubectl-client-side-apply", "Name of the manager used to track field ownership.")
	f.BoolVar(&o.ShowManagedFields, "show-managed-fields", false, "If true, include managed fields in the diff.")
	f.BoolVar(&o.ShowSecrets, "show-secrets", false, "If true, do not mask secret values in the diff.")
	f.StringVarP(&o.Selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	_ = cmd.MarkFlagFilename("filename", "json", "yaml", "yml")
	return cmd
}

// runDiff writes the live and merged version of every object of the
// files and runs the diff program over them.
func (c *CLI) runDiff(ctx context.Context, o *DiffOptions) error {
	if len(o.Files.Filenames) == 0 {
		return errors.New("must specify one of -f and -k")
	}
	if o.Force && !o.ServerSide {
		return errors.New("--force-conflicts only works with --server-side")
	}
	selector, err := labels.Parse(o.Selector)
	if err != nil {
		return err
	}
	infos, err := o.Files.Read(c.In)
	if err != nil {
		return err
	}
	s, err := c.preparedSession(ctx, infos)
	if err != nil {
		return err
	}
	liveDir, err := os.MkdirTemp("", "LIVE-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(liveDir) }()
	mergedDir, err := os.MkdirTemp("", "MERGED-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(mergedDir) }()
	for _, info := range infos {
		if !selector.Matches(labels.Set(info.Object.GetLabels())) {
			continue
		}
		if c.interrupted(ctx) {
			return nil
		}
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return err
		}
		live, err := resource.Get(rctx, s.Client, info.Type, info.Object.GetNamespace(), info.Object.GetName())
		if apierrors.IsNotFound(err) {
			live, err = nil, nil
		}
		if err != nil {
			cancel()
			return err
		}
		r := Apply(rctx, s.Client, info.Type, info.Object, ApplyOptions{
			DryRun: true, ServerSide: o.ServerSide, Force: o.Force, FieldManager: o.FieldManager, WithoutLastApplied: true,
		})
		cancel()
		if r.Err != nil {
			return r.Err
		}
		merged := r.Object
		if live != nil && live.GetDeletionTimestamp() != nil {
			_, _ = fmt.Fprintf(c.ErrOut, "Warning: Detected changes to resource %s which is currently being deleted.\n", live.GetName())
		}
		if err := writeDiffPair(liveDir, mergedDir, diffFileName(info.Object), live, merged, o); err != nil {
			return err
		}
	}
	return c.runDiffProgram(liveDir, mergedDir)
}

// diffFileName is kubectl's name for an object's file:
// [group.]version.Kind.namespace.name.
func diffFileName(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	name := fmt.Sprintf("%s.%s.%s.%s", gvk.Version, gvk.Kind, u.GetNamespace(), u.GetName())
	if gvk.Group != "" {
		name = gvk.Group + "." + name
	}
	return name
}

// writeDiffPair writes the two versions of one object as YAML (a missing
// live object is an empty file), without managedFields and with secret
// values masked unless o says otherwise.
func writeDiffPair(liveDir, mergedDir, name string, live, merged *unstructured.Unstructured, o *DiffOptions) error {
	if live != nil {
		live = live.DeepCopy()
	}
	merged = merged.DeepCopy()
	if !o.ShowManagedFields {
		for _, u := range []*unstructured.Unstructured{live, merged} {
			if u != nil {
				u.SetManagedFields(nil)
			}
		}
	}
	if gvk := merged.GroupVersionKind(); !o.ShowSecrets && gvk.Version == "v1" && gvk.Kind == "Secret" {
		maskSecretData(live, merged)
	}
	for _, v := range []struct {
		dir string
		u   *unstructured.Unstructured
	}{{liveDir, live}, {mergedDir, merged}} {
		var data []byte
		if v.u != nil {
			var err error
			if data, err = printers.Encode(v.u.Object, true); err != nil {
				return err
			}
		}
		if err := os.WriteFile(filepath.Join(v.dir, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// maskSecretData replaces the values of data in both versions as
// kubectl diff does: "***" where a key is in one version only or has the
// same value in both, "*** (before)" and "*** (after)" where it changed.
// The sizes and values never reach the diff.
func maskSecretData(from, to *unstructured.Unstructured) {
	data := func(u *unstructured.Unstructured) map[string]any {
		if u == nil {
			return nil
		}
		m, _, _ := unstructured.NestedMap(u.Object, "data")
		return m
	}
	f, t := data(from), data(to)
	for k, fv := range f {
		if tv, ok := t[k]; ok {
			if fv != tv {
				f[k], t[k] = maskBefore, maskAfter
				continue
			}
			t[k] = maskDefault
		}
		f[k] = maskDefault
	}
	for k := range t {
		if _, ok := f[k]; !ok {
			t[k] = maskDefault
		}
	}
	// kubectl leaves the last-applied annotation, where stringData
	// values stand in clear; k1s masks it the same way.
	annot := func(u *unstructured.Unstructured) (string, bool) {
		if u == nil {
			return "", false
		}
		v, ok := u.GetAnnotations()[LastAppliedAnnotation]
		return v, ok
	}
	setAnnot := func(u *unstructured.Unstructured, v string) {
		a := u.GetAnnotations()
		a[LastAppliedAnnotation] = v
		u.SetAnnotations(a)
	}
	fa, fok := annot(from)
	ta, tok := annot(to)
	switch {
	case fok && tok && fa != ta:
		setAnnot(from, maskBefore)
		setAnnot(to, maskAfter)
	default:
		if fok {
			setAnnot(from, maskDefault)
		}
		if tok {
			setAnnot(to, maskDefault)
		}
	}
	if f != nil {
		_ = unstructured.SetNestedMap(from.Object, f, "data")
	}
	if t != nil {
		_ = unstructured.SetNestedMap(to.Object, t, "data")
	}
}

// diffArg is what kubectl lets through of the words after the program
// in KUBECTL_EXTERNAL_DIFF; others are dropped.
var diffArg = regexp.MustCompile(`^[a-zA-Z0-9-=]+$`)

// runDiffProgram runs the diff program, as kubectl: "diff -u -N from to"
// unless an environment variable names another. Its exit status 1 is
// returned as such; anything worse is an error.
func (c *CLI) runDiffProgram(from, to string) error {
	program, args := "diff", []string{"-u", "-N"}
	env := c.getenv(c.Flags.Brand.Env(EnvExternalDiff))
	if env == "" {
		env = c.getenv(EnvKubectlExternalDiff)
	}
	if env != "" {
		words := strings.Split(env, " ")
		program, args = words[0], nil
		for _, w := range words[1:] {
			if diffArg.MatchString(w) {
				args = append(args, w)
			}
		}
	}
	cmd := exec.Command(program, append(args, from, to)...)
	cmd.Stdout, cmd.Stderr = c.Out, c.ErrOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return &ExitError{Code: 1}
	}
	var execErr *exec.Error
	if errors.As(err, &execErr) {
		err = execErr.Err
	}
	if err != nil {
		return fmt.Errorf("failed to run %q: %w", program, err)
	}
	return nil
}
