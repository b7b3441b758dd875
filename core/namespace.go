package core

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/client"
)

// A Namespace's life follows the API server's namespace strategy and the
// namespace controller of kube-controller-manager, whose work the delete
// request does synchronously here:
//
//   - on create, spec.finalizers gains "kubernetes" and status.phase is
//     Active; every write labels it kubernetes.io/metadata.name=<name>;
//     updates keep spec.finalizers and status as they were (the API
//     server changes them only through its finalize and status
//     subresources);
//   - deleting it marks it (deletionTimestamp, phase Terminating) and
//     deletes its content; content that stays (finalizers) keeps it
//     Terminating, with the controller's status conditions counting what
//     remains; once no content is left, "kubernetes" leaves
//     spec.finalizers and the Namespace goes when no finalizer is left.

// mutateNamespace applies the namespace strategy's changes to a work
// object about to be written: on create (old nil) the "kubernetes"
// finalizer and the Active phase; on every write the name label.
// prepareUpdate keeps spec.finalizers (keepNamespaceFinalizers).
func mutateNamespace(w, old client.Object) {
	if old == nil {
		switch ns := w.(type) {
		case *corev1.Namespace:
			ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
			if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
				ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
			}
		case *unstructured.Unstructured:
			_ = unstructured.SetNestedField(ns.Object, map[string]any{"phase": string(corev1.NamespaceActive)}, "status")
			fins, _, _ := unstructured.NestedStringSlice(ns.Object, "spec", "finalizers")
			if !slices.Contains(fins, string(corev1.FinalizerKubernetes)) {
				_ = unstructured.SetNestedStringSlice(ns.Object, append(fins, string(corev1.FinalizerKubernetes)), "spec", "finalizers")
			}
		}
	}
	labels := w.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[corev1.LabelMetadataName] = w.GetName()
	w.SetLabels(labels)
}

// keepNamespaceFinalizers carries spec.finalizers of old over to the
// updated work object w: the API server changes them only through the
// finalize subresource.
func keepNamespaceFinalizers(w, old client.Object) {
	switch ns := w.(type) {
	case *corev1.Namespace:
		if o, ok := old.(*corev1.Namespace); ok {
			ns.Spec.Finalizers = slices.Clone(o.Spec.Finalizers)
		}
	case *unstructured.Unstructured:
		if o, ok := old.(*unstructured.Unstructured); ok {
			copyField(ns.Object, o.Object, "spec", "finalizers")
		}
	}
}

// copyField sets dst's field at path to a copy of src's, or removes it
// when src has none.
func copyField(dst, src map[string]any, path ...string) {
	if v, ok, _ := unstructured.NestedFieldCopy(src, path...); ok {
		_ = unstructured.SetNestedField(dst, v, path...)
		return
	}
	unstructured.RemoveNestedField(dst, path...)
}

// terminateNamespace finishes what deleting the namespace item it does
// once its content was deleted, remaining being the content that stays
// (objects waiting on their finalizers); fins are the namespace's own
// metadata finalizers. It reports whether the namespace is removed.
func (pl *plan) terminateNamespace(it *planItem, fins []string, remaining []*planItem) bool {
	u := it.edit()
	specFins, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "finalizers")
	if len(remaining) == 0 && slices.Contains(specFins, string(corev1.FinalizerKubernetes)) {
		// The namespace controller's finalize: nothing of its content is left.
		specFins = slices.DeleteFunc(specFins, func(f string) bool { return f == string(corev1.FinalizerKubernetes) })
		if len(specFins) == 0 {
			unstructured.RemoveNestedField(u.Object, "spec", "finalizers")
		} else {
			_ = unstructured.SetNestedStringSlice(u.Object, specFins, "spec", "finalizers")
		}
		it.changed = true
	}
	if len(remaining) == 0 && len(specFins) == 0 && len(fins) == 0 {
		return true
	}
	if u.GetDeletionTimestamp() == nil {
		// Unlike other objects, a Namespace gets no deletion grace period.
		ts := pl.now
		u.SetDeletionTimestamp(&ts)
	}
	if len(fins) > 0 {
		u.SetFinalizers(fins)
	}
	_ = unstructured.SetNestedField(u.Object, string(corev1.NamespaceTerminating), "status", "phase")
	setNamespaceConditions(u, remaining, pl.now)
	it.changed = true
	return false
}

// The namespace controller's conditions and their texts when all is well
// (pkg/controller/namespace/deletion/status_condition_utils.go).
var namespaceConditions = []struct {
	typ             corev1.NamespaceConditionType
	reason, message string
}{
	{corev1.NamespaceDeletionDiscoveryFailure, "ResourcesDiscovered", "All resources successfully discovered"},
	{corev1.NamespaceDeletionGVParsingFailure, "ParsedGroupVersions", "All legacy kube types successfully parsed"},
	{corev1.NamespaceDeletionContentFailure, "ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	{corev1.NamespaceContentRemaining, "ContentRemoved", "All content successfully removed"},
	{corev1.NamespaceFinalizersRemaining, "ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// setNamespaceConditions sets the namespace controller's conditions on a
// terminating Namespace from the content that remains, keeping each
// condition's lastTransitionTime while its status does not change.
func setNamespaceConditions(u *unstructured.Unstructured, remaining []*planItem, now metav1.Time) {
	byResource, byFinalizer := map[string]int{}, map[string]int{}
	for _, r := range remaining {
		gr := r.t.GroupResource()
		byResource[gr.Resource+"."+gr.Group]++
		for _, f := range r.meta().GetFinalizers() {
			byFinalizer[f]++
		}
	}
	counted := func(m map[string]int, format string) string {
		parts := make([]string, 0, len(m))
		for k, n := range m {
			parts = append(parts, fmt.Sprintf(format, k, n))
		}
		sort.Strings(parts)
		return strings.Join(parts, ", ")
	}
	old, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	oldByType := map[string]map[string]any{}
	for _, c := range old {
		if m, ok := c.(map[string]any); ok {
			if t, _ := m["type"].(string); t != "" {
				oldByType[t] = m
			}
		}
	}
	conds := make([]any, 0, len(namespaceConditions))
	for _, nc := range namespaceConditions {
		status, reason, message := string(corev1.ConditionFalse), nc.reason, nc.message
		switch {
		case nc.typ == corev1.NamespaceContentRemaining && len(byResource) > 0:
			status, reason = string(corev1.ConditionTrue), "SomeResourcesRemain"
			message = "Some resources are remaining: " + counted(byResource, "%s has %d resource instances")
		case nc.typ == corev1.NamespaceFinalizersRemaining && len(byFinalizer) > 0:
			status, reason = string(corev1.ConditionTrue), "SomeFinalizersRemain"
			message = "Some content in the namespace has finalizers remaining: " + counted(byFinalizer, "%s in %d resource instances")
		}
		ts := now.UTC().Format("2006-01-02T15:04:05Z")
		if o := oldByType[string(nc.typ)]; o != nil && o["status"] == status {
			if t, ok := o["lastTransitionTime"].(string); ok {
				ts = t
			}
		}
		conds = append(conds, map[string]any{
			"type": string(nc.typ), "status": status, "reason": reason, "message": message, "lastTransitionTime": ts,
		})
	}
	_ = unstructured.SetNestedSlice(u.Object, conds, "status", "conditions")
}
