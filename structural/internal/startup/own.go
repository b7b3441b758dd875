//go:build k1s_own

package main

import (
	"os"

	"github.com/k1s-dev/k1s/structural"
)

func main() {
	linkBase()
	if len(os.Args) > 5 {
		s := structural.For(nil)
		s.Apply(nil)
		_ = s.Validate(nil, nil)
	}
}
