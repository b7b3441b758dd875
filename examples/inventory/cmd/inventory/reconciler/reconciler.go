package reconciler

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	v1alpha1 "github.com/k1s-dev/k1s/examples/inventory/api/v1alpha1"
)

const (
	// Finalizer keeps a deleted Item until the summary stopped counting it.
	Finalizer = "inventory.example.com/summary"
	// CategoryIndex is the field index of Items by spec.category.
	CategoryIndex = "spec.category"
	// ConditionReady says whether the item's category exists.
	ConditionReady = "Ready"
	// ConditionInStock says whether the item's quantity is above zero.
	ConditionInStock = "InStock"
	// SummarySuffix names a category's summary ConfigMap.
	SummarySuffix = "-summary"
)

// SetupWithManager registers the field index and both controllers.
func SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1alpha1.Item{}, CategoryIndex, func(o client.Object) []string {
		return []string{o.(*v1alpha1.Item).Spec.Category}
	}); err != nil {
		return err
	}
	recorder := mgr.GetEventRecorderFor("inventory-controller") //nolint:staticcheck // the core/v1 recorder is what the example shows
	items := &ItemReconciler{Client: mgr.GetClient(), Recorder: recorder}
	if err := ctrl.NewControllerManagedBy(mgr).
		Named("item").
		For(&v1alpha1.Item{}).
		Watches(&v1alpha1.Category{}, handler.EnqueueRequestsFromMapFunc(items.itemsOfCategory)).
		Complete(items); err != nil {
		return err
	}
	cats := &CategoryReconciler{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Recorder: recorder}
	return ctrl.NewControllerManagedBy(mgr).
		Named("category").
		For(&v1alpha1.Category{}).
		Owns(&corev1.ConfigMap{}).
		Watches(&v1alpha1.Item{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: o.(*v1alpha1.Item).Spec.Category}}}
		})).
		Complete(cats)
}

// ItemReconciler keeps Item conditions and the finalizer.
type ItemReconciler struct {
	Client   client.Client
	Recorder record.EventRecorder
}

func (r *ItemReconciler) itemsOfCategory(ctx context.Context, o client.Object) []reconcile.Request {
	var items v1alpha1.ItemList
	if err := r.Client.List(ctx, &items, client.InNamespace(o.GetNamespace()), client.MatchingFields{CategoryIndex: o.GetName()}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(items.Items))
	for i := range items.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&items.Items[i])})
	}
	return reqs
}

// Reconcile implements reconcile.Reconciler.
func (r *ItemReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var item v1alpha1.Item
	if err := r.Client.Get(ctx, req.NamespacedName, &item); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !item.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(&item, Finalizer) {
			return ctrl.Result{}, nil
		}
		// The category summary skips items being deleted, so the
		// finalizer can go once the category controller saw the delete;
		// the summary's own reconcile is triggered by this same change.
		controllerutil.RemoveFinalizer(&item, Finalizer)
		if err := r.Client.Update(ctx, &item); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		r.Recorder.Eventf(&item, corev1.EventTypeNormal, "Removed", "item %s removed from category %s", item.Name, item.Spec.Category)
		return ctrl.Result{}, nil
	}
	if controllerutil.AddFinalizer(&item, Finalizer) {
		if err := r.Client.Update(ctx, &item); err != nil {
			return ctrl.Result{}, err
		}
	}

	ready := metav1.Condition{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: "CategoryFound",
		Message: fmt.Sprintf("category %s exists", item.Spec.Category), ObservedGeneration: item.Generation}
	var cat v1alpha1.Category
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: item.Namespace, Name: item.Spec.Category}, &cat)
	switch {
	case apierrors.IsNotFound(err):
		ready.Status, ready.Reason = metav1.ConditionFalse, "CategoryMissing"
		ready.Message = fmt.Sprintf("category %s does not exist", item.Spec.Category)
	case err != nil:
		return ctrl.Result{}, err
	}
	stock := metav1.Condition{Type: ConditionInStock, Status: metav1.ConditionTrue, Reason: "Available",
		Message: fmt.Sprintf("%d in stock", item.Spec.Quantity), ObservedGeneration: item.Generation}
	if item.Spec.Quantity == 0 {
		stock.Status, stock.Reason, stock.Message = metav1.ConditionFalse, "OutOfStock", "none in stock"
	}
	observed := item.Status.ObservedGeneration
	readyChanged := meta.SetStatusCondition(&item.Status.Conditions, ready)
	stockChanged := meta.SetStatusCondition(&item.Status.Conditions, stock)
	item.Status.ObservedGeneration = item.Generation
	if !readyChanged && !stockChanged && observed == item.Status.ObservedGeneration {
		return ctrl.Result{}, nil
	}
	if err := r.Client.Status().Update(ctx, &item); err != nil {
		return ctrl.Result{}, err
	}
	if readyChanged && ready.Status == metav1.ConditionFalse {
		r.Recorder.Event(&item, corev1.EventTypeWarning, ready.Reason, ready.Message)
	}
	if stockChanged && stock.Status == metav1.ConditionFalse {
		r.Recorder.Event(&item, corev1.EventTypeWarning, stock.Reason, stock.Message)
	}
	return ctrl.Result{}, nil
}

// CategoryReconciler keeps the summary ConfigMap and the Category status.
type CategoryReconciler struct {
	Client   client.Client
	Scheme   *runtime.Scheme
	Recorder record.EventRecorder
}

// Reconcile implements reconcile.Reconciler.
func (r *CategoryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cat v1alpha1.Category
	if err := r.Client.Get(ctx, req.NamespacedName, &cat); err != nil {
		// A missing category's summary goes with it (owner reference).
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var items v1alpha1.ItemList
	if err := r.Client.List(ctx, &items, client.InNamespace(cat.Namespace), client.MatchingFields{CategoryIndex: cat.Name}); err != nil {
		return ctrl.Result{}, err
	}
	data := map[string]string{}
	var count, total int64
	for i := range items.Items {
		it := &items.Items[i]
		if !it.DeletionTimestamp.IsZero() {
			continue
		}
		count++
		total += it.Spec.Quantity
		data["item."+it.Name] = strconv.FormatInt(it.Spec.Quantity, 10)
	}
	data["items"] = strconv.FormatInt(count, 10)
	data["totalQuantity"] = strconv.FormatInt(total, 10)

	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: cat.Namespace, Name: cat.Name + SummarySuffix}}
	op, err := controllerutil.CreateOrUpdate(ctx, r.Client, cm, func() error {
		cm.Data = data
		return controllerutil.SetControllerReference(&cat, cm, r.Scheme)
	})
	if err != nil {
		return ctrl.Result{}, err
	}
	if op != controllerutil.OperationResultNone {
		reason := "SummaryUpdated"
		if op == controllerutil.OperationResultCreated {
			reason = "SummaryCreated"
		}
		r.Recorder.Eventf(&cat, corev1.EventTypeNormal, reason, "summary %s %s: %d item(s), total quantity %d", cm.Name, op, count, total)
	}
	// Comparing the counts alone would never write the status of a
	// category that has no items: zero is what an unwritten status reads.
	if cat.Status.Items != count || cat.Status.TotalQuantity != total || cat.Status.ObservedGeneration != cat.Generation {
		cat.Status.Items, cat.Status.TotalQuantity, cat.Status.ObservedGeneration = count, total, cat.Generation
		if err := r.Client.Status().Update(ctx, &cat); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}
