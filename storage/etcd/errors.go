package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/storage"
)

// errClosed is what every call on a closed store returns.
var errClosed = apierrors.NewServiceUnavailable("etcd storage is closed")

// statusError is an apimachinery StatusError that also unwraps to its
// cause, so that apierrors.IsTimeout and errors.Is(err,
// context.DeadlineExceeded) both hold for a request that ran out of time.
type statusError struct {
	*apierrors.StatusError
	cause error
}

func (e *statusError) Unwrap() error { return e.cause }

// mapErr turns an etcd client error into the apimachinery error the layer
// above expects, naming what was being done to which key.
func (s *Store) mapErr(ctx context.Context, what, key string, err error) error {
	if s.closed.Load() {
		return errClosed
	}
	msg := fmt.Sprintf("etcd: %s %s: %v", what, key, err)
	var se *apierrors.StatusError
	switch {
	case errors.Is(err, context.Canceled) || (ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled)):
		// The caller gave up; say so in its own terms.
		return fmt.Errorf("etcd: %s %s: %w", what, key, context.Canceled)
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		se = apierrors.NewTimeoutError(fmt.Sprintf("etcd: %s %s: no answer in time (%v)", what, key, err), 0)
		return &statusError{StatusError: se, cause: context.DeadlineExceeded}
	case errors.Is(err, rpctypes.ErrCompacted):
		return storage.NewGone(0, 0)
	case errors.Is(err, rpctypes.ErrRequestTooLarge), status.Code(err) == codes.ResourceExhausted:
		return apierrors.NewRequestEntityTooLargeError(msg)
	case errors.Is(err, rpctypes.ErrTooManyOps), errors.Is(err, rpctypes.ErrDuplicateKey):
		return apierrors.NewBadRequest(msg)
	case errors.Is(err, rpctypes.ErrPermissionDenied):
		return apierrors.NewForbidden(groupResource(key), key, errors.New(msg))
	case errors.Is(err, rpctypes.ErrAuthFailed), errors.Is(err, rpctypes.ErrInvalidAuthToken),
		errors.Is(err, rpctypes.ErrUserEmpty), errors.Is(err, rpctypes.ErrAuthOldRevision):
		return apierrors.NewUnauthorized(msg)
	case errors.Is(err, rpctypes.ErrNoSpace):
		return apierrors.NewServiceUnavailable(msg + " (etcd is out of space: compact and defragment it, or raise its quota)")
	case errors.Is(err, rpctypes.ErrNoLeader), errors.Is(err, rpctypes.ErrNotLeader),
		errors.Is(err, rpctypes.ErrLeaderChanged), errors.Is(err, rpctypes.ErrStopped),
		errors.Is(err, rpctypes.ErrTimeout), errors.Is(err, rpctypes.ErrTimeoutDueToLeaderFail),
		errors.Is(err, rpctypes.ErrTimeoutDueToConnectionLost), errors.Is(err, rpctypes.ErrTooManyRequests),
		errors.Is(err, rpctypes.ErrUnhealthy), status.Code(err) == codes.Unavailable:
		return apierrors.NewServiceUnavailable(msg)
	}
	return apierrors.NewInternalError(errors.New(msg))
}

// groupResource names the resource of key for a Forbidden error.
func groupResource(key string) schema.GroupResource {
	kp, err := storage.ParseKey(key)
	if err != nil {
		return schema.GroupResource{Resource: "keys"}
	}
	return kp.Resource
}
