// Package controller runs unmodified controller-runtime controllers against
// k1s. It is the only k1s package that imports sigs.k8s.io/controller-runtime
// (DESIGN section 1: linking it costs start-up time and memory that the
// CoreClient must not pay).
//
// It provides:
//
//   - NewClient: a k1s client.Client as a controller-runtime client.WithWatch;
//   - NewCoreClient: k1s.NewCoreClient's client, as a controller-runtime
//     client, in one call;
//   - Cache: a k1s informer factory as a controller-runtime cache.Cache;
//   - NewManager: a genuine controller-runtime manager.Manager wired to a
//     ManagedRuntime through the manager's own hooks (MapperProvider,
//     NewCache, NewClient), with metrics, health probes and leader election
//     off, so that ctrl.NewControllerManagedBy(mgr).For(..).Owns(..).Complete(r)
//     works with no cluster. The rest.Config it hands controller-runtime
//     points at "k1s.invalid" and nothing dials it.
//
// Which client to use where: k1s's client.Client (k1s.NewCoreClient,
// ManagedRuntime.Client) has controller-runtime's methods and options but
// is its own interface, without Apply, so code that takes
// controller-runtime's client.Client (controllerutil.CreateOrUpdate, a
// library's helpers) does not compile with it. A reconciler uses the
// manager's client (mgr.GetClient(), reads from the cache); one-shot code
// written against controller-runtime uses NewCoreClient (reads from the
// store); code that only needs k1s's interface, such as a CLI that must
// not link controller-runtime, uses k1s.NewCoreClient.
//
// The manager runs in one of two modes: continuous (Start, until its context
// is cancelled or the runtime shuts down) and triggered (RunTriggered: until
// every controller's work queue is empty, no reconcile is running, and no
// requeue is due within a bound — what a CLI command such as `reconcile`
// wants).
//
// Triggered mode and work tracking need to see each controller's queue and
// reconciles, which controller-runtime does not expose: its manager-wide
// controller options have no queue constructor, and its builder's
// controller constructor is unexported, so no public hook reaches the
// controllers that ctrl.NewControllerManagedBy and controller.New build.
// Manager.Add therefore sets the exported Do (the reconciler) and NewQueue
// (the queue constructor) fields of controller-runtime's internal
// controller, through reflection, before the controller starts:
// reconciles are counted by the runtime's work tracker, and the queue
// reports its adds, delayed adds, items in process and waiting workers. A
// priority queue (controller-runtime's default) stays one, so priorities
// are honoured: a new event overtakes those of an informer's initial
// list, which the event handlers queue at low priority. Every assumption about the internal controller is checked:
// a runnable with controller-runtime's controller methods that k1s cannot
// instrument (another layout, another request type, already started) is
// an error from Add naming it. A runnable that is not a controller is
// added unchanged (and is not waited for by triggered mode).
//
// Each controller is started with a context that names it. A source of
// that controller (controller-runtime's Kind source asks the cache for
// its informer with that context) that watches a type k1s does not know —
// a Go type missing from the scheme, a kind missing from the registry —
// stops the run: Start and RunTriggered return an error naming the
// controller and the type, instead of the source logging "no matches for
// kind" every 10 s while the controller never syncs. That controller-runtime
// starts a controller's sources with the controller's own context is
// checked once per process, by NewManager, against the version linked in.
package controller
