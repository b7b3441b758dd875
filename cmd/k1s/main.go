package main

import (
	"os"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/plugins/plugincli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	os.Exit(newCLI().Execute(os.Args[1:]))
}

// newCLI is k1s with its plugin commands and hooks, without the etcd
// client and the CEL rule engine: an etcd:// --storage, and a command
// that writes, hand the command to the companion k1s-etcd (cmd/k1s-etcd),
// so that reads start without etcd's, gRPC's and CEL's package
// initialisation.
func newCLI() *cliruntime.CLI {
	p := plugincli.New()
	c := cliruntime.New("k1s", version, p.Session)
	c.Commands = p.Commands
	c.Handoff = open.ExecCompanion(open.EtcdCompanion)
	return c
}
