//go:build kt_linked

package main

import (
	"os"

	"github.com/k1s-dev/k1s/kubetypes"
)

// link references kubetypes behind a condition that is never true: the
// package is linked and its initialisation runs, nothing else.
func link() {
	if len(os.Args) > 5 {
		_ = kubetypes.NewScheme()
		_ = kubetypes.Types()
		_ = kubetypes.Validator()
	}
}
