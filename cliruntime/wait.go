package cliruntime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/util/jsonpath"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

// errTimedOut is the text of kubectl's wait timeout (apimachinery's
// ErrWaitTimeout), to which it adds " on <resource>/<name>".
const errTimedOut = "timed out waiting for the condition"

// WaitCondition is one --for of wait: "delete", "create",
// "condition=NAME[=VALUE]" or "jsonpath={EXPR}[=VALUE]".
type WaitCondition struct {
	// Kind is delete, create, condition or jsonpath.
	Kind string
	// Name is the condition type (condition).
	Name string
	// Value is the wanted condition status (default "true") or JSONPath
	// value; "" with jsonpath means any value.
	Value string
	jp    *jsonpath.JSONPath
}

// ParseWaitCondition parses --for as kubectl wait does, with its errors.
func ParseWaitCondition(cond string) (*WaitCondition, error) {
	switch lower := strings.ToLower(cond); {
	case lower == "delete", lower == "create":
		return &WaitCondition{Kind: lower}, nil
	case strings.HasPrefix(cond, "condition="):
		name, value, ok := strings.Cut(strings.TrimPrefix(cond, "condition="), "=")
		if !ok {
			value = "true"
		}
		return &WaitCondition{Kind: "condition", Name: name, Value: value}, nil
	case strings.HasPrefix(cond, "jsonpath="):
		parts := splitJSONPathInput(strings.TrimPrefix(cond, "jsonpath="))
		if len(parts) > 2 {
			return nil, errors.New("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'")
		}
		expr, err := printers.RelaxedJSONPath(parts[0])
		if err != nil {
			return nil, err
		}
		w := &WaitCondition{Kind: "jsonpath"}
		if len(parts) == 2 {
			if w.Value = strings.Trim(parts[1], `'"`); w.Value == "" {
				return nil, errors.New("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
			}
		}
		if expr == "" {
			return nil, errors.New("jsonpath expression cannot be empty")
		}
		w.jp = jsonpath.New("wait").AllowMissingKeys(true)
		if err := w.jp.Parse(expr); err != nil {
			return nil, err
		}
		return w, nil
	}
	if cond == "" {
		return nil, errors.New("unrecognized condition: []") // kubectl's words for no --for
	}
	return nil, fmt.Errorf("unrecognized condition: %q", cond)
}

// splitJSONPathInput splits at "=" but not at "==" (a filter's
// comparison), as kubectl does.
func splitJSONPathInput(in string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		if in[i] == '=' {
			if i+1 < len(in) && in[i+1] == '=' {
				b.WriteString("==")
				i++
				continue
			}
			out = append(out, b.String())
			b.Reset()
			continue
		}
		b.WriteByte(in[i])
	}
	return append(out, b.String())
}

// Met reports whether u satisfies a condition or jsonpath wait, as
// kubectl checks it: condition types and statuses compare without case,
// and a condition older than the object's generation (its
// observedGeneration, else status.observedGeneration) is not met yet.
func (w *WaitCondition) Met(u *unstructured.Unstructured) (bool, error) {
	if w.Kind == "jsonpath" {
		results, err := w.jp.FindResults(u.Object)
		if err != nil {
			return false, err
		}
		if len(results) == 0 || len(results[0]) == 0 {
			return false, nil
		}
		if len(results) > 1 {
			return false, errors.New("given jsonpath expression matches more than one list")
		}
		if len(results[0]) > 1 {
			return false, errors.New("given jsonpath expression matches more than one value")
		}
		if w.Value == "" {
			return true, nil
		}
		v := results[0][0].Interface()
		if k := reflect.ValueOf(v).Kind(); k == reflect.Map || k == reflect.Slice {
			return false, errors.New("jsonpath leads to a nested object or list which is not supported")
		}
		return strings.TrimSpace(fmt.Sprint(v)) == strings.TrimSpace(w.Value), nil
	}
	conditions, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conditions {
		cond, ok := c.(map[string]any)
		if !ok {
			continue
		}
		typ, ok, _ := unstructured.NestedString(cond, "type")
		if !ok || !strings.EqualFold(typ, w.Name) {
			continue
		}
		status, ok, _ := unstructured.NestedString(cond, "status")
		if !ok {
			continue
		}
		if gen, ok, _ := unstructured.NestedInt64(u.Object, "metadata", "generation"); ok {
			observed, found, _ := unstructured.NestedInt64(cond, "observedGeneration")
			if !found {
				observed, found, _ = unstructured.NestedInt64(u.Object, "status", "observedGeneration")
			}
			if found && observed < gen {
				return false, nil
			}
		}
		return strings.EqualFold(status, w.Value), nil
	}
	return false, nil
}

// WaitOptions are the flags of wait.
type WaitOptions struct {
	Files         resource.FilenameOptions
	For           string
	Timeout       time.Duration
	LabelSelector string
	FieldSelector string
	All           bool
	AllNamespaces bool
}

