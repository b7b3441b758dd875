package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/plugins/abi"
)

// Options configure a Manager.
type Options struct {
	// Paths are the plugin directories, in precedence order (the same
	// directories type discovery reads: discovery.DefaultPaths).
	Paths []string
	// CompilationCacheDir is where compiled modules are kept for the next
	// process; empty means DefaultCompilationCacheDir().
	CompilationCacheDir string
	// NoCompilationCache compiles every module in every process.
	NoCompilationCache bool
	// Client is what the plugins' host calls go through; SetClient sets it
	// later (a client whose admission runs the manager's hooks is built
	// after the manager).
	Client client.Client
	// Logger receives a line for every plugin failure and every log call
	// of a plugin, with the plugin's name; the zero Logger drops them.
	Logger logr.Logger
}

// DefaultCompilationCacheDir is os.UserCacheDir()/k1s/wazero (or a
// directory under the temporary directory when there is no user cache).
func DefaultCompilationCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "k1s", "wazero")
}

// Manager runs the plugins found in a set of directories: it reads their
// manifests when created, and compiles, instantiates and calls a module
// only when one of its hooks or reconcilers is first needed. It is safe
// for concurrent use.
type Manager struct {
	opts     Options
	once     sync.Once
	plugins  []*Plugin
	byName   map[string]*Plugin
	warnings []string
	client   atomic.Pointer[client.Client]
	// discovered is set once the manifests are read.
	discovered atomic.Bool

	cacheOnce sync.Once
	cache     wazero.CompilationCache
	cacheErr  error
}

// New returns a manager of the plugins under opts.Paths. It reads
// nothing yet: the manifests are read on first use (a command that never
// asks for a hook or a plugin reads no directory), and modules are
// compiled only when called. Bad manifests are warnings (Warnings), not
// errors.
func New(opts Options) *Manager {
	m := &Manager{opts: opts, byName: map[string]*Plugin{}}
	if opts.Client != nil {
		m.SetClient(opts.Client)
	}
	return m
}

// discover reads the manifests, once.
func (m *Manager) discover() {
	m.once.Do(func() {
		found, warnings := Discover(m.opts.Paths)
		m.warnings = warnings
		for _, f := range found {
			p := newPlugin(m, f)
			m.plugins = append(m.plugins, p)
			m.byName[p.Name()] = p
		}
		m.discovered.Store(true)
	})
}

// Discovered reports whether the manifests have been read.
func (m *Manager) Discovered() bool { return m.discovered.Load() }

// SetClient sets the client the plugins' host calls go through.
func (m *Manager) SetClient(c client.Client) { m.client.Store(&c) }

func (m *Manager) getClient() client.Client {
	if c := m.client.Load(); c != nil {
		return *c
	}
	return nil
}

// Warnings are the problems found with manifests, each naming its file.
func (m *Manager) Warnings() []string { m.discover(); return m.warnings }

// Plugins returns the plugins found, in precedence order.
func (m *Manager) Plugins() []*Plugin { m.discover(); return m.plugins }

// Plugin returns the plugin named name, or nil.
func (m *Manager) Plugin(name string) *Plugin { m.discover(); return m.byName[name] }

// Close stops every plugin: instances are closed and compiled modules
// released. The manager is not usable afterwards.
func (m *Manager) Close(ctx context.Context) error {
	var errs []error
	for _, p := range m.plugins {
		errs = append(errs, p.Stop(ctx))
	}
	if m.cache != nil {
		errs = append(errs, m.cache.Close(ctx))
	}
	return errors.Join(errs...)
}

func (m *Manager) compilationCache() (wazero.CompilationCache, error) {
	m.cacheOnce.Do(func() {
		if m.opts.NoCompilationCache {
			return
		}
		dir := m.opts.CompilationCacheDir
		if dir == "" {
			dir = DefaultCompilationCacheDir()
		}
		m.cache, m.cacheErr = wazero.NewCompilationCacheWithDir(dir)
	})
	return m.cache, m.cacheErr
}

