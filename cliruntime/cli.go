package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/worktracking"
)

// Session is what commands work with: a client, the registry behind it,
// and how to release the store.
type Session struct {
	Client   client.Client
	Registry *registry.Registry
	// Close releases the store; may be nil.
	Close func() error
	// Warnings returns problems met while loading plugin types (broken
	// manifests, each naming its file); may be nil. Every command that
	// opens a session prints them, once each, on stderr as kubectl prints
	// a server's warnings ("Warning: ..."): when the session opens, before
	// the command's output, and at its end any found meanwhile.
	Warnings func() []string
}

// SessionFactory opens a session for the global flags. It is called at
// most once per command, and only by commands that need the store.
type SessionFactory func(ctx context.Context, flags *GlobalFlags) (*Session, error)

// CLI is one k1s-style command-line program: its streams, global flags
// and how to open its store.
type CLI struct {
	// Name is the program name used in messages ("k1s").
	Name string
	// Brand makes the program its own rather than k1s under another
	// name: its environment variables, project directory, data file,
	// help, examples and which optional global flags it has. Its Name
	// defaults to the CLI's, so a CLI named "todo" reads TODO_DATA and
	// opens .todo/todo.db with no more said.
	Brand Brand
	// Version is printed by `version`.
	Version string
	In      io.Reader
	Out     io.Writer
	ErrOut  io.Writer
	Flags   GlobalFlags
	// Open opens the store and client.
	Open SessionFactory
	// Handoff, when set, runs once a command's flags are parsed and before
	// it does anything else (reads stdin, opens the store). A program
	// uses it to hand the command to another program: cmd/k1s execs its
	// full companion for etcd:// storage and for the commands that write
	// (open.ExecCompanion). It returns only to refuse the command, or
	// with nil to let it run here.
	Handoff func(cmd *cobra.Command, flags *GlobalFlags) error
	// Getenv reads the environment (EDITOR, ...); nil means os.Getenv.
	Getenv func(string) string
	// ErrIsTerminal reports whether ErrOut is a terminal (progress bars);
	// nil means "check os.Stderr".
	ErrIsTerminal func() (bool, int)
	// Commands add commands of the program's own to the root command
	// (the plugin commands of cmd/k1s, which link the WASM runtime this
	// package must not). They run under Execute as the built-in ones do:
	// with its signal handling, error formatting and exit codes; a
	// command whose body is wrapped by RunE and whose store calls use
	// Session and RequestContext also gets the work tracking (an
	// interrupt lets the write in flight finish, then exits 130).
	Commands func(c *CLI) []*cobra.Command

	session   *Session
	cancelled bool
	// fieldValidation is the running command's --validate, as a
	// fieldValidation directive; "" for commands without the flag.
	fieldValidation string
	// fieldManager is the running command's field manager, kubectl's name
	// for it (commandManagers); "" for commands that name their own.
	fieldManager string
	// warningsSeen dedupes request warnings, as kubectl's warning writer.
	warningsSeen map[string]bool
	// work counts the store calls in flight, so that an interrupt refuses
	// new calls while the one running finishes (see ExecuteContext).
	work *worktracking.Registry
}

// shutdownGrace bounds how long a command waits, once it is done, for
// store calls still in flight before it closes the store.
const shutdownGrace = 10 * time.Second

// New returns a CLI on the process's standard streams.
func New(name, version string, open SessionFactory) *CLI {
	return &CLI{Name: name, Version: version, In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, Open: open}
}

// brand returns the Brand in effect: c.Brand, named after the CLI when
// it names nothing.
func (c *CLI) brand() Brand {
	b := c.Brand
	if b.Name == "" {
		b.Name = c.Name
	}
	return b
}

func (c *CLI) getenv(k string) string {
	if c.Getenv != nil {
		return c.Getenv(k)
	}
	return os.Getenv(k)
}

// Session opens the store on first use and returns the same session
// afterwards.
func (c *CLI) Session(ctx context.Context) (*Session, error) {
	if c.session != nil {
		return c.session, nil
	}
	if c.Open == nil {
		return nil, errors.New("no store configured")
	}
	if err := c.Flags.ApplyContext(c.getenv); err != nil {
		return nil, err
	}
	if err := c.Flags.Brand.validateTenant(c.Flags.Tenant); err != nil {
		return nil, err
	}
	start := time.Now()
	s, err := c.Open(ctx, &c.Flags)
	if err != nil {
		return nil, err
	}
	c.logf(4, "opened store in %s", time.Since(start))
	if d := (writeDefaults{client.FieldValidation(c.fieldValidation), client.FieldOwner(c.fieldManager)}); d != (writeDefaults{}) {
		s.Client = commandClient{s.Client, d}
	}
	if c.work != nil {
		s.Client = worktracking.Client(s.Client, c.work)
	}
	c.session = s
	c.warnings()
	return s, nil
}

