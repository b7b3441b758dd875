package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/k1s-dev/k1s/cliruntime"
	"github.com/k1s-dev/k1s/cliruntime/open"
	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/examples/todo/internal/app"
	"github.com/k1s-dev/k1s/managed"
)

// shutdownGrace bounds how long a run waits, once done or interrupted,
// for the reconcile in flight and the events still queued.
const shutdownGrace = 10 * time.Second

// Commands are todo-controller's commands beyond todo's: reconcile.
func Commands(c *cliruntime.CLI) []*cobra.Command {
	var opts controller.TriggeredOptions
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Reconcile every task until nothing is left to do",
		Long: "Reconcile runs the Task controller over the store until it is idle: every task has its card\n" +
			"(ConfigMap), its Ready condition and observedGeneration, and deleted tasks are finalized.",
		Args: cobra.NoArgs,
		// c.RunE gives the command what the built-in ones have: an
		// interrupt ends it with exit code 130 once the reconcile in
		// flight is done, errors are formatted as theirs.
		RunE: c.RunE(func(cmd *cobra.Command, _ []string) error {
			res, err := Run(cmd.Context(), &c.Flags, opts)
			if err != nil {
				return err
			}
			_, _ = fmt.Fprintf(cmd.OutOrStdout(), "%d reconciles\n", res.Reconciles)
			return nil
		}),
	}
	cmd.Flags().DurationVar(&opts.RequeueBound, "requeue-bound", time.Second, "a requeue due later than this does not keep the run going")
	cmd.Flags().DurationVar(&opts.Settle, "settle", 50*time.Millisecond, "how long every queue must stay idle before the run ends")
	return []*cobra.Command{cmd}
}

// Run reconciles the store the flags select until the Task controller is
// idle (controller.Manager.RunTriggered), then shuts the runtime down,
// which writes the events recorded. An interrupt (ctx) stops it after
// the reconcile in flight.
func Run(ctx context.Context, flags *cliruntime.GlobalFlags, opts controller.TriggeredOptions) (res controller.TriggeredResult, err error) {
	// controller-runtime logs through its own logger: quiet unless -v.
	ctrl.SetLogger(logr.Discard())
	store, err := open.Storage(ctx, flags)
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, store.Close()) }()
	core := app.CoreOptions()
	core.Storage, core.Tenant = store, flags.Tenant
	rt, err := managed.New(managed.Options{CoreClientOptions: core, EnableControllers: true, EnableInformers: true, EnableEvents: true})
	if err != nil {
		return res, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
		defer cancel()
		err = errors.Join(err, rt.Shutdown(sctx))
	}()
	mgr, err := controller.NewManager(rt, controller.Options{})
	if err != nil {
		return res, err
	}
	r := &TaskReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Recorder: mgr.GetEventRecorder(app.Controller)}
	if err := r.SetupWithManager(mgr); err != nil {
		return res, err
	}
	return mgr.RunTriggered(ctx, opts)
}
