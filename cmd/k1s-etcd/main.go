package main

import (
	"os"

	"github.com/k1s-dev/k1s/cliruntime/open/etcdopen"
)

// version is set at build time with -ldflags "-X main.version=...", as
// cmd/k1s's.
var version = "v0.1.0-dev"

func main() {
	os.Exit(etcdopen.CLI(version).Execute(os.Args[1:]))
}
