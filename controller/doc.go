// Package controller runs unmodified controller-runtime controllers against
// k1s. It is the only k1s package that imports sigs.k8s.io/controller-runtime
// (DESIGN section 1: linking it costs start-up time and memory that the
// CoreClient must not pay).
//
// It provides:
//
//   - NewClient: a k1s client.Client as a controller-runtime client.WithWatch;
//   - Cache: a k1s informer factory as a controller-runtime cache.Cache;
//   - NewManager: a genuine controller-runtime manager.Manager wired to a
//     ManagedRuntime through the manager's own hooks (MapperProvider,
//     NewCache, NewClient), with metrics, health probes and leader election
//     off, so that ctrl.NewControllerManagedBy(mgr).For(..).Owns(..).Complete(r)
//     works with no cluster. The rest.Config it hands controller-runtime
//     points at "k1s.invalid" and nothing dials it.
//
// The manager runs in one of two modes: continuous (Start, until its context
// is cancelled or the runtime shuts down) and triggered (RunTriggered: until
// every controller's work queue is empty, no reconcile is running, and no
// requeue is due within a bound — what a CLI command such as `reconcile`
// wants).
//
// Triggered mode and work tracking need to see each controller's queue and
// reconciles, which controller-runtime does not expose. When the builder
// adds a controller to the manager, Manager.Add wraps the controller's
// exported Do (the reconciler) and NewQueue (the queue constructor) fields,
// through reflection, before the controller starts: reconciles are then
// counted by the runtime's work tracker, and the queue reports its adds,
// delayed adds, in-process items and waiting workers. A runnable that is
// not a controller-runtime controller is added unchanged (and is not
// waited for by triggered mode). The wrapped queue does not expose
// controller-runtime's priority-queue interface, so items are processed
// in arrival order without priorities.
package controller