// warnings prints the session's plugin manifest warnings not printed
// yet, as kubectl prints server warnings.
func (c *CLI) warnings() {
	if c.session == nil || c.session.Warnings == nil {
		return
	}
	for _, w := range c.session.Warnings() {
		c.printWarning(w)
	}
}

// printWarning prints a request's warning as kubectl prints the server's:
// "Warning: " and the text on stderr, each text once per command.
func (c *CLI) printWarning(text string) {
	if c.warningsSeen[text] {
		return
	}
	if c.warningsSeen == nil {
		c.warningsSeen = map[string]bool{}
	}
	c.warningsSeen[text] = true
	_, _ = fmt.Fprintf(c.ErrOut, "Warning: %s\n", text)
}

func (c *CLI) logf(level int, format string, args ...any) {
	if c.Flags.Verbosity >= level {
		_, _ = fmt.Fprintf(c.ErrOut, "I%s %s\n", time.Now().Format("0102 15:04:05.000000"), fmt.Sprintf(format, args...))
	}
}

// Close releases the session's store.
func (c *CLI) Close() error {
	s := c.session
	c.session = nil
	if s == nil || s.Close == nil {
		return nil
	}
	return s.Close()
}

// RequestContext returns the context for a command's store calls:
// bounded by --request-timeout, with the requests' warnings printed as
// kubectl prints a server's, and not cancelled by an interrupt, so that
// a write that has started finishes even when the user pressed Ctrl-C
// and nothing is half-done (calls made after the interrupt are refused
// by the session's client instead). cancel releases it.
func (c *CLI) RequestContext(ctx context.Context) (context.Context, context.CancelFunc, error) {
	return c.requestContext(ctx)
}

// RunE wraps the body of one of the program's own commands (see
// Commands) as the built-in commands are wrapped: the hand-off runs
// first, --namespace and --validate are taken in, warnings are printed
// at the end, and an interrupt that refused a store call, or that the
// body saw through Interrupted, ends the command with exit code 130.
func (c *CLI) RunE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return c.run(fn)
}

// Interrupted reports whether the user asked the command to stop (SIGINT
// or SIGTERM); a command that loops over writes asks between them and
// returns, and RunE then exits 130. It says so once on stderr.
func (c *CLI) Interrupted(ctx context.Context) bool { return c.interrupted(ctx) }

// requestContext bounds one store call by --request-timeout. It does not
// inherit cancellation from the signal context: a write that has started
// finishes even when the user pressed Ctrl-C, so nothing is half-done.
func (c *CLI) requestContext(ctx context.Context) (context.Context, context.CancelFunc, error) {
	d, err := c.Flags.Timeout()
	if err != nil {
		return nil, nil, err
	}
	base := core.WithWarningHandler(context.WithoutCancel(ctx), core.WarningFunc(c.printWarning))
	if d == 0 {
		ctx, cancel := context.WithCancel(base)
		return ctx, cancel, nil
	}
	ctx, cancel := context.WithTimeout(base, d)
	return ctx, cancel, nil
}

