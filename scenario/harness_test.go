package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin holds the programs TestMain builds.
var bin struct {
	k1s, inventory string
}

// repoRoot is the module's root directory.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..")
}

func TestMain(m *testing.M) {
	if helperMain() {
		return
	}
	dir, err := os.MkdirTemp("", "k1s-scenario-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin.k1s = filepath.Join(dir, "k1s")
	bin.inventory = filepath.Join(dir, "inventory")
	// k1s-etcd beside k1s: the lean k1s hands it the commands that write.
	companion := filepath.Join(dir, "k1s-etcd")
	for out, pkg := range map[string]string{bin.k1s: "./cmd/k1s", companion: "./cmd/k1s-etcd", bin.inventory: "./examples/inventory/cmd/inventory"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = repoRoot()
		if b, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, b)
			_ = os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// hangAfter bounds every wait: reaching it means something is stuck, not
// that something was slow (the machines are shared and loaded).
const hangAfter = 3 * time.Minute

// world is one store shared by the processes of a test.
type world struct {
	t       *testing.T
	dir     string
	db      string
	plugins string // the inventory example's plugin directory
	rng     *rand.Rand
	rngMu   sync.Mutex
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"home", "cache", "config", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SCENARIO_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SCENARIO_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (replay with SCENARIO_SEED=%d)", seed, seed)
	return &world{
		t: t, dir: dir, db: filepath.Join(dir, "store.db"),
		plugins: filepath.Join(repoRoot(), "examples", "inventory", "plugins"),
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

// intn returns a random number in [0, n), safe for concurrent use.
func (w *world) intn(n int) int {
	w.rngMu.Lock()
	defer w.rngMu.Unlock()
	return w.rng.IntN(n)
}

// env is the environment of every process: the store, no user
// configuration, and the plugin directory when plugins is set.
func (w *world) env(plugins bool) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(w.dir, "home"),
		"XDG_CACHE_HOME=" + filepath.Join(w.dir, "cache"),
		"XDG_CONFIG_HOME=" + filepath.Join(w.dir, "config"),
		"XDG_DATA_HOME=" + filepath.Join(w.dir, "data"),
		"K1S_DATA=" + w.db,
	}
	if plugins {
		env = append(env, "K1S_PLUGIN_PATH="+w.plugins)
	}
	return env
}

// result is what one command did.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("k1s %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs the k1s CLI, with the inventory plugin types when plugins is
// set (as `k1s` run in the example's project) and without (as a k1s that
// has never heard of them).
func (w *world) run(plugins bool, stdin string, args ...string) result {
	cmd := exec.Command(bin.k1s, args...)
	cmd.Dir = w.dir
	cmd.Env = w.env(plugins)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("running k1s %v: %v", args, err)
	}
	return r
}

// k1s runs the CLI with the plugin types and fails the test on error.
func (w *world) k1s(args ...string) string {
	w.t.Helper()
	r := w.run(true, "", args...)
	if r.code != 0 {
		w.t.Fatalf("%s", r)
	}
	return r.stdout
}

// apply pipes manifest into `k1s apply -f -`.
func (w *world) apply(plugins bool, manifest string) result {
	return w.run(plugins, manifest, "apply", "-f", "-")
}

// killed starts a k1s command and SIGKILLs it after a random delay of up
// to max, or lets it finish if it is quicker.
func (w *world) killed(plugins bool, stdin string, max time.Duration, args ...string) {
	cmd := exec.Command(bin.k1s, args...)
	cmd.Dir = w.dir
	cmd.Env = w.env(plugins)
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("starting k1s %v: %v", args, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Duration(w.intn(int(max)))):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

// proc is a long-lived process of the test.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start starts a long-lived program; the test's cleanup kills it.
func (w *world) start(name, path string, args ...string) *proc {
	w.t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = w.dir
	cmd.Env = w.env(true)
	p := &proc{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	w.t.Cleanup(func() { p.kill() })
	return p
}

// controller starts the inventory example's controllers in continuous
// mode on the world's store.
func (w *world) controller() *proc {
	return w.start("inventory run", bin.inventory, "-db", w.db, "run")
}

// kill stops p with SIGKILL, as a crash would.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks p to stop with SIGTERM and waits for it.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(hangAfter):
		p.kill()
		t.Fatalf("%s did not stop on SIGTERM; output:\n%s", p.name, p.out.String())
	}
}

// alive fails the test if p has exited.
func (p *proc) alive(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("%s exited: %v; output:\n%s", p.name, p.cmd.ProcessState, p.out.String())
	default:
	}
}

// eventually polls check until it returns nil; it fails the test with
// the last error if that takes longer than hangAfter.
func (w *world) eventually(what string, check func() error) {
	w.t.Helper()
	deadline := time.Now().Add(hangAfter)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%s: not reached after %v: %v", what, hangAfter, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// object is a decoded object as `k1s get -o json` prints it.
type object map[string]any

func (o object) str(path ...string) string {
	v, _ := o.field(path...).(string)
	return v
}

func (o object) field(path ...string) any {
	var v any = map[string]any(o)
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func (o object) name() string { return o.str("metadata", "name") }

// list reads every object of resource in namespace ns ("" for all
// namespaces of a namespaced resource, or a cluster-scoped one).
func (w *world) list(plugins bool, resource, ns string) ([]object, error) {
	args := []string{"get", resource, "-o", "json"}
	if ns == "" {
		args = append(args, "-A")
	} else {
		args = append(args, "-n", ns)
	}
	r := w.run(plugins, "", args...)
	if r.code != 0 {
		return nil, fmt.Errorf("%s", r)
	}
	var l struct {
		Items []object `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		return nil, fmt.Errorf("decoding %s: %w\n%s", resource, err, r.stdout)
	}
	return l.Items, nil
}