// Plugin is one plugin of a Manager: its manifest, and once loaded its
// compiled module and a pool of instances.
type Plugin struct {
	m        *Manager
	Dir      string
	File     string
	Manifest *Manifest

	sem chan struct{} // one token per instance allowed

	mu       sync.Mutex
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	idle     []*instance
	lastErr  error
	digest   string

	calls, failures atomic.Int64
}

func newPlugin(m *Manager, f Found) *Plugin {
	return &Plugin{m: m, Dir: f.Dir, File: f.File, Manifest: f.Manifest, sem: make(chan struct{}, f.Manifest.Spec.Limits.instances())}
}

// Name returns the plugin's name.
func (p *Plugin) Name() string { return p.Manifest.Metadata.Name }

// Status is what k1s plugins list and inspect show of a plugin.
type Status struct {
	Loaded    bool
	Instances int // idle instances in the pool
	Calls     int64
	Failures  int64
	LastError string
	// ModuleSHA256 is the digest of the module as last read ("" before).
	ModuleSHA256 string
}

// Status reports the plugin's state.
func (p *Plugin) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Status{Loaded: p.compiled != nil, Instances: len(p.idle), Calls: p.calls.Load(), Failures: p.failures.Load(), ModuleSHA256: p.digest}
	if p.lastErr != nil {
		s.LastError = p.lastErr.Error()
	}
	return s
}

// Load compiles the module (or reads it from the compilation cache) and
// starts one instance, checking the module's digest, imports, exports and
// ABI version. It is done once; a failed load is retried by the next call.
func (p *Plugin) Load(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.loadLocked(ctx); err != nil {
		p.lastErr = err
		return err
	}
	return nil
}

func (p *Plugin) errorf(format string, args ...any) error {
	return fmt.Errorf("plugin %q: %s", p.Name(), fmt.Sprintf(format, args...))
}

func (p *Plugin) loadLocked(ctx context.Context) error {
	if p.compiled != nil {
		return nil
	}
	spec := p.Manifest.Spec
	path := filepath.Join(p.Dir, spec.Module.Path)
	wasm, err := os.ReadFile(path)
	if err != nil {
		return p.errorf("reading module: %v", err)
	}
	sum := sha256.Sum256(wasm)
	p.digest = hex.EncodeToString(sum[:])
	if p.digest != spec.Module.SHA256 {
		return p.errorf("module %s has sha256 %s, but %s says %s: not loaded", path, p.digest, p.File, spec.Module.SHA256)
	}
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) {
		return p.errorf("module %s is not a WebAssembly module", path)
	}
	instrumented, err := addStopChecks(wasm)
	if err != nil {
		return p.errorf("compiling module %s: %v", path, err)
	}
	// No WithCloseOnContextDone: the module checks its stop flag itself
	// (see stopcheck.go), at a fraction of the cost.
	cfg := wazero.NewRuntimeConfig().
		WithMemoryLimitPages(spec.Limits.memoryPages())
	cache, err := p.m.compilationCache()
	if err != nil {
		p.m.opts.Logger.Error(err, "compilation cache unavailable; compiling without", "plugin", p.Name())
	} else if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = rt.Close(ctx)
		return p.errorf("WASI: %v", err)
	}
	if _, err := rt.NewHostModuleBuilder(abi.HostModule).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostCall), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).Export(abi.HostCall).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostTake), []api.ValueType{api.ValueTypeI32}, nil).Export(abi.HostTake).
		Instantiate(ctx); err != nil {
		_ = rt.Close(ctx)
		return p.errorf("host module: %v", err)
	}
	compiled, err := rt.CompileModule(ctx, instrumented)
	if err != nil {
		_ = rt.Close(ctx)
		return p.errorf("compiling module %s: %v", path, err)
	}
	if err := p.checkInterface(compiled); err != nil {
		_ = rt.Close(ctx)
		return err
	}
	p.rt, p.compiled = rt, compiled
	inst, err := p.instantiate(ctx)
	if err != nil {
		p.rt, p.compiled = nil, nil
		_ = rt.Close(ctx)
		return err
	}
	p.idle = append(p.idle, inst)
	return nil
}

