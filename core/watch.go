package core

import (
	"context"
	"strconv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage"
)

// Watch implements client.Client. Events carry objects of the list's item
// type (typed for a typed list, unstructured for an UnstructuredList).
//
// As on the API server, a watch from resourceVersion "" or "0" starts with
// a synthetic ADDED event for every existing object; a watch from a
// resourceVersion delivers the changes after it. SendInitialEvents=true
// adds the initial events to a watch from a resourceVersion too, followed
// by a BOOKMARK annotated k8s.io/initial-events-end. A watch from a
// compacted resourceVersion delivers one ERROR event carrying the 410
// Status, so that reflectors relist. With selectors, an object that starts
// matching arrives as ADDED and one that stops matching as DELETED.
func (c *Client) Watch(ctx context.Context, list client.ObjectList, opts ...client.ListOption) (watch.Interface, error) {
	o := (&client.ListOptions{}).ApplyOptions(opts)
	gvk, t, err := c.resolveList(list)
	if err != nil {
		return nil, err
	}
	f, err := newFilter(gvk, t, o)
	if err != nil {
		return nil, err
	}
	ns := o.Namespace
	if !t.Namespaced {
		ns = ""
	}
	prefix := storage.Prefix(c.tenant, t.GroupResource(), ns)
	_, unstructuredList := list.(*unstructured.UnstructuredList)
	w := &watcher{
		c: c, gvk: gvk, filter: f, unstructured: unstructuredList || !c.scheme.Recognizes(gvk), metadataOnly: isMetadataOnly(list),
		ch: make(chan watch.Event, 64), done: make(chan struct{}),
	}
	fromRV := o.ResourceVersion != "" && o.ResourceVersion != "0"
	initial := !fromRV
	bookmark := false
	if o.SendInitialEvents != nil {
		initial, bookmark = *o.SendInitialEvents, *o.SendInitialEvents
	}
	var from int64
	if fromRV {
		if from, err = parseRV(o.ResourceVersion); err != nil {
			return nil, err
		}
	}
	var items []storage.KeyValue
	if initial {
		res, err := c.store.List(ctx, prefix, storage.ListOptions{Revision: from})
		if err != nil {
			if isGone(err) {
				return w.fail(err), nil
			}
			return nil, err
		}
		items, from = res.Items, res.Revision
	}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	sw, err := c.store.Watch(wctx, prefix, from)
	if err != nil {
		cancel()
		if isGone(err) {
			return w.fail(err), nil
		}
		return nil, err
	}
	go w.run(sw, items, bookmark, from)
	return w, nil
}

func isGone(err error) bool { return apierrors.IsResourceExpired(err) || apierrors.IsGone(err) }

// watcher adapts a storage.Watcher to watch.Interface.
type watcher struct {
	c            *Client
	gvk          schema.GroupVersionKind
	filter       *filter
	unstructured bool
	metadataOnly bool
	ch           chan watch.Event
	done         chan struct{}
	once         sync.Once
	cancel       context.CancelFunc
}

// Stop implements watch.Interface.
func (w *watcher) Stop() {
	w.once.Do(func() {
		close(w.done)
		if w.cancel != nil {
			w.cancel()
		}
	})
}

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event { return w.ch }

// fail returns w as a watch that delivers one ERROR event for err.
func (w *watcher) fail(err error) watch.Interface {
	go func() {
		defer close(w.ch)
		w.send(errorEvent(err))
	}()
	return w
}

func errorEvent(err error) watch.Event {
	status := apierrors.NewInternalError(err).ErrStatus
	if se, ok := err.(apierrors.APIStatus); ok {
		status = se.Status()
	}
	return watch.Event{Type: watch.Error, Object: &status}
}

// send delivers ev unless the watch was stopped first.
func (w *watcher) send(ev watch.Event) bool {
	select {
	case w.ch <- ev:
		return true
	case <-w.done:
		return false
	}
}

func (w *watcher) run(sw storage.Watcher, initial []storage.KeyValue, bookmark bool, rev int64) {
	defer close(w.ch)
	defer sw.Stop()
	for _, kv := range initial {
		obj, err := w.decode(kv.Value, kv.Revision)
		if err != nil {
			w.send(errorEvent(err))
			return
		}
		if w.filter.all() || w.filter.matches(obj.(metav1.Object), kv.Value) {
			if !w.send(watch.Event{Type: watch.Added, Object: obj}) {
				return
			}
		}
	}
	if bookmark {
		obj := w.empty()
		mo := obj.(metav1.Object)
		mo.SetResourceVersion(strconv.FormatInt(rev, 10))
		mo.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
		if !w.send(watch.Event{Type: watch.Bookmark, Object: obj}) {
			return
		}
	}
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-sw.ResultChan():
			if !ok {
				return
			}
			out, keep, err := w.convert(ev)
			if err != nil {
				w.send(errorEvent(err))
				return
			}
			if keep && !w.send(out) {
				return
			}
			if ev.Type == storage.Error {
				return
			}
		}
	}
}

// convert turns a storage event into a watch event; keep is false when
// the selectors drop it.
func (w *watcher) convert(ev storage.Event) (watch.Event, bool, error) {
	if ev.Type == storage.Error {
		return errorEvent(ev.Err), true, nil
	}
	if !w.filter.mayMatch(ev.Value) && (ev.PrevValue == nil || !w.filter.mayMatch(ev.PrevValue)) {
		// Neither the object nor what it was can match the selector.
		return watch.Event{}, false, nil
	}
	obj, err := w.decode(ev.Value, ev.Revision)
	if err != nil {
		return watch.Event{}, false, err
	}
	typ := watch.EventType(ev.Type)
	if w.filter.all() {
		return watch.Event{Type: typ, Object: obj}, true, nil
	}
	now := w.filter.matches(obj.(metav1.Object), ev.Value)
	if ev.Type != storage.Modified {
		return watch.Event{Type: typ, Object: obj}, now, nil
	}
	before, prev := now, obj
	if ev.PrevValue != nil {
		if prev, err = w.decode(ev.PrevValue, ev.Revision); err != nil {
			return watch.Event{}, false, err
		}
		before = w.filter.matches(prev.(metav1.Object), ev.PrevValue)
	}
	switch {
	case now && !before:
		typ = watch.Added
	case !now && before:
		// As the API server's watch cache: the object left the selection,
		// and what the watcher last saw of it is the state that matched,
		// at the revision of the change.
		return watch.Event{Type: watch.Deleted, Object: prev}, true, nil
	case !now:
		return watch.Event{}, false, nil
	}
	return watch.Event{Type: typ, Object: obj}, true, nil
}

func (w *watcher) empty() runtime.Object {
	if w.metadataOnly {
		p := &metav1.PartialObjectMetadata{}
		p.SetGroupVersionKind(w.gvk)
		return p
	}
	if !w.unstructured {
		if obj, err := w.c.scheme.New(w.gvk); err == nil {
			return obj
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(w.gvk)
	return u
}

func (w *watcher) decode(data []byte, rev int64) (runtime.Object, error) {
	obj := w.empty()
	if err := decodeInto(data, rev, w.gvk, obj); err != nil {
		return nil, err
	}
	return obj, nil
}