func (c *CLI) newWaitCommand() *cobra.Command {
	o := &WaitOptions{}
	cmd := &cobra.Command{
		Use:   "wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]]",
		Short: "Wait for a specific condition on one or many resources",
		Long: `Wait for a specific condition on one or many resources.

The command takes multiple resources and waits until the specified condition is seen in the status.conditions field of every given resource (or the JSONPath expression has the value given), watching the store for changes, as other processes write them.

Alternatively, the command can wait for the given set of resources to be created or deleted by providing the "create" or "delete" keyword as the value to the --for flag.

A successful message will be printed to stdout indicating when the specified condition has been met. You can use -o option to change to output destination.`,
		Example: `  # Wait for the item "hammer" to have the condition "Stocked"
  ` + c.Name + ` wait --for=condition=Stocked item/hammer

  # Wait for its quantity to reach 10
  ` + c.Name + ` wait --for=jsonpath='{.spec.quantity}'=10 item/hammer

  # Wait for the item to be deleted, with a timeout of 60 seconds
  ` + c.Name + ` delete item/hammer --wait=false
  ` + c.Name + ` wait --for=delete item/hammer --timeout=60s`,
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.runWait(cmd.Context(), o, args)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.For, "for", "", "The condition to wait on: [create|delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]]. The default condition-value is true.  Condition values are compared after Unicode simple case folding, which is a more general form of case-insensitivity.")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "The length of time to wait before giving up.  Zero means check once and don't wait, negative means wait for a week.")
	f.StringSliceVarP(&o.Files.Filenames, "filename", "f", nil, "identifying the resource.")
	f.BoolVarP(&o.Files.Recursive, "recursive", "R", true, "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2). Matching objects must satisfy all of the specified label constraints.")
	f.StringVar(&o.FieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='.(e.g. --field-selector key1=value1,key2=value2). The server only supports a limited number of field queries per type.")
	f.BoolVar(&o.All, "all", false, "Select all resources in the namespace of the specified resource types")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even if specified with --namespace.")
	_ = cmd.MarkFlagFilename("filename", "json", "yaml", "yml")
	return cmd
}

// waitTarget is one object wait waits on.
type waitTarget struct {
	t         *registry.Type
	namespace string
	name      string
}

func (w waitTarget) objectName() string { return w.t.Resource + "/" + w.name }

