package core

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// WarningHandler receives the warnings of a request — what the API
// server sends in Warning response headers (code 299, agent "-"), such
// as `unknown field "spec.bogus"` under fieldValidation=Warn. It has the
// method set of client-go's rest.WarningHandler, so any of those (a
// rest.WarningWriter, say) is one.
type WarningHandler interface {
	HandleWarningHeader(code int, agent string, text string)
}

// WarningFunc makes a WarningHandler of a function of the warning's text.
type WarningFunc func(text string)

// HandleWarningHeader implements WarningHandler.
func (f WarningFunc) HandleWarningHeader(_ int, _ string, text string) { f(text) }

type warningKey struct{}

// WithWarningHandler returns a context whose requests report their
// warnings to h instead of Options.WarningHandler: a command line prints
// each request's warnings as kubectl prints the server's.
func WithWarningHandler(ctx context.Context, h WarningHandler) context.Context {
	return context.WithValue(ctx, warningKey{}, h)
}

// warn hands text to the context's warning handler, else the client's.
func (c *Client) warn(ctx context.Context, text string) {
	h, _ := ctx.Value(warningKey{}).(WarningHandler)
	if h == nil {
		h = c.warnings
	}
	if h != nil {
		h.HandleWarningHeader(299, "-", text)
	}
}

// fieldCheck is the field validation of one write: what the request's
// object holds that its type does not (unknown fields, in the API
// server's words), and what the request's fieldValidation says to do
// about it.
type fieldCheck struct {
	// directive is Strict, Warn or Ignore.
	directive string
	// patch is set for patches, whose strict error is the API server's
	// Invalid on the patch: "The request is invalid: patch: Invalid
	// value: <patched object>: strict decoding error: ...".
	patch bool
	// patchValue is what that error quotes: the patched object's JSON
	// (JSON and merge patches) or the patch as a Go map (strategic merge
	// patches), as the API server's patchers quote them.
	patchValue string
	problems   []string

	// manager is the write's field manager (see fieldmanager.go), and
	// applied says the produced object is a server-side apply's result,
	// whose managedFields are final rather than to be recorded.
	manager string
	applied bool
}

// newFieldCheck validates a request's fieldValidation: "" is Warn, as on
// the API server; anything but Strict, Warn and Ignore is the API
// server's Invalid error on the request's options (kind CreateOptions,
// UpdateOptions or PatchOptions).
func newFieldCheck(directive, optionsKind string) (*fieldCheck, error) {
	if errs := metav1validation.ValidateFieldValidation(field.NewPath("fieldValidation"), directive); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: optionsKind}, "", errs)
	}
	if directive == "" {
		directive = metav1.FieldValidationWarn
	}
	return &fieldCheck{directive: directive, patch: optionsKind == "PatchOptions"}, nil
}

// reset forgets what an earlier attempt of a retried write found.
func (f *fieldCheck) reset() {
	if f != nil {
		f.problems = f.problems[:0]
	}
}

// reports says whether the check records anything: Ignore drops unknown
// fields without looking for them.
func (f *fieldCheck) reports() bool { return f != nil && f.directive != metav1.FieldValidationIgnore }

// unknown records fields the object's type does not have ("spec.bogus").
func (f *fieldCheck) unknown(paths ...string) {
	if f == nil || f.directive == metav1.FieldValidationIgnore {
		return
	}
	for _, p := range paths {
		f.problems = append(f.problems, fmt.Sprintf("unknown field %q", p))
	}
}

// strictErr returns the request's failure under Strict: the API server's
// strict decoding error, wrapped for creates and updates as their
// decoder's errors are.
func (f *fieldCheck) strictErr(gvk schema.GroupVersionKind) error {
	if f == nil || f.directive != metav1.FieldValidationStrict || len(f.problems) == 0 {
		return nil
	}
	msg := "strict decoding error: " + strings.Join(f.problems, ", ")
	if f.patch {
		return apierrors.NewInvalid(schema.GroupKind{}, "", field.ErrorList{field.Invalid(field.NewPath("patch"), f.patchValue, msg)})
	}
	return decodeError(gvk, msg)
}

// warnAll reports the problems found as warnings, under Warn.
func (f *fieldCheck) warnAll(ctx context.Context, c *Client) {
	if f == nil || f.directive != metav1.FieldValidationWarn {
		return
	}
	for _, p := range f.problems {
		c.warn(ctx, p)
	}
}

// decodeError is the API server's error for a request body that does not
// decode into its kind (transformDecodeError in its handlers).
func decodeError(gvk schema.GroupVersionKind, msg string) error {
	return apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %s", gvk.Kind, gvk.Version, gvk.Kind, msg))
}
