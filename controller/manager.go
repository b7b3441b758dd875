package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	"github.com/k1s-dev/k1s/managed"
)

// Options configure NewManager.
type Options struct {
	// Scheme resolves Go types to kinds; nil means the runtime client's
	// scheme. Types used with the manager must be in the k1s client's
	// scheme too.
	Scheme *runtime.Scheme
	// Logger is the manager's logger; the zero value means
	// controller-runtime's default (ctrl.Log).
	Logger logr.Logger
	// Controller is controller-runtime's per-controller defaults.
	// SkipNameValidation defaults to true: several k1s runtimes in one
	// process (tests, tools) may run controllers with the same name.
	Controller config.Controller
	// GracefulShutdownTimeout bounds how long the manager waits for its
	// runnables when stopped; nil means controller-runtime's 30 s. The
	// runtime's Shutdown context bounds it too.
	GracefulShutdownTimeout *time.Duration
	// DisableCacheFor lists kinds that the manager's client always reads
	// from the store instead of the cache (unstructured objects are always
	// read from the store, as in controller-runtime).
	DisableCacheFor []crclient.Object
	// GarbageCollectionInterval is how often a continuous run sweeps for
	// dependents whose owners are gone (see gc.go); 0 means
	// DefaultGarbageCollectionInterval, a negative value turns the sweep
	// off.
	GarbageCollectionInterval time.Duration
}

// Manager is a controller-runtime manager.Manager running on a
// ManagedRuntime. It embeds the genuine manager and overrides what must
// not reach for an API server: the API reader and the event recorders.
type Manager struct {
	manager.Manager

	rt        *managed.Runtime
	cache     *Cache
	apiReader crclient.Reader
	gc        *gcRunnable // nil when the runtime's client is no CoreClient or the sweep is off

	mu       sync.Mutex
	watched  []*watched
	running  bool
	finished bool
	cancel   context.CancelFunc
	done     chan struct{}
	runErr   error
	failErr  error // see fail
}

var _ manager.Manager = (*Manager)(nil)

// noAPIServer fails any HTTP request: a k1s manager has no API server, and
// a request means some component bypassed the hooks.
type noAPIServer struct{}

func (noAPIServer) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("k1s has no API server: unexpected request %s %s", r.Method, r.URL)
}