func (c *CLI) runWait(ctx context.Context, o *WaitOptions, args []string) error {
	cond, err := ParseWaitCondition(o.For)
	if err != nil {
		return err
	}
	timeout := o.Timeout
	if timeout < 0 {
		timeout = 168 * time.Hour
	}
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	targets, errs, err := c.waitTargets(ctx, s, o, args, cond.Kind)
	if err != nil {
		return err
	}
	if len(targets) == 0 && len(errs) == 0 && cond.Kind != "delete" {
		return errors.New("no matching resources found")
	}
	wctx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		wctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	for _, tg := range targets {
		u, err := c.waitFor(wctx, s, tg, cond, timeout == 0)
		if ctx.Err() != nil {
			c.interrupted(ctx)
			return nil
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, _ = fmt.Fprintf(c.Out, "%s condition met\n", printers.ResourceName(tg.t.Kind.GroupKind(), u.GetName()))
	}
	return utilerrors.NewAggregate(errs)
}

// waitTargets returns the objects to wait on, as kubectl's builder finds
// them: named ones (those missing are NotFound errors, except for
// delete, create), or those a selector or --all lists now.
func (c *CLI) waitTargets(ctx context.Context, s *Session, o *WaitOptions, args []string, kind string) ([]waitTarget, []error, error) {
	ns := c.Flags.NamespaceOrDefault()
	var targets []waitTarget
	if len(o.Files.Filenames) > 0 {
		infos, err := o.Files.Read(c.In)
		if err != nil {
			return nil, nil, err
		}
		if err := resource.Prepare(s.Registry, infos, ns, c.Flags.NamespaceExplicit); err != nil {
			return nil, nil, err
		}
		for _, info := range infos {
			targets = append(targets, waitTarget{info.Type, info.Object.GetNamespace(), info.Object.GetName()})
		}
	} else {
		if len(args) == 0 {
			return nil, nil, errNoResources
		}
		refs, err := resource.ParseArgs(s.Registry, args)
		if err != nil {
			return nil, nil, err
		}
		selecting := o.All || o.LabelSelector != "" || o.FieldSelector != ""
		for _, ref := range refs {
			for _, t := range ref.Types {
				if len(ref.Names) > 0 {
					for _, n := range ref.Names {
						targets = append(targets, waitTarget{t, ns, n})
					}
					continue
				}
				if !selecting {
					return nil, nil, fmt.Errorf("resource(s) were provided, but no name was specified")
				}
				rctx, cancel, err := c.requestContext(ctx)
				if err != nil {
					return nil, nil, err
				}
				items, _, err := resource.List(rctx, s.Client, t, resource.ListRequest{Namespace: ns, AllNamespaces: o.AllNamespaces, LabelSelector: o.LabelSelector, FieldSelector: o.FieldSelector})
				cancel()
				if err != nil {
					return nil, nil, err
				}
				for _, u := range items {
					targets = append(targets, waitTarget{t, u.GetNamespace(), u.GetName()})
				}
			}
		}
	}
	if kind == "create" {
		return targets, nil, nil
	}
	// As kubectl's builder, read each object first: one missing is
	// NotFound, or, waiting for its deletion, already done.
	var kept []waitTarget
	var errs []error
	for _, tg := range targets {
		rctx, cancel, err := c.requestContext(ctx)
		if err != nil {
			return nil, nil, err
		}
		_, err = resource.Get(rctx, s.Client, tg.t, tg.namespace, tg.name)
		cancel()
		switch {
		case apierrors.IsNotFound(err) && kind == "delete":
		case err != nil:
			errs = append(errs, err)
		default:
			kept = append(kept, tg)
		}
	}
	return kept, errs, nil
}

// waitFor waits until tg meets cond, watching it; once means check the
// object as it is now (--timeout=0). It returns the object that met the
// condition (the last one seen, for delete).
func (c *CLI) waitFor(ctx context.Context, s *Session, tg waitTarget, cond *WaitCondition, once bool) (*unstructured.Unstructured, error) {
	req := resource.ListRequest{Namespace: tg.namespace, FieldSelector: fields.OneTermEqualSelector("metadata.name", tg.name).String()}
	last := resource.NewObject(tg.t, tg.namespace, tg.name)
	var uid string
	for {
		items, rv, err := resource.List(ctx, s.Client, tg.t, req)
		if err != nil {
			return nil, c.waitError(ctx, tg, cond, err)
		}
		var cur *unstructured.Unstructured
		if len(items) > 0 {
			cur = items[0]
			last = cur
		}
		done, err := c.waitCheck(tg, cond, cur, &uid)
		if done || err != nil {
			return last, err
		}
		if once {
			return nil, fmt.Errorf("condition not met for %s", tg.objectName())
		}
		err = c.watchFrom(ctx, s, tg.t, req, rv, func(ev watch.EventType, u *unstructured.Unstructured) error {
			obj := u
			if ev == watch.Deleted {
				obj = nil
			} else {
				last = u
			}
			if cond.Kind != "delete" && ev == watch.Deleted {
				return nil // kubectl's condition waits ignore deletions
			}
			ok, err := c.waitCheck(tg, cond, obj, &uid)
			if err != nil {
				return err
			}
			if ok {
				done = true
				return errStopWatch
			}
			return nil
		})
		if done {
			return last, nil
		}
		if ctx.Err() != nil {
			return nil, c.waitError(ctx, tg, cond, ctx.Err())
		}
		if err != nil && !errors.Is(err, errStopWatch) {
			var st apierrors.APIStatus
			if !errors.As(err, &st) {
				return nil, err
			}
			// As kubectl, an error event is reported and the wait goes on.
			what := "the condition to be satisfied"
			if cond.Kind == "delete" {
				what = "the object to be deleted"
			}
			_, _ = fmt.Fprintf(c.ErrOut, "error: An error occurred while waiting for %s: %v", what, err)
			select {
			case <-ctx.Done():
				return nil, c.waitError(ctx, tg, cond, ctx.Err())
			case <-time.After(time.Second):
			}
		}
	}
}

// waitCheck tests one state of the object (nil: it does not exist).
// uid remembers the object first seen, so that one deleted and created
// again counts as deleted.
func (c *CLI) waitCheck(tg waitTarget, cond *WaitCondition, u *unstructured.Unstructured, uid *string) (bool, error) {
	switch cond.Kind {
	case "delete":
		if u == nil {
			return true, nil
		}
		if *uid == "" {
			*uid = string(u.GetUID())
		}
		return string(u.GetUID()) != *uid, nil
	case "create":
		return u != nil, nil
	}
	if u == nil {
		return false, apierrors.NewNotFound(tg.t.GroupResource(), tg.name)
	}
	return cond.Met(u)
}

// waitError is kubectl's timeout error for tg when the wait's deadline
// passed, else err.
// A create wait's timeout names no object, as kubectl's.
func (c *CLI) waitError(ctx context.Context, tg waitTarget, cond *WaitCondition, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if cond.Kind == "create" {
			return errors.New(errTimedOut)
		}
		return fmt.Errorf("%s on %s", errTimedOut, tg.objectName())
	}
	return err
}