// checkInterface refuses a module that imports what the host does not
// offer or lacks an export the manifest needs, before anything runs.
func (p *Plugin) checkInterface(compiled wazero.CompiledModule) error {
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch {
		case mod == "wasi_snapshot_preview1":
		case mod == abi.HostModule && (name == abi.HostCall || name == abi.HostTake):
		default:
			return p.errorf("the module imports %s.%s, which the host does not offer (ABI version %d)", mod, name, abi.Version)
		}
	}
	exports := compiled.ExportedFunctions()
	need := []string{abi.ExportVersion, abi.ExportAlloc}
	spec := p.Manifest.Spec
	if len(spec.Validate)+len(spec.Mutate) > 0 {
		need = append(need, abi.ExportAdmit)
	}
	if len(spec.Reconcile) > 0 {
		need = append(need, abi.ExportReconcile)
	}
	for _, n := range need {
		if _, ok := exports[n]; !ok {
			return p.errorf("the module does not export %s (ABI version %d; is it built with plugins/sdk and -buildmode=c-shared?)", n, abi.Version)
		}
	}
	if _, ok := compiled.ExportedMemories()["memory"]; !ok {
		return p.errorf("the module exports no memory")
	}
	return nil
}

// instance is one instantiated module, its stop flag and what it
// printed.
type instance struct {
	rt     wazero.Runtime
	mod    api.Module
	stop   api.MutableGlobal
	output *outputBuffer
	// fns are the entry points by name, looked up once: each lookup
	// allocates a call engine and its stack.
	fns map[string]api.Function
}

// fn returns the instance's export name, or nil.
func (i *instance) fn(name string) api.Function {
	f, ok := i.fns[name]
	if !ok {
		f = i.mod.ExportedFunction(name)
		i.fns[name] = f
	}
	return f
}

// watch raises stop when ctx ends (the call's time limit or its
// caller's cancellation) and records why in state; the function it
// returns ends the watch, lowering the flag again if it was raised after
// the guest had already returned.
func watch(ctx context.Context, stop api.MutableGlobal, state *callState) (end func()) {
	done := false
	cancel := context.AfterFunc(ctx, func() {
		state.mu.Lock()
		defer state.mu.Unlock()
		if !done {
			stop.Set(1)
			state.stopped = ctx.Err()
		}
	})
	return func() {
		cancel()
		state.mu.Lock()
		defer state.mu.Unlock()
		done = true
		if state.stopped != nil {
			stop.Set(0)
		}
	}
}

// instantiate starts an instance (p.mu held or the plugin loading).
func (p *Plugin) instantiate(ctx context.Context) (*instance, error) {
	g := p.Manifest.Spec.Grants
	state := &callState{p: p, output: &outputBuffer{}}
	// _initialize is called below, under the time limit: start
	// functions run before the stop flag can be reached.
	cfg := wazero.NewModuleConfig().WithName("").
		WithStartFunctions().
		WithStdout(state.output).WithStderr(state.output)
	if g.Clock {
		cfg = cfg.WithSysWalltime().WithSysNanotime().WithSysNanosleep()
	}
	for _, k := range g.Env {
		if v, ok := os.LookupEnv(k); ok {
			cfg = cfg.WithEnv(k, v)
		}
	}
	ictx, cancel := context.WithTimeout(withState(ctx, state), p.Manifest.Spec.Limits.timeout())
	defer cancel()
	mod, err := p.rt.InstantiateModule(experimental.WithMemoryAllocator(ictx, memoryAllocator), p.compiled, cfg)
	if err != nil {
		return nil, p.classify("starting an instance", err, state)
	}
	stop, ok := mod.ExportedGlobal(stopExport).(api.MutableGlobal)
	if !ok { // addStopChecks exports it: a bug, not a bad module
		_ = mod.Close(ctx)
		return nil, p.errorf("starting an instance: the instrumented module has no stop flag")
	}
	end := watch(ictx, stop, state)
	defer end()
	if init := mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(ictx); err != nil {
			_ = mod.Close(ctx)
			return nil, p.classify("starting an instance", err, state)
		}
	}
	res, err := mod.ExportedFunction(abi.ExportVersion).Call(ictx)
	if err != nil {
		_ = mod.Close(ctx)
		return nil, p.classify(abi.ExportVersion, err, state)
	}
	if len(res) != 1 || uint32(res[0]) != abi.Version {
		_ = mod.Close(ctx)
		got := "nothing"
		if len(res) == 1 {
			got = fmt.Sprint(uint32(res[0]))
		}
		return nil, p.errorf("the module speaks ABI version %s; this host speaks version %d", got, abi.Version)
	}
	return &instance{rt: p.rt, mod: mod, stop: stop, output: state.output, fns: map[string]api.Function{}}, nil
}

