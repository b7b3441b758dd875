package core

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

// optimisticLockMsg is the API server's message for a stale
// resourceVersion, which users search for.
const optimisticLockMsg = "the object has been modified; please apply your changes to the latest version and try again"

// maxAttempts bounds the retries of an unconditional write that keeps
// losing races with other writers.
const maxAttempts = 16

func conflictStale(gr schema.GroupResource, name string) error {
	return apierrors.NewConflict(gr, name, errors.New(optimisticLockMsg))
}

// preconditionError carries the API server's capitalised precondition
// messages verbatim, which people and scripts match on.
type preconditionError string

func (e preconditionError) Error() string { return string(e) }

func conflictUID(gr schema.GroupResource, name, want, have string) error {
	return apierrors.NewConflict(gr, name, preconditionError(fmt.Sprintf(
		"Precondition failed: UID in precondition: %v, UID in object meta: %v", want, have)))
}

func conflictRV(gr schema.GroupResource, name, want, have string) error {
	return apierrors.NewConflict(gr, name, preconditionError(fmt.Sprintf(
		"Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", want, have)))
}

// parseRV parses a resourceVersion given by a caller.
func parseRV(rv string) (int64, error) {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: k1s resourceVersions are decimal store revisions", rv))
	}
	return n, nil
}

// noStatusSubresource is the API server's 404 for a status subresource a
// kind does not have: for a custom resource the CRD handler's NotFound
// naming the object; for a built-in kind there is no such route at all,
// which the API server answers with its generic "the server could not
// find the requested resource".
func noStatusSubresource(t *registry.Type, name string) error {
	if t.IsCustomResource() {
		return apierrors.NewNotFound(t.GroupResource(), name)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotFound,
		Reason:  metav1.StatusReasonNotFound,
		Details: &metav1.StatusDetails{},
		Message: "the server could not find the requested resource",
	}}
}

// unsupportedMediaType is the API server's 415 for a patch type a
// resource does not accept.
func unsupportedMediaType(msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnsupportedMediaType,
		Reason:  metav1.StatusReasonUnsupportedMediaType,
		Message: msg,
	}}
}

// unprocessable is the API server's 422 for a patch that cannot be applied.
func unprocessable(gr schema.GroupResource, name string, err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnprocessableEntity,
		Reason:  metav1.StatusReasonInvalid,
		Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: name},
		Message: fmt.Sprintf("%s %q: the patch cannot be applied: %v", gr, name, err),
	}}
}

// unknownError is what the API server answers for an error of its own
// that carries no status (responsewriters' ErrorToAPIStatus): a 500 with
// no reason and the error's text, which kubectl prints as
// "Error from server: <text>" — a server-side apply patch that does not
// fit the type's schema is one.
func unknownError(err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusInternalServerError,
		Reason:  metav1.StatusReasonUnknown,
		Message: err.Error(),
	}}
}

// jsonPatchRejected is the API server's 422 for a JSON patch operation
// that does not apply: without the reason, as its status carries none.
func jsonPatchRejected() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity, Reason: metav1.StatusReasonInvalid,
		Details: &metav1.StatusDetails{}, Message: "the server rejected our request due to an error in our request",
	}}
}
