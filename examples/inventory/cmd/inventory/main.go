// Command inventory runs the inventory example's controllers on a k1s
// store, with no cluster.
//
//	inventory [-db FILE] reconcile [-requeue-bound D] [-settle D]
//	    run until every controller converged, then exit (triggered mode)
//	inventory [-db FILE] run
//	    run until SIGINT/SIGTERM (continuous mode)
//
// Objects are created with any k1s client, for example the k1s CLI:
// `k1s --plugins-dir examples/inventory/plugins apply -f examples/inventory/resources/`.
// Without -db the app opens the store k1s would open from the same
// directory (K1S_DATA, else the nearest .k1s/k1s.db), so the two agree.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/examples/inventory/cmd/inventory/app"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The same store the k1s CLI uses when run from here: K1S_DATA, else
	// k1s.db in the nearest project's .k1s/, else the per-user one.
	defaultDB, err := (&cliruntime.GlobalFlags{Data: os.Getenv(cliruntime.EnvData)}).DataPath()
	if err != nil {
		defaultDB = "inventory.db"
	}
	db := fs.String("db", defaultDB, "SQLite store `file` (default: the one k1s uses here)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		_, _ = fmt.Fprintln(stderr, "usage: inventory [-db FILE] reconcile|run [flags]")
		return 2
	}
	// controller-runtime logs through its own logger; keep it quiet unless
	// asked, and stop it from complaining that none was set.
	ctrl.SetLogger(logr.Discard())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch cmd, rest := fs.Arg(0), fs.Args()[1:]; cmd {
	case "reconcile":
		err = reconcileCmd(ctx, *db, rest, stdout, stderr)
	case "run":
		err = runCmd(ctx, *db, stdout)
	default:
		_, _ = fmt.Fprintf(stderr, "inventory: unknown command %q (want reconcile or run)\n", cmd)
		return 2
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "inventory: %v\n", err)
		return 1
	}
	return 0
}

func reconcileCmd(ctx context.Context, db string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bound := fs.Duration("requeue-bound", time.Second, "requeues due later than this do not keep the run going")
	settle := fs.Duration("settle", 50*time.Millisecond, "how long every queue must stay idle before the run ends")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := sqlite.Open(db)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	res, err := app.Reconcile(ctx, store, controller.TriggeredOptions{RequeueBound: *bound, Settle: *settle})
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "converged after %d reconcile(s)\n", res.Reconciles)
	return nil
}

// runCmd runs the controllers until ctx ends (SIGINT/SIGTERM), then shuts
// the runtime down through work tracking, waiting up to 10 s for work in
// flight.
func runCmd(ctx context.Context, db string, stdout io.Writer) error {
	store, err := sqlite.Open(db)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	rt, err := app.NewRuntime(store)
	if err != nil {
		return err
	}
	mgr, err := app.NewManager(rt)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintln(stdout, "running; interrupt to stop")
	runErr := mgr.Start(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(runErr, rt.Shutdown(sctx))
}