// classify turns what wazero returned into an error naming the plugin
// and what the module did.
func (p *Plugin) classify(what string, err error, state *callState) error {
	var exit *sys.ExitError
	out := state.output.head()
	state.output.reset()
	died := dyingWords(out)
	lim := p.Manifest.Spec.Limits
	stopped := state.stopReason()
	switch {
	case errors.Is(stopped, context.DeadlineExceeded):
		return p.errorf("%s: exceeded its time limit of %s", what, lim.timeout())
	case stopped != nil:
		return p.errorf("%s: cancelled", what)
	case strings.Contains(died, "out of memory"):
		return p.errorf("%s: exceeded its memory limit of %d pages (%d MiB): %s", what, lim.memoryPages(), lim.memoryPages()/16, died)
	case strings.HasPrefix(died, "panic: "):
		return p.errorf("%s: the module panicked: %s", what, strings.TrimPrefix(died, "panic: "))
	case errors.As(err, &exit):
		if died != "" {
			return p.errorf("%s: the module exited with code %d: %s", what, exit.ExitCode(), died)
		}
		return p.errorf("%s: the module exited with code %d", what, exit.ExitCode())
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i > 0 {
		msg = msg[:i] // the wasm stack trace is for debuggers
	}
	if died != "" {
		return p.errorf("%s: %s: %s", what, msg, died)
	}
	return p.errorf("%s: %s", what, msg)
}

// dyingWords is the line a dying Go module printed first ("panic: ...",
// "fatal error: ..."), or the first line it printed.
func dyingWords(out string) string {
	lines := strings.Split(out, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[0])
}

// call runs one entry point with payload and returns its answer. The
// instance it used goes back to the pool unless the call failed, in which
// case it is closed: whatever state a failed guest left is never reused.
func (p *Plugin) call(ctx context.Context, export string, payload []byte) (out []byte, writes int, err error) {
	p.calls.Add(1)
	defer func() {
		if err != nil {
			p.failures.Add(1)
			p.mu.Lock()
			p.lastErr = err
			p.mu.Unlock()
			p.m.opts.Logger.Error(err, "plugin call failed", "plugin", p.Name(), "entry", export)
		}
	}()
	if len(payload) > abi.MaxMessageBytes {
		return nil, 0, p.errorf("%s: the request is %d bytes, more than the ABI's %d", export, len(payload), abi.MaxMessageBytes)
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, 0, p.errorf("%s: waiting for a free instance: %v", export, ctx.Err())
	}
	defer func() { <-p.sem }()
	inst, err := p.acquire(ctx)
	if err != nil {
		return nil, 0, err
	}
	state := &callState{p: p, client: p.m.getClient(), output: inst.output}
	cctx, cancel := context.WithTimeout(withState(ctx, state), p.Manifest.Spec.Limits.timeout())
	defer cancel()
	end := watch(cctx, inst.stop, state)
	out, err = p.invoke(cctx, inst, export, payload, state)
	end()
	if err != nil {
		_ = inst.mod.Close(context.Background())
		return nil, state.writes, err
	}
	p.release(inst)
	return out, state.writes, nil
}

func (p *Plugin) invoke(ctx context.Context, inst *instance, export string, payload []byte, state *callState) ([]byte, error) {
	mod := inst.mod
	fn := inst.fn(export)
	if fn == nil {
		return nil, p.errorf("the module does not export %s", export)
	}
	res, err := inst.fn(abi.ExportAlloc).Call(ctx, uint64(len(payload)))
	if err != nil {
		return nil, p.classify(abi.ExportAlloc, err, state)
	}
	ptr := uint32(res[0])
	if !mod.Memory().Write(ptr, payload) {
		return nil, p.errorf("%s returned a buffer outside the module's memory", abi.ExportAlloc)
	}
	res, err = fn.Call(ctx, uint64(ptr), uint64(len(payload)))
	if err != nil {
		return nil, p.classify(export, err, state)
	}
	rptr, rlen := uint32(res[0]>>32), uint32(res[0])
	if rlen > abi.MaxMessageBytes {
		return nil, p.errorf("%s: the answer is %d bytes, more than the ABI's %d", export, rlen, abi.MaxMessageBytes)
	}
	b, ok := mod.Memory().Read(rptr, rlen)
	if !ok {
		return nil, p.errorf("%s: the answer (%d bytes at %#x) lies outside the module's memory", export, rlen, rptr)
	}
	return bytes.Clone(b), nil
}

func (p *Plugin) acquire(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.loadLocked(ctx); err != nil {
		p.lastErr = err
		return nil, err
	}
	if n := len(p.idle); n > 0 {
		inst := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return inst, nil
	}
	return p.instantiate(ctx)
}

func (p *Plugin) release(inst *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rt == nil || p.rt != inst.rt { // stopped or restarted meanwhile
		_ = inst.mod.Close(context.Background())
		return
	}
	p.idle = append(p.idle, inst)
}

// recordFailure makes err the plugin's last error, unless a failed call
// already did.
func (p *Plugin) recordFailure(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lastErr == nil || !strings.Contains(err.Error(), p.lastErr.Error()) {
		p.lastErr = err
	}
}

// Stop closes the plugin's instances and runtime; the next call loads it
// again (a restart).
func (p *Plugin) Stop(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if p.rt != nil {
		err = p.rt.Close(ctx)
	}
	p.rt, p.compiled, p.idle = nil, nil, nil
	return err
}

// Restart stops the plugin and clears its last error; the next call
// loads it afresh (a module rebuilt in place is read again).
func (p *Plugin) Restart(ctx context.Context) error {
	err := p.Stop(ctx)
	p.mu.Lock()
	p.lastErr = nil
	p.mu.Unlock()
	return err
}

// outputBuffer keeps the first bytes a module wrote to stdout and stderr
// since its last failure, for the error of a module that died (a Go
// panic prints its message there first, then the goroutines).
type outputBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const outputKeep = 2048

func (b *outputBuffer) Write(data []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := outputKeep - len(b.buf); room > 0 {
		b.buf = append(b.buf, data[:min(room, len(data))]...)
	}
	return len(data), nil
}

func (b *outputBuffer) reset() {
	b.mu.Lock()
	b.buf = b.buf[:0]
	b.mu.Unlock()
}

func (b *outputBuffer) head() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(bytes.TrimSpace(b.buf))
}

