// Package pluginctrl runs plugin reconcilers in a ManagedRuntime's
// controller manager, beside Go controllers: each reconciled kind of each
// plugin becomes a controller-runtime controller (For the kind, Owns what
// the manifest lists), in continuous mode (Start) and triggered mode
// (RunTriggered) alike. It is apart from package plugins, which must not
// link controller-runtime (the CLI links plugins), and from package
// controller, which need not link the WASM runtime.
package pluginctrl

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/plugins"
)

// Add adds a controller to mgr for every reconciler of pm's plugins. Its
// name is plugin-NAME-KIND (lower case), as controller-runtime's logs and
// metrics show it.
func Add(mgr *controller.Manager, pm *plugins.Manager) error {
	for _, r := range pm.Reconcilers() {
		b := ctrl.NewControllerManagedBy(mgr).
			Named(strings.ToLower(fmt.Sprintf("plugin-%s-%s", r.Plugin.Name(), r.For.Kind))).
			For(object(r.For))
		for _, o := range r.Owns {
			b = b.Owns(object(o))
		}
		if err := b.Complete(Reconciler(r)); err != nil {
			return fmt.Errorf("plugin %q: reconciler of %s: %w", r.Plugin.Name(), r.For.Kind, err)
		}
	}
	return nil
}

func object(gvk schema.GroupVersionKind) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// Reconciler is r as a controller-runtime reconcile.Reconciler.
func Reconciler(r plugins.Reconciler) reconcile.Reconciler {
	return reconcile.Func(func(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
		res, _, err := r.Plugin.Reconcile(ctx, r.For, req.NamespacedName)
		return reconcile.Result{Requeue: res.Requeue, RequeueAfter: res.RequeueAfter}, err //nolint:staticcheck // Requeue is what the plugin's Result says
	})
}
