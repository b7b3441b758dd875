package storage

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Backends build their errors with these helpers so that every backend
// reports the same apimachinery reason and a message naming the object.

// resourceOf names the group/resource and object name behind a key; keys
// outside the standard layout are named whole.
func resourceOf(key string) (schema.GroupResource, string) {
	kp, err := ParseKey(key)
	if err != nil {
		return schema.GroupResource{Resource: "keys"}, key
	}
	return kp.Resource, kp.Name
}

// NewNotFound reports that key does not exist.
func NewNotFound(key string) error {
	gr, name := resourceOf(key)
	return apierrors.NewNotFound(gr, name)
}

// NewAlreadyExists reports that key exists already.
func NewAlreadyExists(key string) error {
	gr, name := resourceOf(key)
	return apierrors.NewAlreadyExists(gr, name)
}

// NewConflict reports that key changed since the caller read it.
func NewConflict(key string, expected, actual int64) error {
	gr, name := resourceOf(key)
	return apierrors.NewConflict(gr, name, fmt.Errorf(
		"the object has been modified; please apply your changes to the latest version and try again (resourceVersion %d, current %d)",
		expected, actual))
}

// NewGone reports that revision has been compacted away.
func NewGone(revision, compacted int64) error {
	return apierrors.NewResourceExpired(fmt.Sprintf(
		"too old resource version: %d (%d)", revision, compacted))
}

// NewTooLarge reports that value for key is over MaxValueSize.
func NewTooLarge(key string, size int) error {
	return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf(
		"object %s is %d bytes, over the limit of %d bytes", key, size, MaxValueSize))
}

// CheckSize returns NewTooLarge when value is over MaxValueSize.
func CheckSize(key string, value []byte) error {
	if len(value) > MaxValueSize {
		return NewTooLarge(key, len(value))
	}
	return nil
}
