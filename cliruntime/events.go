package cliruntime

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
)

// eventsOptions are the flags of events.
type eventsOptions struct {
	forObject, output string
	types             []string
	all, watch        bool
	noHeaders         bool
}

func (c *CLI) newEventsCommand() *cobra.Command {
	o := &eventsOptions{}
	cmd := &cobra.Command{
		Use:   "events [(-o|--output=)json|yaml|name] [--for TYPE/NAME] [--watch] [--types=Normal,Warning]",
		Short: "List events",
		Long:  "Display events, oldest first. Events are core/v1 Event objects written by controllers and the ManagedRuntime's recorder.",
		Example: "  # List recent events in the default namespace\n  " + c.Name + " events\n\n  # List events about one item\n  " +
			c.Name + " events --for item/hammer",
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, _ []string) error {
			return c.runEvents(cmd.Context(), o)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.forObject, "for", "", "Filter events to only those pertaining to the specified resource.")
	f.StringSliceVar(&o.types, "types", nil, "Output only events of given types.")
	f.BoolVarP(&o.all, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	f.BoolVarP(&o.watch, "watch", "w", false, "After listing the requested events, watch for more events.")
	f.StringVarP(&o.output, "output", "o", "", "Output format. One of: (json, yaml, name, jsonpath=...).")
	f.BoolVar(&o.noHeaders, "no-headers", false, "When using the default output format, don't print headers.")
	return cmd
}

func (c *CLI) runEvents(ctx context.Context, o *eventsOptions) error {
	s, err := c.Session(ctx)
	if err != nil {
		return err
	}
	t, err := s.Registry.TypeFor(eventGVK)
	if err != nil {
		return err
	}
	keep, err := eventFilter(s, o)
	if err != nil {
		return err
	}
	req := resource.ListRequest{Namespace: c.Flags.NamespaceOrDefault(), AllNamespaces: o.all}
	rctx, cancel, err := c.requestContext(ctx)
	if err != nil {
		return err
	}
	items, rv, err := resource.List(rctx, s.Client, t, req)
	cancel()
	if err != nil {
		return err
	}
	var kept []*unstructured.Unstructured
	for _, e := range items {
		if keep(e) {
			kept = append(kept, e)
		}
	}
	sortEvents(kept)
	if o.output != "" {
		p, err := printers.NewPrinter(printers.PrintOptions{Output: o.output})
		if err != nil {
			return err
		}
		return p.Print(c.Out, []printers.Group{{Type: t, Items: kept}}, false)
	}
	// The Event type's own columns without -o wide are kubectl events'
	// table.
	tp := printers.NewTablePrinter(printers.PrintOptions{NoHeaders: o.noHeaders, WithNamespace: o.all})
	if len(kept) == 0 && !o.watch {
		if o.all {
			_, _ = fmt.Fprintln(c.ErrOut, "No events found.")
		} else {
			_, _ = fmt.Fprintf(c.ErrOut, "No events found in %s namespace.\n", req.Namespace)
		}
		return nil
	}
	if err := tp.PrintEvent(c.Out, t, "", kept...); err != nil {
		return err
	}
	if !o.watch {
		return nil
	}
	return c.watchFrom(ctx, s, t, req, rv, func(evType watch.EventType, u *unstructured.Unstructured) error {
		if evType == watch.Deleted || !keep(u) {
			return nil
		}
		return tp.PrintEvent(c.Out, t, "", u)
	})
}

// eventFilter returns the test --for and --types make of an event.
func eventFilter(s *Session, o *eventsOptions) (func(*unstructured.Unstructured) bool, error) {
	var forKind, forName string
	if o.forObject != "" {
		typ, name, ok := strings.Cut(o.forObject, "/")
		if !ok || name == "" {
			return nil, fmt.Errorf("--for must be in resource/name form")
		}
		ft, err := s.Registry.ResolveOne(typ)
		if err != nil {
			return nil, err
		}
		forKind, forName = ft.Kind.Kind, name
	}
	for _, ty := range o.types {
		if ty != "Normal" && ty != "Warning" {
			return nil, fmt.Errorf("valid --types are Normal or Warning")
		}
	}
	return func(e *unstructured.Unstructured) bool {
		if forName != "" && (str(e.Object, "involvedObject", "kind") != forKind || str(e.Object, "involvedObject", "name") != forName) {
			return false
		}
		return len(o.types) == 0 || contains(o.types, str(e.Object, "type"))
	}, nil
}
