package cliruntime

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/decode"
)

// ExitError carries a process exit code without a message of its own:
// the command has already printed what went wrong.
type ExitError struct{ Code int }

// Error implements error.
func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// usageError is a mistake in the command line; kubectl follows it with a
// pointer to the command's help.
type usageError struct {
	msg     string
	command string
}

// Error implements error.
func (e *usageError) Error() string { return e.msg }

// UsageErrorf returns an error printed as kubectl prints usage mistakes:
// "error: <msg>" then "See '<command> -h' for help and examples".
func UsageErrorf(command, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), command: command}
}

// flagError is a mistake in a command's flags, which kubectl follows
// with "See '<command> --help' for usage." (its flag error function).
type flagError struct {
	err     error
	command string
}

// Error implements error.
func (e *flagError) Error() string { return e.err.Error() }

// Unwrap returns the flag parser's error.
func (e *flagError) Unwrap() error { return e.err }

// errNoResources is kubectl's error for a command given no objects.
var errNoResources = errors.New("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'") //nolint:staticcheck // kubectl's sentence

// bareError is printed as it is, without "error: ", as kubectl prints
// a few of its errors.
type bareError struct{ err error }

// Error implements error.
func (e bareError) Error() string { return e.err.Error() }

// Unwrap returns the error.
func (e bareError) Unwrap() error { return e.err }

// FormatError renders err as kubectl does on stderr, without the final
// newline: "Error from server (NotFound): ..." for API errors, "The Item
// "x" is invalid: ..." for validation errors, "error: ..." otherwise.
// An aggregate of errors renders one line per error.
func FormatError(err error) string {
	var agg utilerrors.Aggregate
	if errors.As(err, &agg) && len(agg.Errors()) > 0 {
		lines := make([]string, 0, len(agg.Errors()))
		for _, e := range agg.Errors() {
			lines = append(lines, FormatError(e))
		}
		return strings.Join(lines, "\n")
	}
	if lines, ok := decodeErrorLines(err); ok {
		return "error: " + strings.Join(lines, "\n")
	}
	var be bareError
	if errors.As(err, &be) {
		return be.Error()
	}
	var fe *flagError
	if errors.As(err, &fe) {
		return fmt.Sprintf("error: %s\nSee '%s --help' for usage.", fe.err, fe.command)
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return fmt.Sprintf("error: %s\nSee '%s -h' for help and examples", ue.msg, ue.command)
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return formatStatus(status.Status(), err)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error: ") {
		return msg
	}
	return "error: " + msg
}

// decodeErrorLines renders a manifest's decoding errors (one
// *decode.Error, or several joined), one line each: a YAML syntax error
// in kubectl's words ("error parsing bad.yaml: error converting YAML to
// JSON: yaml: line 4: ..."), the others with k1s's file, line and field.
func decodeErrorLines(err error) ([]string, bool) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	lines := make([]string, 0, len(errs))
	for _, e := range errs {
		de, ok := e.(*decode.Error) //nolint:errorlint // only a bare decode error is reworded: a wrapped one keeps its wrapper's words
		if !ok {
			return nil, false
		}
		switch {
		case de.Syntax != "":
			lines = append(lines, fmt.Sprintf("error parsing %s: %s", de.Source, de.Syntax))
		case de.Validation != "":
			lines = append(lines, fmt.Sprintf("error validating %q: error validating data: %s; if you choose to ignore these errors, turn validation off with --validate=false", de.Source, de.Validation), de.Error())
		case de.GoJSON != "":
			// kubectl's line, for scripts that match it, then k1s's, which
			// names the line, document and value.
			lines = append(lines, fmt.Sprintf("unable to decode %q: %s", de.Source, de.GoJSON), de.Error())
		default:
			lines = append(lines, de.Error())
		}
	}
	return lines, len(lines) > 0
}

func formatStatus(st metav1.Status, err error) string {
	if st.Reason == metav1.StatusReasonInvalid && st.Details != nil {
		d := st.Details
		s := "The request is invalid"
		if d.Kind != "" || d.Name != "" {
			s = fmt.Sprintf("The %s %q is invalid", d.Kind, d.Name)
		}
		if len(d.Causes) == 0 {
			return s + ": " + st.Message
		}
		causes := make([]string, 0, len(d.Causes))
		for _, c := range d.Causes {
			msg := c.Message
			if c.Field != "" {
				msg = c.Field + ": " + c.Message
			}
			causes = append(causes, msg)
		}
		if len(causes) == 1 {
			return s + ": " + causes[0]
		}
		return s + ": \n* " + strings.Join(causes, "\n* ")
	}
	msg := st.Message
	if msg == "" {
		msg = err.Error()
	}
	if st.Reason == "" || st.Reason == metav1.StatusReasonUnknown {
		return "Error from server: " + msg
	}
	return fmt.Sprintf("Error from server (%s): %s", st.Reason, msg)
}

// withSource rewrites an API error's message the way kubectl does when an
// object came from a file: `error when creating "items.yaml": ...`.
// Invalid errors are left alone: their message names the object already.
func withSource(verb, source string, err error) error {
	if source == "" || verb == "" {
		return err
	}
	var se *apierrors.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Reason == metav1.StatusReasonInvalid {
		return err
	}
	st := se.ErrStatus
	st.Message = fmt.Sprintf("error when %s %q: %s", verb, source, st.Message)
	return &apierrors.StatusError{ErrStatus: st}
}

// retrieveError is kubectl apply's error when it cannot read the live
// object: the object's mapping and name, then the source and the error
// (cmdutil.AddSourceToErr with resource.Info's String).
func retrieveError(info resource.Info, err error) error {
	gvk := info.Type.Kind
	gvr := gvk.GroupVersion().WithResource(info.Type.Resource)
	verb := fmt.Sprintf("retrieving current configuration of:\nResource: %q, GroupVersionKind: %q\nName: %q, Namespace: %q\nfrom server for:",
		gvr.String(), gvk.String(), info.Object.GetName(), info.Object.GetNamespace())
	if info.Source == "" {
		return err
	}
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		st := se.ErrStatus
		st.Message = fmt.Sprintf("error when %s %q: %s", verb, info.Source, st.Message)
		return &apierrors.StatusError{ErrStatus: st}
	}
	return fmt.Errorf("error when %s %q: %w", verb, info.Source, err)
}

// errorFromWatch turns a watch's ERROR event object into an error.
func errorFromWatch(obj runtime.Object) error {
	return apierrors.FromObject(obj)
}

// isNamespaceNotFound reports whether err says namespace ns is missing.
func isNamespaceNotFound(err error, ns string) bool {
	se, ok := err.(apierrors.APIStatus)
	if !ok || !apierrors.IsNotFound(err) {
		return false
	}
	d := se.Status().Details
	return d != nil && d.Kind == "namespaces" && d.Name == ns
}
