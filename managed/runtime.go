package managed

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	// Tier 2 checks x-kubernetes-validations rules: the CEL engine.
	"github.com/k1s-dev/k1s/events"
	"github.com/k1s-dev/k1s/informers"
	_ "github.com/k1s-dev/k1s/structural/celrules"
	"github.com/k1s-dev/k1s/worktracking"
)

// PluginConfig enables the sandboxed plugin manager (WASM reconcilers and
// admission hooks, DESIGN section 7). The manager itself comes from
// package plugins (plugins.New), which links the WASM runtime this
// package must not; the runtime wires it: its hooks join the CoreClient's
// admission chain, its host calls go through the runtime's client, and
// Shutdown closes it. Its reconcilers join a controller manager through
// package plugins/pluginctrl. Plugin *types* (manifests) need no plugin
// manager: they come with CoreClientOptions.PluginPaths.
type PluginConfig struct {
	// Manager is the plugin manager (a *plugins.Manager); required.
	Manager PluginManager
}

// PluginManager is what the runtime needs of a plugin manager.
type PluginManager interface {
	// Register adds the plugins' admission hooks to a chain.
	Register(chain *admission.Chain)
	// SetClient sets the client the plugins' host calls go through.
	SetClient(c client.Client)
	// Close stops every plugin.
	Close(ctx context.Context) error
}

// CoreClientOptions are the tier 1 options a runtime embeds, under the
// name the seed's ManagedRuntimeOptions gives them.
type CoreClientOptions = core.Options

// Options configure a Runtime.
type Options struct {
	// CoreClientOptions build the CoreClient the runtime wraps (unless
	// Client is set).
	CoreClientOptions

	// EnableControllers allows a controller manager to be attached
	// (controller.NewManager).
	EnableControllers bool
	// EnableInformers allows the informer factory and GetInformerFor.
	EnableInformers bool
	// EnableEvents allows event recorders (GetEventRecorderFor).
	EnableEvents bool
	// PluginConfig must be nil for now; see PluginConfig.
	PluginConfig *PluginConfig
	// WorkTrackingConfig tunes work tracking; nil means defaults.
	WorkTrackingConfig *worktracking.Config

	// Client, when set, is the client the runtime wraps instead of a
	// CoreClient built from the embedded options: a CoreClient an
	// application already has, for example.
	Client client.Client
	// Informers tune the informer factory.
	Informers informers.Options
	// Events tune the event broadcaster; its Tracker is always the
	// runtime's work tracker.
	Events events.Options
}

// ControllerManager is what the runtime needs of an attached controller
// manager (package controller provides it).
type ControllerManager interface {
	// Stop cancels the manager if it runs and waits until it has stopped
	// (in-flight reconciles finished) or ctx is done.
	Stop(ctx context.Context) error
}

// Runtime is the ManagedRuntime.
type Runtime struct {
	opts    Options
	core    client.Client
	client  client.Client
	tracker *worktracking.Registry

	mu          sync.Mutex
	ctx         context.Context // set by Start
	cancel      context.CancelFunc
	shutdown    bool
	informers   *informers.Factory
	events      *events.Broadcaster
	controllers ControllerManager
}

// New builds a runtime. It builds the CoreClient (or takes opts.Client) and
// the work tracker, and nothing else: no goroutine runs before Start.
func New(opts Options) (*Runtime, error) {
	if opts.PluginConfig != nil && opts.PluginConfig.Manager == nil {
		return nil, apierrors.NewBadRequest("ManagedRuntimeOptions.PluginConfig.Manager is required: set it to plugins.New(plugins.Options{...}) (plugin type manifests alone need no PluginConfig: they are read through PluginPaths)")
	}
	c := opts.Client
	if c == nil {
		cc, err := core.New(opts.CoreClientOptions)
		if err != nil {
			return nil, err
		}
		c = cc
	}
	tracker := worktracking.New(opts.WorkTrackingConfig)
	r := &Runtime{
		opts:    opts,
		core:    c,
		client:  worktracking.Client(c, tracker),
		tracker: tracker,
	}
	if pc := opts.PluginConfig; pc != nil {
		ac, ok := c.(interface{ Admission() *admission.Chain })
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("ManagedRuntimeOptions.PluginConfig: the client (%T) has no admission chain for the plugins' hooks", c))
		}
		pc.Manager.Register(ac.Admission())
		// Host calls are work like any other: counted, and refused once
		// Shutdown began.
		pc.Manager.SetClient(r.client)
	}
	return r, nil
}

// PluginManager returns the plugin manager of PluginConfig, or nil.
func (r *Runtime) PluginManager() PluginManager {
	if r.opts.PluginConfig == nil {
		return nil
	}
	return r.opts.PluginConfig.Manager
}

// Client returns the runtime's client: the CoreClient's interface, with
// every call counted by work tracking and refused once Shutdown began.
func (r *Runtime) Client() client.Client { return r.client }

// CoreClient returns the wrapped client without work tracking, for
// components that must keep writing while shutdown drains (the event
// writer).
func (r *Runtime) CoreClient() client.Client { return r.core }

