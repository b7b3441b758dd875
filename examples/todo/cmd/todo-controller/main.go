// Command todo-controller is the todo CLI with the Task reconciler
// linked: `todo-controller reconcile` (what `todo reconcile` runs) keeps
// each task's card ConfigMap, status and events until nothing is left to
// do; every other command is todo's.
package main

import (
	"os"

	"github.com/k1s-dev/k1s/examples/todo/internal/app"
	"github.com/k1s-dev/k1s/examples/todo/internal/controller"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "v0.1.0-dev"

func main() {
	os.Exit(app.NewCLI(version, controller.Commands).Execute(os.Args[1:]))
}
