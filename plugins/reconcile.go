package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// Result is a reconcile's outcome, as controller-runtime's
// reconcile.Result.
type Result struct {
	Requeue      bool
	RequeueAfter time.Duration
}

// Reconcile asks p to reconcile the object of kind gvk named by key, and
// returns the reconciler's result, how many writes its client made, and
// an error (the plugin's own, or one naming the plugin when the module
// failed).
func (p *Plugin) Reconcile(ctx context.Context, gvk schema.GroupVersionKind, key types.NamespacedName) (Result, int, error) {
	payload, _ := json.Marshal(abi.ReconcileRequest{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: key.Namespace, Name: key.Name})
	out, writes, err := p.call(ctx, abi.ExportReconcile, payload)
	if err != nil {
		return Result{}, writes, err
	}
	var res abi.ReconcileResult
	if err := json.Unmarshal(out, &res); err != nil {
		err = p.errorf("%s: the result it answered is malformed: %v", abi.ExportReconcile, err)
		p.failures.Add(1)
		p.mu.Lock()
		p.lastErr = err
		p.mu.Unlock()
		return Result{}, writes, err
	}
	r := Result{Requeue: res.Requeue, RequeueAfter: time.Duration(res.RequeueAfterMS) * time.Millisecond}
	if res.Error != "" {
		return r, writes, p.errorf("reconcile %s %s: %s", gvk.Kind, key, res.Error)
	}
	return r, writes, nil
}

// Reconciler is one reconciled kind of one plugin.
type Reconciler struct {
	Plugin *Plugin
	For    schema.GroupVersionKind
	Owns   []schema.GroupVersionKind
}

// Reconcilers lists the plugins' reconcilers, in plugin order.
func (m *Manager) Reconcilers() []Reconciler {
	m.discover()
	var out []Reconciler
	for _, p := range m.plugins {
		for _, r := range p.Manifest.Spec.Reconcile {
			rec := Reconciler{Plugin: p, For: r.GroupVersionKind()}
			for _, o := range r.Owns {
				rec.Owns = append(rec.Owns, o.GroupVersionKind())
			}
			out = append(out, rec)
		}
	}
	return out
}

// ReconcileReport says what ReconcileAll did.
type ReconcileReport struct {
	// Passes over every reconciled object, Reconciles made, Writes their
	// clients made.
	Passes, Reconciles, Writes int
	// Errors are the failed reconciles, each naming its plugin and object.
	Errors []error
}

// MaxPasses bounds ReconcileAll: reconcilers still writing after that
// many passes are not converging.
const MaxPasses = 10

// ReconcileAll runs every plugin reconciler over every object of its
// kind until a whole pass writes nothing (idle), as `k1s reconcile`
// does: the triggered mode of a controller manager, without informers.
// A failed reconcile is reported (an Event on the object and a log line
// naming the plugin) and does not stop the others. A requeue with a delay
// is not waited for: a triggered run ends when nothing is left to do now.
func (m *Manager) ReconcileAll(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	c := m.getClient()
	if c == nil {
		return rep, errors.New("plugins: ReconcileAll: the manager has no client")
	}
	recs := m.Reconcilers()
	for rep.Passes < MaxPasses {
		rep.Passes++
		writes := 0
		rep.Errors = nil
		for _, r := range recs {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(r.For.GroupVersion().WithKind(r.For.Kind + "List"))
			if err := c.List(ctx, list); err != nil {
				return rep, fmt.Errorf("plugin %q: listing %s: %w", r.Plugin.Name(), r.For.Kind, err)
			}
			for i := range list.Items {
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				obj := &list.Items[i]
				key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
				for attempt := 0; ; attempt++ {
					res, w, err := r.Plugin.Reconcile(ctx, r.For, key)
					rep.Reconciles++
					writes += w
					if err != nil {
						rep.Errors = append(rep.Errors, err)
						m.reportFailure(ctx, r.Plugin, obj, err)
						break
					}
					if !res.Requeue || res.RequeueAfter > 0 || attempt >= 3 {
						break
					}
				}
			}
		}
		rep.Writes += writes
		if writes == 0 {
			return rep, errors.Join(rep.Errors...)
		}
	}
	return rep, fmt.Errorf("plugins: still writing after %d passes: the reconcilers do not converge; %w", MaxPasses, errors.Join(rep.Errors...))
}

// reportFailure records a Warning event on obj and logs err.
func (m *Manager) reportFailure(ctx context.Context, p *Plugin, obj *unstructured.Unstructured, err error) {
	m.opts.Logger.Error(err, "plugin reconcile failed", "plugin", p.Name(), "object", obj.GetNamespace()+"/"+obj.GetName())
	c := m.getClient()
	ns := obj.GetNamespace()
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: eventName(obj.GetName(), now), Namespace: ns},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID(),
		},
		Reason: "PluginFailed", Message: truncate(err.Error(), 1024), Type: corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "plugin/" + p.Name()},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	if cerr := c.Create(ctx, ev); cerr != nil {
		m.opts.Logger.Error(cerr, "recording the failure event", "plugin", p.Name())
	}
}
