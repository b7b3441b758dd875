// Command todo keeps a to-do list as Kubernetes-style Task objects in a
// local SQLite file: todo get tasks, todo apply -f, todo edit task X,
// todo delete ... — every verb of kubectl, with no cluster. It is the
// lean one-shot build: `todo reconcile` hands over to todo-controller,
// the same CLI with the reconciler linked.
package main

import (
	"os"

	"github.com/k1s-dev/k1s/examples/todo/internal/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	os.Exit(app.NewCLI(version, app.HandoffCommands).Execute(os.Args[1:]))
}