// sessionRequest opens the session and the request context of a command
// whose calls share one --request-timeout; cancel releases the context.
func (c *CLI) sessionRequest(ctx context.Context) (*Session, context.Context, context.CancelFunc, error) {
	s, err := c.Session(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	rctx, cancel, err := c.requestContext(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return s, rctx, cancel, nil
}

// Execute runs the command line args (without the program name) and
// returns the process exit code. Errors are printed as kubectl prints
// them; SIGINT and SIGTERM stop long-running commands after the write in
// flight.
func (c *CLI) Execute(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return c.ExecuteContext(ctx, args)
}

// ExecuteContext is Execute with a context whose cancellation acts as an
// interrupt.
func (c *CLI) ExecuteContext(ctx context.Context, args []string) int {
	// An interrupt stops new store calls at once; the call in flight (its
	// context does not inherit the interrupt, see requestContext) runs to
	// its end, and Shutdown below waits for it before the store closes.
	c.work = worktracking.New(nil)
	c.cancelled = false
	c.fieldValidation, c.fieldManager, c.warningsSeen = "", "", nil
	stopAfter := context.AfterFunc(ctx, c.work.StopAccepting)
	defer stopAfter()
	if ctx.Err() != nil {
		c.work.StopAccepting() // AfterFunc would do it, but not before we start
	}
	root := NewRootCommand(c)
	root.SetArgs(args)
	root.SetIn(c.In)
	root.SetOut(c.Out)
	root.SetErr(c.ErrOut)
	err := root.ExecuteContext(ctx)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	if werr := c.work.Shutdown(sctx); werr != nil && err == nil {
		err = werr
	}
	cancel()
	if cerr := c.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var fe *flagError
	switch {
	case errors.As(err, &fe):
	case isCobraUsage(err):
		cmd, _, _ := root.Find(args)
		path := c.Name
		if cmd != nil {
			path = cmd.CommandPath()
		}
		err = UsageErrorf(path, "%s", err.Error())
	}
	if errors.Is(err, resource.ErrTypeWithSlashedNames) {
		// kubectl spells its examples with the program's name.
		err = errors.New(resource.SlashedNamesMessage(c.Name))
	}
	_, _ = fmt.Fprintln(c.ErrOut, FormatError(err))
	return 1
}

// commandManagers are the field managers kubectl records for the writes
// of its commands (kubectl's --field-manager defaults), so that
// managedFields read as a cluster's after the same commands. apply and
// replace name theirs (and take --field-manager), as kubectl's do.
var commandManagers = map[string]string{
	"create": "kubectl-create", "edit": "kubectl-edit", "patch": "kubectl-patch",
	"label": "kubectl-label", "annotate": "kubectl-annotate",
}

// commandManager returns the field manager of cmd's writes: kubectl's
// name for its top-level verb (`create configmap` is kubectl-create's),
// "" for others.
func commandManager(cmd *cobra.Command) string {
	for ; cmd != nil && cmd.HasParent(); cmd = cmd.Parent() {
		if !cmd.Parent().HasParent() {
			return commandManagers[cmd.Name()]
		}
	}
	return ""
}

func isCobraUsage(err error) bool {
	msg := err.Error()
	// "unknown command" is not among them: kubectl prints cobra's
	// sentence alone.
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// run wraps a command body: it opens nothing itself, prints warnings
// once the session exists, and maps a cancelled context to exit code
// 130 (interrupted) after the work in flight finished.
func (c *CLI) run(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if c.Handoff != nil {
			// The store a context names decides the hand-off as much as
			// --storage does: apply it first. A broken context is not this
			// command's error unless it opens the store (config
			// current-context must still answer): Session reports it then.
			_ = c.Flags.ApplyContext(c.getenv)
			if err := c.Handoff(cmd, &c.Flags); err != nil {
				return err
			}
		}
		if f := cmd.Flags().Lookup("namespace"); f != nil {
			c.Flags.NamespaceExplicit = f.Changed
		}
		c.fieldManager = commandManager(cmd)
		if f := cmd.Flags().Lookup("validate"); f != nil {
			d, err := validationDirective(f.Value.String())
			if err != nil {
				return err
			}
			c.fieldValidation = d
		}
		err := fn(cmd, args)
		c.warnings()
		if err != nil && errors.Is(err, worktracking.ErrShuttingDown) {
			// Interrupted between store calls: the calls made are done,
			// the next was refused. Say so once, not as a server error.
			c.interrupted(cmd.Context())
			return &ExitError{Code: 130}
		}
		if err == nil && c.cancelled {
			return &ExitError{Code: 130}
		}
		return err
	}
}

// interrupted reports whether the user asked to stop; loops over objects
// call it between writes.
func (c *CLI) interrupted(ctx context.Context) bool {
	if ctx.Err() != nil {
		if !c.cancelled {
			c.cancelled = true
			_, _ = fmt.Fprintln(c.ErrOut, "interrupted: stopping after the writes already done")
		}
		return true
	}
	return false
}

// writingCommands are the commands that may write objects, and so
// validate them, x-kubernetes-validations rules included: diff's dry-run
// apply and reconcile's plugin reconcilers too. delete is not among
// them: a deletion runs no validation.
var writingCommands = map[string]bool{
	"create": true, "apply": true, "replace": true, "patch": true, "edit": true,
	"label": true, "annotate": true, "diff": true, "reconcile": true,
}

// WritesObjects reports whether cmd (by its top-level verb) may write
// objects: what a program that links no rule engine hands to one that
// does (open.ExecCompanion).
func WritesObjects(cmd *cobra.Command) bool {
	for ; cmd != nil && cmd.HasParent(); cmd = cmd.Parent() {
		if !cmd.Parent().HasParent() {
			return writingCommands[cmd.Name()]
		}
	}
	return false
}