// Scheme returns the client's scheme.
func (r *Runtime) Scheme() *runtime.Scheme { return r.core.Scheme() }

// WorkTracker returns the runtime's work tracker.
func (r *Runtime) WorkTracker() *worktracking.Registry { return r.tracker }

// Options returns the options the runtime was built with.
func (r *Runtime) Options() Options { return r.opts }

func disabled(component, option string) error {
	return apierrors.NewBadRequest(fmt.Sprintf("the ManagedRuntime was built without %s: set ManagedRuntimeOptions.%s", component, option))
}

var errShutDown = apierrors.NewServiceUnavailable("the ManagedRuntime has been shut down")

// InformerFactory returns the shared informer factory, creating it on
// first use. EnableControllers implies it: controllers run on informers.
func (r *Runtime) InformerFactory() (*informers.Factory, error) {
	if !r.opts.EnableInformers && !r.opts.EnableControllers {
		return nil, disabled("informers", "EnableInformers")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return nil, errShutDown
	}
	if r.informers == nil {
		// Informers list and watch through the untracked client: a
		// watch is long-lived and a relist must not be refused while
		// Shutdown drains other work.
		r.informers = informers.NewFactory(r.core, r.opts.Informers)
		if r.ctx != nil {
			r.informers.Start(r.ctx)
		}
	}
	return r.informers, nil
}

// GetInformerFor returns the shared informer for obj's kind (typed or
// unstructured, as obj is), creating the factory and the informer on first
// use; once the runtime is started the informer runs at once.
func (r *Runtime) GetInformerFor(obj runtime.Object) (cache.SharedIndexInformer, error) {
	f, err := r.InformerFactory()
	if err != nil {
		return nil, err
	}
	return f.InformerFor(obj)
}

// EventBroadcaster returns the event broadcaster, creating it on first use.
func (r *Runtime) EventBroadcaster() (*events.Broadcaster, error) {
	if !r.opts.EnableEvents {
		return nil, disabled("events", "EnableEvents")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return nil, errShutDown
	}
	if r.events == nil {
		eo := r.opts.Events
		eo.Tracker = r.tracker
		r.events = events.NewBroadcaster(r.core, eo)
		if r.ctx != nil {
			r.events.Start(r.ctx)
		}
	}
	return r.events, nil
}

// GetEventRecorderFor returns a recorder whose events name component as
// their source. It satisfies client-go's record.EventRecorder.
func (r *Runtime) GetEventRecorderFor(component string) (*events.Recorder, error) {
	b, err := r.EventBroadcaster()
	if err != nil {
		return nil, err
	}
	return b.NewRecorder(component), nil
}

// SetControllerManager attaches the controller manager; package controller
// calls it. There is at most one per runtime.
func (r *Runtime) SetControllerManager(m ControllerManager) error {
	if !r.opts.EnableControllers {
		return disabled("controllers", "EnableControllers")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return errShutDown
	}
	if r.controllers != nil {
		return apierrors.NewAlreadyExists(controllerManagerResource, "controller-manager")
	}
	r.controllers = m
	return nil
}

// ControllerManager returns the attached controller manager, or nil.
func (r *Runtime) ControllerManager() ControllerManager {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.controllers
}

// Start starts the components created so far (informers, event writer);
// those created later start on creation. It returns at once; the
// components run until Shutdown or until ctx is done. Calling Start again
// does nothing. The controller manager is run by its own Start (or
// triggered run), which calls this Start first.
func (r *Runtime) Start(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		return errShutDown
	}
	if r.ctx != nil {
		return nil
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if r.informers != nil {
		r.informers.Start(r.ctx)
	}
	if r.events != nil {
		r.events.Start(r.ctx)
	}
	return nil
}

// Started reports whether Start has been called.
func (r *Runtime) Started() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ctx != nil
}

// Shutdown stops the runtime: new client calls, events and reconciles are
// refused from now on; the controller manager is stopped (letting running
// reconciles finish); queued events are written; in-flight client calls
// are waited for; then informers stop. Everything waits at most until
// ctx's deadline, and the error lists what was cut off
// (*worktracking.CutOffError, errors.As finds it). Calling it again
// returns nil.
func (r *Runtime) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	if r.shutdown {
		r.mu.Unlock()
		return nil
	}
	r.shutdown = true
	inf, ev, cm, cancel := r.informers, r.events, r.controllers, r.cancel
	r.mu.Unlock()

	r.tracker.StopAccepting()
	var errs []error
	if cm != nil {
		if err := cm.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping the controller manager: %w", err))
		}
	}
	if ev != nil {
		if err := ev.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := r.tracker.Shutdown(ctx); err != nil {
		errs = append(errs, err)
	}
	if inf != nil {
		inf.Shutdown()
	}
	if pm := r.PluginManager(); pm != nil {
		if err := pm.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stopping the plugins: %w", err))
		}
	}
	if cancel != nil {
		cancel()
	}
	return errors.Join(errs...)
}
