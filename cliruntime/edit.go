package cliruntime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/worktracking"
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

// stripHeader removes the comment block at the top of an edited file:
// the header k1s wrote (and the errors of the last attempt). Comment
// lines anywhere else are the user's content — a "#" line inside a block
// scalar is data — and are never touched; comparisons go through the
// parsed document instead (see canonical).
func stripHeader(data []byte) []byte {
	for len(data) > 0 {
		line := data
		rest := []byte(nil)
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, rest = data[:i], data[i+1:]
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			break
		}
		data = rest
	}
	return data
}

// canonical returns the parsed form of an edited file, comments dropped
// by the YAML parser, as the JSON kubectl compares edits by; a file that
// does not parse is compared by its text without the header.
func canonical(data []byte) []byte {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return bytes.TrimSpace(stripHeader(data))
	}
	return j
}

// hasLines reports whether an edited file holds anything but blank and
// comment lines, as kubectl decides that a saved file was empty.
func hasLines(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}

// writeEditFile writes content to a new file in dir, the private (0700)
// directory of one edit: os.CreateTemp opens it with O_EXCL and mode
// 0600, so an existing path — a file or symlink someone planted — is
// never followed or reused.
func writeEditFile(dir, pattern string, content []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
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
			targets, err := c.targets(ctx, s, args, resource.FilenameOptions{}, cmd.CommandPath())
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
	current, err := resource.Get(rctx, s.Client, tg.Type, tg.Object.GetNamespace(), tg.Object.GetName())
	if err != nil {
		return err
	}
	original, err := printers.Encode(printers.OmitManagedFields(current.Object), asYAML)
	if err != nil {
		return err
	}
	ext := ".yaml"
	if !asYAML {
		ext = ".json"
	}
	// The object (a Secret, say) is written only inside a directory of our
	// own, mode 0700, removed when the edit ends however it ends.
	dir, err := os.MkdirTemp("", "k1s-edit-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	pattern := strings.ReplaceAll(tg.Type.Resource+"-"+current.GetName(), "/", "-") + "-*" + ext
	header := editHeader
	body := original
	origCanon := canonical(original)
	var lastEdited []byte
	for {
		file, err := writeEditFile(dir, pattern, append([]byte(header), body...))
		if err != nil {
			return err
		}
		ed := c.editorCommand(file)
		ed.Stdin, ed.Stdout, ed.Stderr = os.Stdin, c.Out, c.ErrOut
		runErr := ed.Run()
		if ctx.Err() != nil {
			// Interrupted while the editor ran: save nothing.
			return worktracking.ErrShuttingDown
		}
		if runErr != nil {
			return fmt.Errorf("there was a problem with the editor %q: %w", ed.Args[0], runErr)
		}
		edited, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		_ = os.Remove(file)
		if !hasLines(edited) {
			_, _ = fmt.Fprintln(c.ErrOut, "Edit cancelled, saved file was empty.")
			return nil
		}
		editedCanon := canonical(edited)
		if bytes.Equal(editedCanon, origCanon) || lastEdited != nil && bytes.Equal(editedCanon, lastEdited) {
			if lastEdited == nil {
				_, _ = fmt.Fprintln(c.ErrOut, "Edit cancelled, no changes made.")
				return nil
			}
			// Still invalid, or back to where it was after a failure: keep
			// the user's work, in a file of its own (never a name someone
			// could have planted), and give up.
			keep, err := writeEditFile("", "k1s-edit-"+pattern, stripHeader(edited))
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(c.ErrOut, "A copy of your changes has been stored to %q\n", keep)
			return errNoValidChanges
		}
		lastEdited = editedCanon
		patchErr := c.saveEdit(rctx, s, tg, current, original, edited, sub)
		if patchErr == nil {
			_, _ = fmt.Fprintf(c.Out, "%s edited\n", printers.ResourceName(tg.Type.Kind.GroupKind(), current.GetName()))
			return nil
		}
		// Reopen with the failure on top, as kubectl does, keeping the
		// user's text (all of it but the header it had).
		header = editHeader + "# " + tg.Type.QualifiedResource() + " " + fmt.Sprintf("%q", current.GetName()) + " was not valid:\n" +
			commentLines(FormatError(patchErr)) + "#\n"
		body = stripHeader(edited)
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
	// Read as any file is, duplicate fields treated as --validate says.
	files := &resource.FilenameOptions{FieldValidation: c.fieldValidation, Warn: c.printWarning}
	objs, err := files.Decode(bytes.NewReader(edited), "edited file")
	if err != nil {
		return err
	}
	if len(objs) != 1 {
		return apierrors.NewBadRequest(fmt.Sprintf("the edited file must hold one object, not %d", len(objs)))
	}
	probe := objs[0].Object
	editJSON, err := json.Marshal(probe)
	if err != nil {
		return err
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
