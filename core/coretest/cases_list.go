package coretest

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/client"
)

func labeled(obj client.Object, kv ...string) client.Object {
	l := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	obj.SetLabels(l)
	return obj
}

func listCases() []Case {
	return []Case{
		{Name: "ListSelectors", Run: func(e *Env) {
			namespace(e, "other")
			e.Create(labeled(cm(e, "default", "a", nil), "l", "x"))
			e.Create(labeled(cm(e, "default", "b", nil), "l", "y"))
			e.Create(labeled(cm(e, "other", "c", nil), "l", "x", "extra", "1"))
			// d carries the selected key and value, but not as a label.
			d := cm(e, "default", "d", map[string]any{"l": "x", "extra": "1"})
			d.SetAnnotations(map[string]string{"l": "x"})
			e.Create(d)
			for _, tc := range []struct {
				name string
				opts []client.ListOption
				want []string
			}{
				{"all", nil, []string{"default/a", "default/b", "default/d", "other/c"}},
				{"namespace", []client.ListOption{client.InNamespace("default")}, []string{"default/a", "default/b", "default/d"}},
				{"labels", []client.ListOption{client.MatchingLabels{"l": "x"}}, []string{"default/a", "other/c"}},
				{"has labels", []client.ListOption{client.HasLabels{"extra"}}, []string{"other/c"}},
				{"selector", []client.ListOption{client.MatchingLabelsSelector{Selector: mustSelector(e, "l in (x,y),l!=x")}}, []string{"default/b"}},
				{"not in", []client.ListOption{client.MatchingLabelsSelector{Selector: mustSelector(e, "l notin (x)")}}, []string{"default/b", "default/d"}},
				{"does not exist", []client.ListOption{client.MatchingLabelsSelector{Selector: mustSelector(e, "!extra")}}, []string{"default/a", "default/b", "default/d"}},
				{"name field", []client.ListOption{client.MatchingFields{"metadata.name": "b"}}, []string{"default/b"}},
				{"namespace field", []client.ListOption{client.MatchingFieldsSelector{Selector: fields.OneTermEqualSelector("metadata.namespace", "other")}}, []string{"other/c"}},
				{"both", []client.ListOption{client.InNamespace("default"), client.MatchingLabels{"l": "x"}, client.MatchingFields{"metadata.name": "a"}}, []string{"default/a"}},
				{"missing namespace", []client.ListOption{client.InNamespace("nowhere")}, nil},
			} {
				got, _ := e.List(ConfigMapGVK, tc.opts...)
				Equal(e, got, tc.want, "List %s", tc.name)
			}
			err := e.C.List(e.Ctx, e.EmptyList(ConfigMapGVK), client.MatchingFields{"data.k": "v"})
			e.Fails(err, BadRequest, "List with an unsupported field selector")
			e.Message(err, `"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"`)
		}},
		{Name: "ListSelectableFields", Run: func(e *Env) {
			for _, c := range []struct{ name, color string }{{"a", "red"}, {"b", "blue"}, {"c", "red"}} {
				e.Create(setField(e, item(e, "default", c.name, 1), c.color, "spec", "color"))
			}
			got, _ := e.List(ItemGVK, client.MatchingFields{"spec.color": "red"})
			Equal(e, got, []string{"default/a", "default/c"}, "items with spec.color=red")
			got, _ = e.List(ItemGVK, client.MatchingFieldsSelector{Selector: fields.OneTermNotEqualSelector("spec.color", "red")})
			Equal(e, got, []string{"default/b"}, "items with spec.color!=red")
			got, _ = e.List(NamespaceGVK, client.MatchingFields{"status.phase": "Active"})
			Equal(e, got, []string{"default"}, "namespaces with status.phase=Active")
		}},
		{Name: "ListTypeMetaAndResourceVersion", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			_, l := e.List(ConfigMapGVK)
			e.Check(l.GetResourceVersion() == strconv.FormatInt(e.Rev(), 10), "list resourceVersion %q, store at %d", l.GetResourceVersion(), e.Rev())
			items, err := meta.ExtractList(l)
			e.OK(err, "ExtractList")
			Equal(e, len(items), 1, "items")
			if e.Mode.Typed {
				e.Check(l.GetObjectKind().GroupVersionKind().Empty(), "typed list has a kind")
				e.Check(items[0].GetObjectKind().GroupVersionKind().Empty(), "typed item has a kind")
			} else {
				Equal(e, l.GetObjectKind().GroupVersionKind().Kind, "ConfigMapList", "unstructured list kind")
				Equal(e, items[0].GetObjectKind().GroupVersionKind(), ConfigMapGVK, "unstructured item kind")
				Equal(e, l.GetContinue(), "", "continue")
			}
			e.Check(items[0].(metav1.Object).GetResourceVersion() != "", "item has no resourceVersion")
			got, _ := e.List(NamespaceGVK, client.InNamespace("ignored"))
			Equal(e, got, []string{"default"}, "cluster-scoped list ignores the namespace")
		}},
		{Name: "ListPagination", Run: func(e *Env) {
			for i := range 5 {
				e.Create(labeled(cm(e, "default", fmt.Sprintf("cm-%d", i), nil), "odd", strconv.FormatBool(i%2 == 1)))
			}
			for _, tc := range []struct {
				name  string
				limit int64
				opts  []client.ListOption
				want  [][]string
			}{
				{"plain", 2, nil, [][]string{{"default/cm-0", "default/cm-1"}, {"default/cm-2", "default/cm-3"}, {"default/cm-4"}}},
				{"selector", 1, []client.ListOption{client.MatchingLabels{"odd": "true"}}, [][]string{{"default/cm-1"}, {"default/cm-3"}, nil}},
			} {
				var pages [][]string
				cont, rv := "", ""
				for {
					opts := append([]client.ListOption{client.Limit(tc.limit), client.Continue(cont)}, tc.opts...)
					got, l := e.List(ConfigMapGVK, opts...)
					pages = append(pages, got)
					if rv == "" {
						rv = l.GetResourceVersion()
					}
					Equal(e, l.GetResourceVersion(), rv, "%s: resourceVersion of page %d", tc.name, len(pages))
					// A write between pages does not show: every page is read at the first one's revision.
					if len(pages) == 1 {
						e.Create(cm(e, "default", "cm-9-"+tc.name, nil))
					}
					cont = l.GetContinue()
					if cont == "" || len(pages) > 10 {
						break
					}
				}
				Equal(e, pages, tc.want, "%s pages", tc.name)
			}
		}},
		{Name: "ListExpiredContinue", Run: func(e *Env) {
			for i := range 3 {
				e.Create(cm(e, "default", fmt.Sprintf("cm-%d", i), nil))
			}
			_, l := e.List(ConfigMapGVK, client.Limit(1))
			e.Check(l.GetContinue() != "", "no continue token")
			e.Create(cm(e, "default", "later", nil))
			e.OK(e.Store.Compact(e.Ctx, e.Rev()), "Compact")
			err := e.C.List(e.Ctx, e.EmptyList(ConfigMapGVK), client.Limit(1), client.Continue(l.GetContinue()))
			e.Fails(err, Gone, "List with a continue token older than the compaction")
		}},
		{Name: "ListAtResourceVersion", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			_, l := e.List(ConfigMapGVK)
			e.Create(cm(e, "default", "b", nil))
			got, _ := e.List(ConfigMapGVK, &client.ListOptions{ResourceVersion: l.GetResourceVersion()})
			Equal(e, got, []string{"default/a"}, "list at an earlier resourceVersion")
			got, _ = e.List(ConfigMapGVK, &client.ListOptions{ResourceVersion: "0"})
			Equal(e, got, []string{"default/a", "default/b"}, "list at resourceVersion 0 (latest)")
			err := e.C.List(e.Ctx, e.EmptyList(ConfigMapGVK), &client.ListOptions{ResourceVersion: "x"})
			e.Fails(err, BadRequest, "list at a malformed resourceVersion")
		}},
		{Name: "ListErrors", Once: true, Run: func(e *Env) {
			ul := &unstructured.UnstructuredList{}
			ul.SetAPIVersion("v1")
			ul.SetKind("ConfigMap")
			e.Fails(e.C.List(e.Ctx, ul), BadRequest, "List into a non-list kind")
			ul.SetAPIVersion("nope.example.com/v1")
			ul.SetKind("NopeList")
			err := e.C.List(e.Ctx, ul)
			e.Check(meta.IsNoMatchError(err), "List of an unknown kind: got %v", err)
			_, err = e.C.Watch(e.Ctx, ul)
			e.Check(meta.IsNoMatchError(err), "Watch of an unknown kind: got %v", err)
		}},
	}
}

