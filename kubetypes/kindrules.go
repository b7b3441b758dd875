package kubetypes

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The rules of the API server's validation code (k8s.io/kubernetes
// pkg/apis/*/validation) that the package replicates, with its paths and
// words: those a hand-written manifest most often breaks and that hold
// whether or not the object was defaulted. Everything else that code
// checks (formats, ranges, enums, immutability, cross-field rules) is not
// replicated.

// workload is what the selector rules need of a Deployment, ReplicaSet,
// StatefulSet or DaemonSet.
type workload struct {
	noun         string
	selector     *metav1.LabelSelector
	template     *corev1.PodTemplateSpec
	templatePath *field.Path
}

func workloadOf(obj runtime.Object) (workload, bool) {
	tp := field.NewPath("spec", "template")
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return workload{"deployment", o.Spec.Selector, &o.Spec.Template, tp}, true
	case *appsv1.ReplicaSet:
		// The API server names a ReplicaSet's empty selector invalid
		// "for deployment" too.
		return workload{"deployment", o.Spec.Selector, &o.Spec.Template, tp}, true
	case *appsv1.StatefulSet:
		return workload{"statefulset", o.Spec.Selector, &o.Spec.Template, tp}, true
	case *appsv1.DaemonSet:
		return workload{"daemonset", o.Spec.Selector, &o.Spec.Template, tp}, true
	case *batchv1.Job:
		return workload{"job", o.Spec.Selector, &o.Spec.Template, tp}, true
	case *batchv1.CronJob:
		return workload{"job", o.Spec.JobTemplate.Spec.Selector, &o.Spec.JobTemplate.Spec.Template, field.NewPath("spec", "jobTemplate", "spec", "template")}, true
	}
	return workload{}, false
}

// kindRules returns the errors of the replicated rules for obj.
func kindRules(obj runtime.Object) field.ErrorList {
	var errs field.ErrorList
	for _, ps := range podSpecs(obj) {
		errs = append(errs, podRestartPolicy(ps.spec, ps.path)...)
	}
	if w, ok := workloadOf(obj); ok {
		switch w.noun {
		case "job":
			errs = append(errs, jobRestartPolicy(w)...)
		default:
			errs = append(errs, selectorRules(w)...)
		}
	}
	if svc, ok := obj.(*corev1.Service); ok {
		headless := svc.Spec.ClusterIP == corev1.ClusterIPNone || len(svc.Spec.ClusterIPs) > 0 && svc.Spec.ClusterIPs[0] == corev1.ClusterIPNone
		if len(svc.Spec.Ports) == 0 && !headless && svc.Spec.Type != corev1.ServiceTypeExternalName {
			errs = append(errs, field.Required(field.NewPath("spec", "ports"), ""))
		}
	}
	return errs
}

// selectorRules: an apps workload's selector is required (the schema
// says so), not empty, and matches its pod template's labels.
func selectorRules(w workload) field.ErrorList {
	var errs field.ErrorList
	selPath := field.NewPath("spec", "selector")
	if w.selector != nil && len(w.selector.MatchLabels)+len(w.selector.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(selPath, w.selector, "empty selector is invalid for "+w.noun))
	}
	sel, err := metav1.LabelSelectorAsSelector(w.selector)
	switch {
	case err != nil && w.noun == "daemonset":
		// The DaemonSet rule checks the labels only when the selector
		// parses, and says nothing more about it.
	case err != nil && w.noun == "statefulset":
		errs = append(errs, field.Invalid(selPath, w.selector, ""))
	case err != nil:
		errs = append(errs, field.Invalid(selPath, w.selector, "invalid label selector"))
	case w.noun == "daemonset" && !sel.Matches(labels.Set(w.template.Labels)),
		w.noun != "daemonset" && !sel.Empty() && !sel.Matches(labels.Set(w.template.Labels)):
		errs = append(errs, field.Invalid(w.templatePath.Child("metadata", "labels"), w.template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

// jobRestartPolicy: a Job's pods must not restart Always, which is also
// what an empty policy becomes once defaulted.
func jobRestartPolicy(w workload) field.ErrorList {
	p := w.templatePath.Child("spec", "restartPolicy")
	switch rp := w.template.Spec.RestartPolicy; rp {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
		return nil
	case corev1.RestartPolicyAlways, "":
		return field.ErrorList{field.Required(p, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever))}
	default:
		return field.ErrorList{field.NotSupported(p, rp, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever})}
	}
}

// podSpecAt is a pod spec of an object and its path.
type podSpecAt struct {
	spec *corev1.PodSpec
	path *field.Path
}

// podSpecs returns the pod specs of an object: a Pod's spec, a
// PodTemplate's or a ReplicationController's template, a workload's pod
// template.
func podSpecs(obj runtime.Object) []podSpecAt {
	switch o := obj.(type) {
	case *corev1.Pod:
		return []podSpecAt{{&o.Spec, field.NewPath("spec")}}
	case *corev1.PodTemplate:
		return []podSpecAt{{&o.Template.Spec, field.NewPath("template", "spec")}}
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			return []podSpecAt{{&o.Spec.Template.Spec, field.NewPath("spec", "template", "spec")}}
		}
		return nil
	}
	if w, ok := workloadOf(obj); ok {
		return []podSpecAt{{&w.template.Spec, w.templatePath.Child("spec")}}
	}
	return nil
}

// podRestartPolicy: a pod's restart policy is one of the three the API
// knows (empty becomes Always when defaulted).
func podRestartPolicy(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	switch spec.RestartPolicy {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
		return nil
	}
	return field.ErrorList{field.NotSupported(path.Child("restartPolicy"), spec.RestartPolicy,
		[]corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever})}
}
