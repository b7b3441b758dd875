//go:build !wasip1

package sdk

import (
	"context"
	"errors"
)

// errNotInHost is what a module's client answers when its code runs
// natively: the k1s host exists only inside a wasip1 module.
var errNotInHost = errors.New("sdk: not running in a k1s plugin host (build with GOOS=wasip1 GOARCH=wasm, or test with NewClientWithTransport)")

// NewClient returns the client of the host the module runs in. Outside a
// wasip1 build (a plugin's package compiled for its native tests) every
// call fails; tests use NewClientWithTransport.
func NewClient() *Client {
	return NewClientWithTransport(func(context.Context, []byte) ([]byte, error) { return nil, errNotInHost })
}
