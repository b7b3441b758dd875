// Package controller is the todo example's reconciler, written as for a
// cluster with controller-runtime: for each Task it keeps a card, a
// ConfigMap the Task owns (owner reference, so it goes when the Task
// goes), the Task's status (a Ready condition and observedGeneration),
// and events; a finalizer removes the card before the Task is deleted.
// On k1s the same reconciler runs on a controller.Manager over the
// tool's store, triggered by `todo reconcile` (see Commands).
package controller

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
)

const (
	// Finalizer keeps a deleted Task until its card is gone.
	Finalizer = "todo.example.com/card"
	// ConditionReady is True once the card shows the current spec.
	ConditionReady = "Ready"
	// CardPrefix starts the name of a Task's card ConfigMap.
	CardPrefix = "card-"
)

// TaskReconciler reconciles Tasks. Client is controller-runtime's
// client.Client: the manager's (mgr.GetClient()), which reads from the
// informer cache and writes to the store.
type TaskReconciler struct {
	Client   client.Client
	Scheme   *runtime.Scheme
	Recorder recorder.EventRecorder
}

// SetupWithManager registers the reconciler for Tasks and the
// ConfigMaps they own.
func (r *TaskReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&todov1.Task{}).
		Owns(&corev1.ConfigMap{}).
		Named("task").
		Complete(r)
}

// Reconcile brings one Task's card and status in line with its spec.
func (r *TaskReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	task := &todov1.Task{}
	if err := r.Client.Get(ctx, req.NamespacedName, task); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !task.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, task)
	}
	if controllerutil.AddFinalizer(task, Finalizer) {
		if err := r.Client.Update(ctx, task); err != nil {
			return ctrl.Result{}, err
		}
	}

	card := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: task.Namespace, Name: CardPrefix + task.Name}}
	op, err := controllerutil.CreateOrUpdate(ctx, r.Client, card, func() error {
		card.Data = map[string]string{
			"title":    task.Spec.Title,
			"priority": string(task.Spec.Priority),
			"due":      task.Spec.Due,
			"done":     strconv.FormatBool(task.Spec.Done),
		}
		return controllerutil.SetControllerReference(task, card, r.Scheme)
	})
	if err != nil {
		return ctrl.Result{}, err
	}
	if op != controllerutil.OperationResultNone {
		r.Recorder.Eventf(task, card, corev1.EventTypeNormal, "Card"+cases(op), "WriteCard", "card %s %s", card.Name, op)
	}

	changed := meta.SetStatusCondition(&task.Status.Conditions, metav1.Condition{
		Type: ConditionReady, Status: metav1.ConditionTrue, Reason: "CardWritten",
		Message: fmt.Sprintf("card %s shows generation %d", card.Name, task.Generation), ObservedGeneration: task.Generation,
	})
	if changed || task.Status.ObservedGeneration != task.Generation {
		task.Status.ObservedGeneration = task.Generation
		if err := r.Client.Status().Update(ctx, task); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// finalize deletes the card of a Task being deleted, then lets the Task
// go. The owner reference would have the card collected anyway; the
// finalizer shows a clean-up that must happen before the Task is gone.
func (r *TaskReconciler) finalize(ctx context.Context, task *todov1.Task) error {
	if !controllerutil.ContainsFinalizer(task, Finalizer) {
		return nil
	}
	card := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: task.Namespace, Name: CardPrefix + task.Name}}
	if err := r.Client.Delete(ctx, card); client.IgnoreNotFound(err) != nil {
		return err
	}
	controllerutil.RemoveFinalizer(task, Finalizer)
	if err := r.Client.Update(ctx, task); err != nil {
		return client.IgnoreNotFound(err)
	}
	r.Recorder.Eventf(task, nil, corev1.EventTypeNormal, "CardRemoved", "Finalize", "task %s deleted, card %s removed", task.Name, card.Name)
	return nil
}

// cases turns "created" into "Created", for event reasons.
func cases(op controllerutil.OperationResult) string {
	s := string(op)
	return string(s[0]-'a'+'A') + s[1:]
}
