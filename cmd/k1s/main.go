package main

import (
	"os"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/plugins/plugincli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	p := plugincli.New()
	cli := cliruntime.New("k1s", version, p.Session)
	cli.Commands = p.Commands
	os.Exit(cli.Execute(os.Args[1:]))
}