// Names returns the names of the plugins, sorted.
func (m *Manager) Names() []string {
	m.discover()
	names := make([]string, 0, len(m.plugins))
	for _, p := range m.plugins {
		names = append(names, p.Name())
	}
	sort.Strings(names)
	return names
}

// doublingMemory backs an instance's linear memory with a Go slice whose
// capacity doubles when it must grow. wazero's own backing grows by what
// the module asks (a Go guest's allocator asks often, by small steps)
// and copies the whole memory each time, which cost a busy guest tens of
// microseconds per call; here a memory is copied a handful of times in
// its life. It stays Go memory, so an instance closed while the host
// still reads it cannot fault.
type doublingMemory struct {
	buf []byte
	max uint64
}

var memoryAllocator = experimental.MemoryAllocatorFunc(func(capacity, maxBytes uint64) experimental.LinearMemory {
	return &doublingMemory{buf: make([]byte, 0, capacity), max: maxBytes}
})

// Reallocate implements experimental.LinearMemory.
func (m *doublingMemory) Reallocate(size uint64) []byte {
	if size > m.max {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	capacity := min(max(size, 2*uint64(cap(m.buf))), m.max)
	grown := make([]byte, size, capacity)
	copy(grown, m.buf)
	m.buf = grown
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *doublingMemory) Free() { m.buf = nil }
