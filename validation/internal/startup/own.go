//go:build k1s_own

package main

import (
	"os"

	"github.com/k1s-dev/k1s/defaulting"
	"github.com/k1s-dev/k1s/validation"
)

func main() {
	linkBase()
	if len(os.Args) > 5 {
		defaulting.ApplySchema(nil, nil)
		_ = validation.ValidateSchema(nil, nil, nil)
	}
}