func mustSelector(e *Env, s string) labels.Selector {
	e.T.Helper()
	sel, err := labels.Parse(s)
	e.OK(err, "labels.Parse(%q)", s)
	return sel
}

// eventSummary is what the watch cases compare: type, name and kind.
type eventSummary struct {
	Type  watch.EventType
	Name  string
	Typed bool
}

func summarize(e *Env, ev watch.Event) eventSummary {
	e.T.Helper()
	if ev.Type == watch.Error {
		e.T.Fatalf("unexpected watch error: %v", ev.Object)
	}
	mo, ok := ev.Object.(metav1.Object)
	e.Check(ok, "watch event object %T has no metadata", ev.Object)
	_, isU := ev.Object.(*unstructured.Unstructured)
	return eventSummary{Type: ev.Type, Name: mo.GetName(), Typed: !isU}
}

func watchCases() []Case {
	return []Case{
		{Name: "WatchFromResourceVersion", Run: func(e *Env) {
			e.Create(cm(e, "default", "before", nil))
			_, l := e.List(ConfigMapGVK)
			w, err := e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK), &client.ListOptions{ResourceVersion: l.GetResourceVersion()})
			e.OK(err, "Watch")
			defer w.Stop()
			obj := e.Create(cm(e, "default", "a", nil))
			obj.SetLabels(map[string]string{"x": "y"})
			e.OK(e.C.Update(e.Ctx, obj), "Update")
			e.OK(e.C.Delete(e.Ctx, obj), "Delete")
			typed := e.Mode.Typed
			var got []eventSummary
			var rvs []string
			for range 3 {
				ev := e.NextEvent(w)
				got = append(got, summarize(e, ev))
				rvs = append(rvs, ev.Object.(metav1.Object).GetResourceVersion())
			}
			Equal(e, got, []eventSummary{{watch.Added, "a", typed}, {watch.Modified, "a", typed}, {watch.Deleted, "a", typed}}, "events")
			Equal(e, rvs[2], strconv.FormatInt(e.Rev(), 10), "resourceVersion of the DELETED event")
		}},
		{Name: "WatchInitialEvents", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			e.Create(cm(e, "default", "b", nil))
			w, err := e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK))
			e.OK(err, "Watch from now")
			defer w.Stop()
			got := []string{summarize(e, e.NextEvent(w)).Name, summarize(e, e.NextEvent(w)).Name}
			Equal(e, got, []string{"a", "b"}, "initial ADDED events")
			e.Create(cm(e, "default", "c", nil))
			Equal(e, summarize(e, e.NextEvent(w)), eventSummary{watch.Added, "c", e.Mode.Typed}, "event after the initial ones")

			send := true
			w2, err := e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK), &client.ListOptions{SendInitialEvents: &send, ResourceVersion: "0"})
			e.OK(err, "Watch with SendInitialEvents")
			defer w2.Stop()
			for range 3 {
				e.Check(e.NextEvent(w2).Type == watch.Added, "want ADDED")
			}
			bm := e.NextEvent(w2)
			e.Check(bm.Type == watch.Bookmark, "want BOOKMARK after the initial events, got %s", bm.Type)
			Equal(e, bm.Object.(metav1.Object).GetAnnotations()[metav1.InitialEventsAnnotationKey], "true", "bookmark annotation")
		}},
		{Name: "WatchSelectors", Run: func(e *Env) {
			w, err := e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK), client.MatchingLabels{"app": "web"}, &client.ListOptions{ResourceVersion: strconv.FormatInt(e.Rev(), 10)})
			e.OK(err, "Watch with a label selector")
			defer w.Stop()
			e.Create(cm(e, "default", "other", nil))
			obj := e.Create(labeled(cm(e, "default", "web", nil), "app", "web"))
			obj.SetLabels(map[string]string{"app": "db"})
			e.OK(e.C.Update(e.Ctx, obj), "Update out of the selector")
			outRV := obj.GetResourceVersion()
			obj.SetLabels(map[string]string{"app": "web"})
			e.OK(e.C.Update(e.Ctx, obj), "Update back into the selector")
			typed := e.Mode.Typed
			var got []eventSummary
			var deleted metav1.Object
			for range 3 {
				ev := e.NextEvent(w)
				got = append(got, summarize(e, ev))
				if ev.Type == watch.Deleted {
					deleted = ev.Object.(metav1.Object)
				}
			}
			Equal(e, got, []eventSummary{{watch.Added, "web", typed}, {watch.Deleted, "web", typed}, {watch.Added, "web", typed}}, "filtered events")
			// As the API server: DELETED carries the last state that
			// matched, at the revision of the change that unmatched it.
			Equal(e, deleted.GetLabels(), map[string]string{"app": "web"}, "labels of the DELETED object")
			Equal(e, deleted.GetResourceVersion(), outRV, "resourceVersion of the DELETED object")
			_, err = e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK), client.MatchingFields{"data.x": "y"})
			e.Fails(err, BadRequest, "Watch with an unsupported field")
		}},
		{Name: "WatchCompacted", Run: func(e *Env) {
			e.Create(cm(e, "default", "a", nil))
			e.Create(cm(e, "default", "b", nil))
			e.OK(e.Store.Compact(e.Ctx, e.Rev()), "Compact")
			w, err := e.C.Watch(e.Ctx, e.EmptyList(ConfigMapGVK), &client.ListOptions{ResourceVersion: "1"})
			e.OK(err, "Watch from a compacted revision (the error comes as an event)")
			defer w.Stop()
			ev := e.NextEvent(w)
			e.Check(ev.Type == watch.Error, "want an ERROR event, got %s", ev.Type)
			status, ok := ev.Object.(*metav1.Status)
			e.Check(ok, "ERROR event object is %T, want *metav1.Status", ev.Object)
			e.Fails(apiErrorFromStatus(status), Gone, "error of the ERROR event")
			select {
			case _, open := <-w.ResultChan():
				e.Check(!open, "watch still open after its ERROR event")
			case <-time.After(eventTimeout):
				e.T.Fatal("watch not closed after its ERROR event")
			}
		}},
		{Name: "WatchStop", Run: func(e *Env) {
			w, err := e.C.Watch(e.Ctx, e.EmptyList(ItemGVK), client.InNamespace("default"))
			e.OK(err, "Watch")
			w.Stop()
			w.Stop()
			select {
			case _, open := <-w.ResultChan():
				for open {
					_, open = <-w.ResultChan()
				}
			case <-time.After(eventTimeout):
				e.T.Fatal("watch not closed after Stop")
			}
		}},
	}
}
