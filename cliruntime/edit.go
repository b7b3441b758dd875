package cliruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
)

// errNoValidChanges is kubectl's message, full stop included.
var errNoValidChanges = errors.New(strings.Clone(noValidChanges))

const noValidChanges = "Edit cancelled, no valid changes were saved."

const editHeader = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`

// editorCommand returns the command line that opens path in the user's
// editor: KUBE_EDITOR, EDITOR, else vi. An editor value with spaces or
// shell syntax runs through sh, as kubectl does.
func (c *CLI) editorCommand(path string) *exec.Cmd {
	editor := c.getenv("KUBE_EDITOR")
	if editor == "" {
		editor = c.getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	if strings.ContainsAny(editor, " \t'\"|;&$") {
		return exec.Command("sh", "-c", editor+" "+shellQuote(path))
	}
	return exec.Command(editor, path)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func stripHashComments(data []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

func (c *CLI) newEditCommand() *cobra.Command {
	var output, sub string
	cmd := &cobra.Command{
		Use:   "edit (TYPE NAME | TYPE/NAME)",
		Short: "Edit a resource",
		Long: `Edit a resource from the default editor.

The editor is the KUBE_EDITOR or EDITOR environment variable, else vi. The object is opened as YAML (or JSON with -o json); when saving it fails, the file is reopened with the errors at the top. Saving an unchanged file cancels the edit.`,
		Example:           "  # Edit an item\n  " + c.Name + " edit item hammer\n\n  # Use another editor\n  KUBE_EDITOR=\"nano\" " + c.Name + " edit item/hammer",
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			if output != "yaml" && output != "json" {
				return fmt.Errorf("the flag 'output' must be one of yaml|json")
			}
			ctx := cmd.Context()
			s, err := c.Session(ctx)
			if err != nil {
				return err
			}
			targets, err := c.targets(ctx, s, args, FilenameOptions{}, cmd.CommandPath())
			if err != nil {
				return err
			}
			for _, tg := range targets {
				if err := c.editOne(ctx, s, tg, output == "yaml", sub); err != nil {
					return err
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "yaml", "Output format. One of: yaml|json.")
	addSubresourceFlag(cmd, &sub, "If specified, edit will operate on the subresource of the requested object.")
	return cmd
}

func (c *CLI) editOne(ctx context.Context, s *Session, tg Result, asYAML bool, sub string) error {
	rctx, cancel, err := c.requestContext(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	if err := CheckSubresource(tg.Type, sub, tg.Object.GetName()); err != nil {
		return err
	}
	current, err := Get(rctx, s.Client, tg.Type, tg.Object.GetNamespace(), tg.Object.GetName())
	if err != nil {
		return err
	}
	original, err := Encode(current.Object, asYAML)
	if err != nil {
		return err
	}
	ext := ".yaml"
	if !asYAML {
		ext = ".json"
	}
	dir, err := os.MkdirTemp("", "k1s-edit-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	file := filepath.Join(dir, strings.ReplaceAll(tg.Type.Resource+"-"+current.GetName(), "/", "-")+ext)
	header := editHeader
	body := original
	var lastEdited []byte
	for {
		if err := os.WriteFile(file, append([]byte(header), body...), 0o600); err != nil {
			return err
		}
		ed := c.editorCommand(file)
		ed.Stdin, ed.Stdout, ed.Stderr = os.Stdin, c.Out, c.ErrOut
		if err := ed.Run(); err != nil {
			return fmt.Errorf("there was a problem with the editor %q: %w", ed.Args[0], err)
		}
		edited, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		edited = stripHashComments(edited)
		if len(bytes.TrimSpace(edited)) == 0 {
			_, _ = fmt.Fprintln(c.ErrOut, "Edit cancelled, saved file was empty.")
			return nil
		}
		if bytes.Equal(bytes.TrimSpace(edited), bytes.TrimSpace(original)) {
			if lastEdited != nil {
				keep := filepath.Join(os.TempDir(), filepath.Base(file))
				_ = os.WriteFile(keep, edited, 0o600)
				_, _ = fmt.Fprintf(c.ErrOut, "A copy of your changes has been stored to %q\n", keep)
				return errNoValidChanges
			}
			_, _ = fmt.Fprintln(c.ErrOut, "Edit cancelled, no changes made.")
			return nil
		}
		if lastEdited != nil && bytes.Equal(edited, lastEdited) {
			keep := filepath.Join(os.TempDir(), filepath.Base(file))
			_ = os.WriteFile(keep, edited, 0o600)
			_, _ = fmt.Fprintf(c.ErrOut, "A copy of your changes has been stored to %q\n", keep)
			return errNoValidChanges
		}
		lastEdited = edited
		patchErr := c.saveEdit(rctx, s, tg, current, original, edited, sub)
		if patchErr == nil {
			_, _ = fmt.Fprintf(c.Out, "%s edited\n", ResourceName(tg.Type.Kind.GroupKind(), current.GetName()))
			return nil
		}
		// Reopen with the failure on top, as kubectl does, keeping the
		// user's text.
		header = editHeader + "# " + tg.Type.QualifiedResource() + " " + fmt.Sprintf("%q", current.GetName()) + " was not valid:\n" +
			commentLines(FormatError(patchErr)) + "#\n"
		body = edited
	}
}

func commentLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		b.WriteString("# " + strings.TrimPrefix(strings.TrimPrefix(l, "error: "), "* ") + "\n")
	}
	return b.String()
}

// saveEdit patches the live object with the difference between what the
// editor showed and what it saved.
func (c *CLI) saveEdit(ctx context.Context, s *Session, tg Result, current *unstructured.Unstructured, original, edited []byte, sub string) error {
	origJSON, err := yaml.YAMLToJSON(original)
	if err != nil {
		return err
	}
	editJSON, err := yaml.YAMLToJSON(edited)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the edited file is not valid YAML: %v", err))
	}
	var probe map[string]any
	if err := json.Unmarshal(editJSON, &probe); err != nil || probe == nil {
		return apierrors.NewBadRequest("the edited file is not an object")
	}
	if probe["kind"] != current.GetKind() || probe["apiVersion"] != current.GetAPIVersion() {
		return apierrors.NewBadRequest("apiVersion and kind cannot be changed by edit")
	}
	if md, _ := probe["metadata"].(map[string]any); md == nil || md["name"] != current.GetName() {
		return apierrors.NewBadRequest("metadata.name cannot be changed by edit")
	}
	var patch []byte
	pt := types.MergePatchType
	if typed := typedObject(s.Client.Scheme(), tg.Type); typed != nil {
		pt = types.StrategicMergePatchType
		patch, err = strategicpatch.CreateTwoWayMergePatch(origJSON, editJSON, typed)
	} else {
		patch, err = jsonpatch.CreateMergePatch(origJSON, editJSON)
	}
	if err != nil {
		return err
	}
	// As kubectl's, the patch carries no resourceVersion (unless the
	// user edited it): changes made meanwhile to other fields merge.
	target := current.DeepCopy()
	if sub != "" {
		// Only the status of the edit is written.
		return s.Client.Status().Patch(ctx, target, client.RawPatch(pt, patch))
	}
	return s.Client.Patch(ctx, target, client.RawPatch(pt, patch))
}
