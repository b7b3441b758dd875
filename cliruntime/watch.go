package cliruntime

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
)

// watch implements get -w / --watch-only: list (unless watch-only),
// print, then print every change from the list's revision on, until the
// context is cancelled (SIGINT/SIGTERM) or the watch ends. It uses the
// client's Watch directly, as kubectl does, so no informer machinery is
// linked into the CLI.
func (c *CLI) watch(ctx context.Context, s *Session, ref ResourceRef, req ListRequest, o *GetOptions, printer Printer) error {
	t := ref.Types[0]
	if len(ref.Names) > 1 {
		return fmt.Errorf("watch is only supported on individual resources and resource collections, but %d resources were found", len(ref.Names))
	}
	if len(ref.Names) == 1 {
		sel := fields.OneTermEqualSelector("metadata.name", ref.Names[0])
		if req.FieldSelector != "" {
			sel = fields.AndSelectors(sel, fields.ParseSelectorOrDie(req.FieldSelector))
		}
		req.FieldSelector = sel.String()
	}
	// The list is not cut short by an interrupt: a watch interrupted
	// before it starts just ends, with nothing half-printed.
	lctx, cancel, err := c.requestContext(ctx)
	if err != nil {
		return err
	}
	items, rv, err := List(lctx, s.Client, t, req)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	table, isTable := printer.(*TablePrinter)
	eventType := ""
	if o.OutputWatchEvents {
		eventType = string(watch.Added)
	}
	if !o.WatchOnly {
		if o.Print.SortBy != "" {
			if err := SortObjects(items, o.Print.SortBy); err != nil {
				return err
			}
		}
		switch {
		case len(items) == 0:
			if isTable {
				c.noResources(c.ErrOut, []ResourceRef{ref}, req.AllNamespaces)
			}
		case isTable:
			if err := table.PrintEvent(c.Out, t, eventType, items...); err != nil {
				return err
			}
		default:
			for _, u := range items {
				if err := c.printWatchObject(printer, t, eventType, u); err != nil {
					return err
				}
			}
		}
	}
	c.warnings()
	return c.watchFrom(ctx, s, t, req, rv, func(evType watch.EventType, u *unstructured.Unstructured) error {
		et := ""
		if o.OutputWatchEvents {
			et = string(evType)
		}
		if isTable {
			return table.PrintEvent(c.Out, t, et, u)
		}
		return c.printWatchObject(printer, t, et, u)
	})
}

// watchFrom watches the objects of type t that req selects, from revision
// rv on, and hands each change to handle until the context is cancelled
// (SIGINT/SIGTERM: a clean end) or the watch ends. Bookmarks are skipped;
// an error event ends the watch with the error it carries.
func (c *CLI) watchFrom(ctx context.Context, s *Session, t *registry.Type, req ListRequest, rv string,
	handle func(watch.EventType, *unstructured.Unstructured) error) error {
	opts, err := req.options(t)
	if err != nil {
		return err
	}
	opts = append(opts, &client.ListOptions{ResourceVersion: rv})
	ul := &unstructured.UnstructuredList{}
	ul.SetGroupVersionKind(t.Kind.GroupVersion().WithKind(t.ListKind))
	w, err := s.Client.Watch(ctx, ul, opts...)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer w.Stop()
	c.logf(4, "watching %s from resourceVersion %s", t.QualifiedResource(), rv)
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil
			}
			if ev.Type == watch.Error {
				return errorFromWatch(ev.Object)
			}
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok || ev.Type == watch.Bookmark {
				continue
			}
			if u.GetKind() == "" {
				u.SetGroupVersionKind(t.Kind)
			}
			if err := handle(ev.Type, u); err != nil {
				return err
			}
		}
	}
}

// printWatchObject prints one object of a watch in a non-table format;
// with --output-watch-events it prints the event object kubectl prints
// ({"type": ..., "object": ...}).
func (c *CLI) printWatchObject(p Printer, t *registry.Type, eventType string, u *unstructured.Unstructured) error {
	if eventType == "" {
		return p.Print(c.Out, []Group{{Type: t, Items: []*unstructured.Unstructured{u}}}, true)
	}
	ev := map[string]any{"type": eventType, "object": u.Object}
	if vp, ok := p.(valuePrinter); ok {
		// Templates and columns see the event, as kubectl's do:
		// {.type} is ADDED, {.object.metadata.name} the object's name.
		return vp.printValue(c.Out, ev)
	}
	return p.Print(c.Out, []Group{{Type: t, Items: []*unstructured.Unstructured{u}}}, true)
}
