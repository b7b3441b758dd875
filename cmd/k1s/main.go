package main

import (
	"os"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	os.Exit(cliruntime.New("k1s", version, open.Session).Execute(os.Args[1:]))
}
