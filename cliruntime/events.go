package cliruntime

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
)

func (c *CLI) newEventsCommand() *cobra.Command {
	var (
		forObject, output string
		types             []string
		all, watchFlag    bool
		noHeaders         bool
	)
	cmd := &cobra.Command{
		Use:   "events [(-o|--output=)json|yaml|name] [--for TYPE/NAME] [--watch] [--types=Normal,Warning]",
		Short: "List events",
		Long:  "Display events, oldest first. Events are core/v1 Event objects written by controllers and the ManagedRuntime's recorder.",
		Example: "  # List recent events in the default namespace\n  " + c.Name + " events\n\n  # List events about one item\n  " +
			c.Name + " events --for item/hammer",
		Args: cobra.NoArgs,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := c.Session(ctx)
			if err != nil {
				return err
			}
			t, err := s.Registry.TypeFor(eventGVK)
			if err != nil {
				return err
			}
			var forKind, forName string
			if forObject != "" {
				typ, name, ok := strings.Cut(forObject, "/")
				if !ok || name == "" {
					return fmt.Errorf("--for must be in resource/name form")
				}
				ft, err := s.Registry.ResolveOne(typ)
				if err != nil {
					return err
				}
				forKind, forName = ft.Kind.Kind, name
			}
			for _, ty := range types {
				if ty != "Normal" && ty != "Warning" {
					return fmt.Errorf("valid --types are Normal or Warning")
				}
			}
			keep := func(e *unstructured.Unstructured) bool {
				if forName != "" && (str(e.Object, "involvedObject", "kind") != forKind || str(e.Object, "involvedObject", "name") != forName) {
					return false
				}
				return len(types) == 0 || contains(types, str(e.Object, "type"))
			}
			req := resource.ListRequest{Namespace: c.Flags.NamespaceOrDefault(), AllNamespaces: all}
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
			if output != "" {
				p, err := printers.NewPrinter(printers.PrintOptions{Output: output})
				if err != nil {
					return err
				}
				if err := p.Print(c.Out, []printers.Group{{Type: t, Items: kept}}, false); err != nil {
					return err
				}
			} else {
				// The Event type's own columns without -o wide are
				// kubectl events' table.
				tp := printers.NewTablePrinter(printers.PrintOptions{NoHeaders: noHeaders, WithNamespace: all})
				if len(kept) == 0 && !watchFlag {
					if all {
						_, _ = fmt.Fprintln(c.ErrOut, "No events found.")
					} else {
						_, _ = fmt.Fprintf(c.ErrOut, "No events found in %s namespace.\n", req.Namespace)
					}
					return nil
				}
				if err := tp.PrintEvent(c.Out, t, "", kept...); err != nil {
					return err
				}
				if !watchFlag {
					return nil
				}
				return c.watchFrom(ctx, s, t, req, rv, func(evType watch.EventType, u *unstructured.Unstructured) error {
					if evType == watch.Deleted || !keep(u) {
						return nil
					}
					return tp.PrintEvent(c.Out, t, "", u)
				})
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&forObject, "for", "", "Filter events to only those pertaining to the specified resource.")
	f.StringSliceVar(&types, "types", nil, "Output only events of given types.")
	f.BoolVarP(&all, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	f.BoolVarP(&watchFlag, "watch", "w", false, "After listing the requested events, watch for more events.")
	f.StringVarP(&output, "output", "o", "", "Output format. One of: (json, yaml, name, jsonpath=...).")
	f.BoolVar(&noHeaders, "no-headers", false, "When using the default output format, don't print headers.")
	return cmd
}