// NewManager builds a controller-runtime manager on rt and attaches it to
// rt (rt.Shutdown stops it). rt must have EnableControllers (informers are
// then available too). The manager's client writes through rt.Client()
// (work-tracked) and reads typed objects from the informer cache.
func NewManager(rt *managed.Runtime, opts Options) (*Manager, error) {
	if !rt.Options().EnableControllers {
		return nil, apierrors.NewBadRequest("controller.NewManager: the ManagedRuntime was built without controllers: set ManagedRuntimeOptions.EnableControllers")
	}
	if err := checkSourceContext(); err != nil {
		return nil, err
	}
	f, err := rt.InformerFactory()
	if err != nil {
		return nil, err
	}
	c := NewCache(f)
	k1sClient := NewClient(rt.Client())
	scheme := opts.Scheme
	if scheme == nil {
		scheme = rt.Scheme()
	}
	ctrlCfg := opts.Controller
	if ctrlCfg.SkipNameValidation == nil {
		ctrlCfg.SkipNameValidation = ptr.To(true)
	}
	m := &Manager{rt: rt, cache: c, apiReader: k1sClient}
	mopts := manager.Options{
		Scheme: scheme,
		Logger: opts.Logger,
		MapperProvider: func(*rest.Config, *http.Client) (meta.RESTMapper, error) {
			return rt.Client().RESTMapper(), nil
		},
		NewCache: func(*rest.Config, crcache.Options) (crcache.Cache, error) { return c, nil },
		NewClient: func(_ *rest.Config, o crclient.Options) (crclient.Client, error) {
			cc := &cachedClient{WithWatch: k1sClient, cache: c, unstructured: false}
			if o.Cache != nil {
				cc.unstructured = o.Cache.Unstructured
				cc.disableFor = o.Cache.DisableFor
			}
			cc.disableFor = append(cc.disableFor, opts.DisableCacheFor...)
			return cc, nil
		},
		Client:                  crclient.Options{HTTPClient: &http.Client{Transport: noAPIServer{}}},
		Metrics:                 metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:  "0",
		LeaderElection:          false,
		Controller:              ctrlCfg,
		GracefulShutdownTimeout: opts.GracefulShutdownTimeout,
	}
	cfg := &rest.Config{Host: "https://k1s.invalid", Transport: noAPIServer{}}
	mgr, err := manager.New(cfg, mopts)
	if err != nil {
		return nil, fmt.Errorf("building the controller-runtime manager: %w", err)
	}
	m.Manager = mgr
	if c, ok := rt.CoreClient().(collector); ok && opts.GarbageCollectionInterval >= 0 {
		every := opts.GarbageCollectionInterval
		if every == 0 {
			every = DefaultGarbageCollectionInterval
		}
		m.gc = &gcRunnable{c: c, every: every}
		if err := mgr.Add(m.gc); err != nil {
			return nil, err
		}
	}
	if err := rt.SetControllerManager(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Runtime returns the runtime the manager runs on.
func (m *Manager) Runtime() *managed.Runtime { return m.rt }

// Add adds a runnable. A controller-runtime controller is instrumented
// first (see the package documentation); one that cannot be is an error
// naming it, and is not added.
func (m *Manager) Add(r manager.Runnable) error {
	if !isController(r) {
		return m.Manager.Add(r)
	}
	w, err := instrument(r, m.rt.WorkTracker())
	if err != nil {
		return err
	}
	w.fail = m.fail
	if err := m.Manager.Add(&controllerRunnable{ctrl: r, w: w}); err != nil {
		return err
	}
	m.mu.Lock()
	m.watched = append(m.watched, w)
	m.mu.Unlock()
	return nil
}

// fail stops the run with err, which Start (and RunTriggered) return: a
// controller's source cannot start, and would otherwise retry every 10 s
// while its controller never syncs.
func (m *Manager) fail(err error) {
	m.mu.Lock()
	if m.failErr == nil {
		m.failErr = err
	}
	cancel := m.cancel
	m.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// GetAPIReader returns a reader of the store itself (no cache).
func (m *Manager) GetAPIReader() crclient.Reader { return m.apiReader }

// GetEventRecorderFor returns the runtime's event recorder for name. If
// the runtime was built without events, the recorder drops events and
// reports why through utilruntime.HandleError.
func (m *Manager) GetEventRecorderFor(name string) record.EventRecorder {
	r, err := m.rt.GetEventRecorderFor(name)
	if err != nil {
		return &discardRecorder{err: err}
	}
	return r
}

// GetEventRecorder returns an events.k8s.io-style recorder for name,
// writing core/v1 Events with action and related object set.
func (m *Manager) GetEventRecorder(name string) recorder.EventRecorder {
	r, err := m.rt.GetEventRecorderFor(name)
	if err != nil {
		return &newStyleDiscard{d: &discardRecorder{err: err}}
	}
	return &newStyleRecorder{r: r}
}

// Start runs the manager until ctx is done or the runtime shuts down,
// starting the runtime first if needed (continuous mode). A manager runs
// once. Cancelling ctx stops the manager, not the runtime: call the
// runtime's Shutdown afterwards to write queued events and stop informers.
func (m *Manager) Start(ctx context.Context) error {
	// The runtime outlives this run: its informers and event writer stop
	// in rt.Shutdown, after queued events are written, not when ctx is
	// cancelled (by SIGINT, say) while events are still queued.
	if err := m.rt.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	m.mu.Lock()
	if m.running || m.finished {
		m.mu.Unlock()
		return apierrors.NewConflict(controllerManagerResource, "manager", errors.New("the manager has already been started; a manager runs once"))
	}
	if ctx.Err() != nil {
		// Cancelled before it began (an early SIGINT): nothing to run.
		// controller-runtime's manager must not see a cancelled context
		// at start: its runnable group then spins waiting for caches
		// that will never sync.
		m.finished = true
		m.mu.Unlock()
		return nil
	}
	runCtx, cancel := context.WithCancel(ctx)
	m.running, m.cancel, m.done = true, cancel, make(chan struct{})
	m.mu.Unlock()

	err := m.Manager.Start(runCtx)
	cancel()
	m.mu.Lock()
	if m.failErr != nil {
		// What the manager itself reports then is the fallout of the
		// cancel (sources that did not sync), not the cause.
		err = m.failErr
	}
	m.running, m.finished, m.runErr = false, true, err
	close(m.done)
	m.mu.Unlock()
	return err
}

// Stop cancels a running manager and waits for it to stop (its running
// reconciles to return) or for ctx to end. It implements
// managed.ControllerManager, so the runtime's Shutdown calls it.
func (m *Manager) Stop(ctx context.Context) error {
	m.mu.Lock()
	cancel, done, running := m.cancel, m.done, m.running
	m.mu.Unlock()
	if !running {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("the controller manager did not stop in time: %w", ctx.Err())
	}
}

func (m *Manager) watchedControllers() []*watched {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*watched(nil), m.watched...)
}

// discardRecorder stands in when the runtime has no events.
type discardRecorder struct {
	err  error
	once sync.Once
}

func (d *discardRecorder) report() {
	d.once.Do(func() { utilruntime.HandleError(fmt.Errorf("event dropped: %w", d.err)) })
}

func (d *discardRecorder) Event(runtime.Object, string, string, string)          { d.report() }
func (d *discardRecorder) Eventf(runtime.Object, string, string, string, ...any) { d.report() }
func (d *discardRecorder) AnnotatedEventf(runtime.Object, map[string]string, string, string, string, ...any) {
	d.report()
}

var _ record.EventRecorder = (*discardRecorder)(nil)
