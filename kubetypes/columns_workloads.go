package kubetypes

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/k1s-dev/k1s/registry"
)

func workloadColumns(m map[schema.GroupVersionKind]func() []registry.PrintColumn) {
	apps := appsv1.SchemeGroupVersion
	m[apps.WithKind("Deployment")] = deploymentColumns
	m[apps.WithKind("ReplicaSet")] = replicaSetColumns
	m[apps.WithKind("StatefulSet")] = statefulSetColumns
	m[apps.WithKind("DaemonSet")] = daemonSetColumns
	m[apps.WithKind("ControllerRevision")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("CONTROLLER", "string", cell("controllerrevision.controller", func(o *appsv1.ControllerRevision) any {
				ref := metav1.GetControllerOf(o)
				if ref == nil {
					return "<none>"
				}
				gv, err := schema.ParseGroupVersion(ref.APIVersion)
				if err != nil {
					return nil
				}
				return strings.ToLower(gv.WithKind(ref.Kind).GroupKind().String()) + "/" + ref.Name
			}), "Controller of the object"),
			column("REVISION", "integer", cell("controllerrevision.revision", func(o *appsv1.ControllerRevision) any {
				return o.Revision
			}), appsv1.ControllerRevision{}.SwaggerDoc()["revision"]),
			ageCol,
		}
	}
	batch := batchv1.SchemeGroupVersion
	m[batch.WithKind("Job")] = jobColumns
	m[batch.WithKind("CronJob")] = cronJobColumns
	m[autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler")] = hpaColumns
	m[policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget")] = func() []registry.PrintColumn {
		intOrNA := func(name string, get func(*policyv1.PodDisruptionBudget) fmt.Stringer) string {
			return cell(name, func(o *policyv1.PodDisruptionBudget) any {
				if s := get(o); s != nil {
					return s.String()
				}
				return "N/A"
			})
		}
		return []registry.PrintColumn{
			nameCol,
			column("MIN AVAILABLE", "string", intOrNA("poddisruptionbudget.minavailable", func(o *policyv1.PodDisruptionBudget) fmt.Stringer {
				if o.Spec.MinAvailable == nil {
					return nil
				}
				return o.Spec.MinAvailable
			}), "The minimum number of pods that must be available."),
			column("MAX UNAVAILABLE", "string", intOrNA("poddisruptionbudget.maxunavailable", func(o *policyv1.PodDisruptionBudget) fmt.Stringer {
				if o.Spec.MaxUnavailable == nil {
					return nil
				}
				return o.Spec.MaxUnavailable
			}), "The maximum number of pods that may be unavailable."),
			column("ALLOWED DISRUPTIONS", "integer", cell("poddisruptionbudget.alloweddisruptions", func(o *policyv1.PodDisruptionBudget) any {
				return int64(o.Status.DisruptionsAllowed)
			}), "Calculated number of pods that may be disrupted at this time."),
			ageCol,
		}
	}
}

// templateColumns are the CONTAINERS and IMAGES columns of -o wide for
// a kind whose pod template the function returns.
func templateColumns[T any](kind string, spec func(*T) *corev1.PodSpec) []registry.PrintColumn {
	return []registry.PrintColumn{
		wide(column("CONTAINERS", "string", cell(kind+".containers", func(o *T) any {
			return containerNames(spec(o).Containers)
		}), "Names of each container in the template.")),
		wide(column("IMAGES", "string", cell(kind+".images", func(o *T) any {
			return containerImages(spec(o).Containers)
		}), "Images referenced by each container in the template.")),
	}
}

// selectorColumn is the SELECTOR column of -o wide for a label selector.
func selectorColumn[T any](kind, description string, sel func(*T) *metav1.LabelSelector) registry.PrintColumn {
	return wide(column("SELECTOR", "string", cell(kind+".selector", func(o *T) any {
		return metav1.FormatLabelSelector(sel(o))
	}), description))
}

func deploymentColumns() []registry.PrintColumn {
	status := appsv1.DeploymentStatus{}.SwaggerDoc()
	cols := []registry.PrintColumn{
		nameCol,
		column("READY", "string", cell("deployment.ready", func(o *appsv1.Deployment) any {
			return fraction(o.Status.ReadyReplicas, deref(o.Spec.Replicas, 0))
		}), "Number of the pod with ready state"),
		column("UP-TO-DATE", "integer", cell("deployment.uptodate", func(o *appsv1.Deployment) any {
			return int64(o.Status.UpdatedReplicas)
		}), status["updatedReplicas"]),
		column("AVAILABLE", "integer", cell("deployment.available", func(o *appsv1.Deployment) any {
			return int64(o.Status.AvailableReplicas)
		}), status["availableReplicas"]),
		ageCol,
	}
	cols = append(cols, templateColumns("deployment", func(o *appsv1.Deployment) *corev1.PodSpec { return &o.Spec.Template.Spec })...)
	// The deployment printer parses the selector, so a bad one shows
	// "<invalid>" rather than its text.
	return append(cols, wide(column("SELECTOR", "string", cell("deployment.selector", func(o *appsv1.Deployment) any {
		sel, err := metav1.LabelSelectorAsSelector(o.Spec.Selector)
		if err != nil {
			return "<invalid>"
		}
		return sel.String()
	}), appsv1.DeploymentSpec{}.SwaggerDoc()["selector"])))
}

func replicaSetColumns() []registry.PrintColumn {
	spec, status := appsv1.ReplicaSetSpec{}.SwaggerDoc(), appsv1.ReplicaSetStatus{}.SwaggerDoc()
	cols := []registry.PrintColumn{
		nameCol,
		column("DESIRED", "integer", cell("replicaset.desired", func(o *appsv1.ReplicaSet) any {
			return int64(deref(o.Spec.Replicas, 0))
		}), spec["replicas"]),
		column("CURRENT", "integer", cell("replicaset.current", func(o *appsv1.ReplicaSet) any {
			return int64(o.Status.Replicas)
		}), status["replicas"]),
		column("READY", "integer", cell("replicaset.ready", func(o *appsv1.ReplicaSet) any {
			return int64(o.Status.ReadyReplicas)
		}), status["readyReplicas"]),
		ageCol,
	}
	cols = append(cols, templateColumns("replicaset", func(o *appsv1.ReplicaSet) *corev1.PodSpec { return &o.Spec.Template.Spec })...)
	return append(cols, selectorColumn("replicaset", spec["selector"], func(o *appsv1.ReplicaSet) *metav1.LabelSelector { return o.Spec.Selector }))
}

func statefulSetColumns() []registry.PrintColumn {
	cols := []registry.PrintColumn{
		nameCol,
		column("READY", "string", cell("statefulset.ready", func(o *appsv1.StatefulSet) any {
			return fraction(o.Status.ReadyReplicas, deref(o.Spec.Replicas, 0))
		}), "Number of the pod with ready state"),
		ageCol,
	}
	return append(cols, templateColumns("statefulset", func(o *appsv1.StatefulSet) *corev1.PodSpec { return &o.Spec.Template.Spec })...)
}

func daemonSetColumns() []registry.PrintColumn {
	status := appsv1.DaemonSetStatus{}.SwaggerDoc()
	count := func(name, header, doc string, get func(*appsv1.DaemonSet) int32) registry.PrintColumn {
		return column(header, "integer", cell("daemonset."+name, func(o *appsv1.DaemonSet) any { return int64(get(o)) }), status[doc])
	}
	cols := []registry.PrintColumn{
		nameCol,
		count("desired", "DESIRED", "desiredNumberScheduled", func(o *appsv1.DaemonSet) int32 { return o.Status.DesiredNumberScheduled }),
		count("current", "CURRENT", "currentNumberScheduled", func(o *appsv1.DaemonSet) int32 { return o.Status.CurrentNumberScheduled }),
		count("ready", "READY", "numberReady", func(o *appsv1.DaemonSet) int32 { return o.Status.NumberReady }),
		count("uptodate", "UP-TO-DATE", "updatedNumberScheduled", func(o *appsv1.DaemonSet) int32 { return o.Status.UpdatedNumberScheduled }),
		count("available", "AVAILABLE", "numberAvailable", func(o *appsv1.DaemonSet) int32 { return o.Status.NumberAvailable }),
		column("NODE SELECTOR", "string", cell("daemonset.nodeselector", func(o *appsv1.DaemonSet) any {
			return labels.FormatLabels(o.Spec.Template.Spec.NodeSelector)
		}), corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]),
		ageCol,
	}
	cols = append(cols, templateColumns("daemonset", func(o *appsv1.DaemonSet) *corev1.PodSpec { return &o.Spec.Template.Spec })...)
	return append(cols, selectorColumn("daemonset", appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"], func(o *appsv1.DaemonSet) *metav1.LabelSelector { return o.Spec.Selector }))
}

// jobCondition reports whether the job's first condition of type t is
// True.
func jobCondition(o *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range o.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func jobColumns() []registry.PrintColumn {
	cols := []registry.PrintColumn{
		nameCol,
		column("STATUS", "string", cell("job.status", func(o *batchv1.Job) any {
			switch {
			case jobCondition(o, batchv1.JobComplete):
				return "Complete"
			case jobCondition(o, batchv1.JobFailed):
				return "Failed"
			case o.DeletionTimestamp != nil:
				return "Terminating"
			case jobCondition(o, batchv1.JobSuspended):
				return "Suspended"
			case jobCondition(o, batchv1.JobFailureTarget):
				return "FailureTarget"
			case jobCondition(o, batchv1.JobSuccessCriteriaMet):
				return "SuccessCriteriaMet"
			}
			return "Running"
		}), "Status of the job."),
		column("COMPLETIONS", "string", cell("job.completions", func(o *batchv1.Job) any {
			if o.Spec.Completions != nil {
				return fraction(o.Status.Succeeded, *o.Spec.Completions)
			}
			if p := deref(o.Spec.Parallelism, 0); p > 1 {
				return fmt.Sprintf("%d/1 of %d", o.Status.Succeeded, p)
			}
			return fmt.Sprintf("%d/1", o.Status.Succeeded)
		}), batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
		column("DURATION", "string", cell("job.duration", func(o *batchv1.Job) any {
			switch {
			case o.Status.StartTime == nil:
				return ""
			case o.Status.CompletionTime == nil:
				return duration.HumanDuration(time.Since(o.Status.StartTime.Time))
			}
			return duration.HumanDuration(o.Status.CompletionTime.Sub(o.Status.StartTime.Time))
		}), "Time required to complete the job."),
		ageCol,
	}
	cols = append(cols, templateColumns("job", func(o *batchv1.Job) *corev1.PodSpec { return &o.Spec.Template.Spec })...)
	return append(cols, selectorColumn("job", batchv1.JobSpec{}.SwaggerDoc()["selector"], func(o *batchv1.Job) *metav1.LabelSelector { return o.Spec.Selector }))
}

func cronJobColumns() []registry.PrintColumn {
	spec, status := batchv1.CronJobSpec{}.SwaggerDoc(), batchv1.CronJobStatus{}.SwaggerDoc()
	cols := []registry.PrintColumn{
		nameCol,
		column("SCHEDULE", "string", ".spec.schedule", spec["schedule"]),
		column("TIMEZONE", "string", cell("cronjob.timezone", func(o *batchv1.CronJob) any {
			return deref(o.Spec.TimeZone, "<none>")
		}), spec["timeZone"]),
		column("SUSPEND", "string", cell("cronjob.suspend", func(o *batchv1.CronJob) any {
			return boolPtr(o.Spec.Suspend)
		}), spec["suspend"]),
		column("ACTIVE", "integer", cell("cronjob.active", func(o *batchv1.CronJob) any {
			return int64(len(o.Status.Active))
		}), status["active"]),
		column("LAST SCHEDULE", "string", cell("cronjob.lastschedule", func(o *batchv1.CronJob) any {
			if o.Status.LastScheduleTime == nil {
				return "<none>"
			}
			return since(*o.Status.LastScheduleTime)
		}), status["lastScheduleTime"]),
		ageCol,
	}
	cols = append(cols, templateColumns("cronjob", func(o *batchv1.CronJob) *corev1.PodSpec { return &o.Spec.JobTemplate.Spec.Template.Spec })...)
	return append(cols, selectorColumn("cronjob", batchv1.JobSpec{}.SwaggerDoc()["selector"], func(o *batchv1.CronJob) *metav1.LabelSelector { return o.Spec.JobTemplate.Spec.Selector }))
}

func hpaColumns() []registry.PrintColumn {
	spec := autoscalingv2.HorizontalPodAutoscalerSpec{}.SwaggerDoc()
	return []registry.PrintColumn{
		nameCol,
		column("REFERENCE", "string", cell("horizontalpodautoscaler.reference", func(o *autoscalingv2.HorizontalPodAutoscaler) any {
			return o.Spec.ScaleTargetRef.Kind + "/" + o.Spec.ScaleTargetRef.Name
		}), spec["scaleTargetRef"]),
		column("TARGETS", "string", cell("horizontalpodautoscaler.targets", func(o *autoscalingv2.HorizontalPodAutoscaler) any {
			return hpaMetrics(o.Spec.Metrics, o.Status.CurrentMetrics)
		}), spec["metrics"]),
		column("MINPODS", "string", cell("horizontalpodautoscaler.minpods", func(o *autoscalingv2.HorizontalPodAutoscaler) any {
			if o.Spec.MinReplicas == nil {
				return "<unset>"
			}
			return fmt.Sprint(*o.Spec.MinReplicas)
		}), spec["minReplicas"]),
		column("MAXPODS", "integer", cell("horizontalpodautoscaler.maxpods", func(o *autoscalingv2.HorizontalPodAutoscaler) any {
			return int64(o.Spec.MaxReplicas)
		}), spec["maxReplicas"]),
		column("REPLICAS", "integer", cell("horizontalpodautoscaler.replicas", func(o *autoscalingv2.HorizontalPodAutoscaler) any {
			return int64(o.Status.CurrentReplicas)
		}), autoscalingv2.HorizontalPodAutoscalerStatus{}.SwaggerDoc()["currentReplicas"]),
		ageCol,
	}
}

// hpaMetrics is the TARGETS cell: "current/target" per metric, at most
// two, with "(avg)" for average values of object and external metrics.
func hpaMetrics(specs []autoscalingv2.MetricSpec, statuses []autoscalingv2.MetricStatus) string {
	if len(specs) == 0 {
		return "<none>"
	}
	status := func(i int) *autoscalingv2.MetricStatus {
		if i < len(statuses) {
			return &statuses[i]
		}
		return nil
	}
	var list []string
	for i, s := range specs {
		st := status(i)
		current := "<unknown>"
		switch s.Type {
		case autoscalingv2.ExternalMetricSourceType:
			if s.External.Target.AverageValue != nil {
				if st != nil && st.External != nil && st.External.Current.AverageValue != nil {
					current = st.External.Current.AverageValue.String()
				}
				list = append(list, fmt.Sprintf("%s/%s (avg)", current, s.External.Target.AverageValue.String()))
			} else {
				if st != nil && st.External != nil {
					current = st.External.Current.Value.String()
				}
				list = append(list, fmt.Sprintf("%s/%s", current, s.External.Target.Value.String()))
			}
		case autoscalingv2.PodsMetricSourceType:
			if st != nil && st.Pods != nil {
				current = st.Pods.Current.AverageValue.String()
			}
			list = append(list, fmt.Sprintf("%s/%s", current, s.Pods.Target.AverageValue.String()))
		case autoscalingv2.ObjectMetricSourceType:
			if s.Object.Target.AverageValue != nil {
				if st != nil && st.Object != nil && st.Object.Current.AverageValue != nil {
					current = st.Object.Current.AverageValue.String()
				}
				list = append(list, fmt.Sprintf("%s/%s (avg)", current, s.Object.Target.AverageValue.String()))
			} else {
				if st != nil && st.Object != nil {
					current = st.Object.Current.Value.String()
				}
				list = append(list, fmt.Sprintf("%s/%s", current, s.Object.Target.Value.String()))
			}
		case autoscalingv2.ResourceMetricSourceType:
			var cur *autoscalingv2.MetricValueStatus
			if st != nil && st.Resource != nil {
				cur = &st.Resource.Current
			}
			list = append(list, resourceMetric(s.Resource.Name.String(), s.Resource.Target, cur))
		case autoscalingv2.ContainerResourceMetricSourceType:
			var cur *autoscalingv2.MetricValueStatus
			if st != nil && st.ContainerResource != nil {
				cur = &st.ContainerResource.Current
			}
			list = append(list, resourceMetric(s.ContainerResource.Name.String(), s.ContainerResource.Target, cur))
		default:
			list = append(list, "<unknown type>")
		}
	}
	const max = 2
	if len(list) > max {
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:max], ", "), len(list)-max)
	}
	return strings.Join(list, ", ")
}

func resourceMetric(name string, target autoscalingv2.MetricTarget, cur *autoscalingv2.MetricValueStatus) string {
	current := "<unknown>"
	if target.AverageValue != nil {
		if cur != nil {
			current = cur.AverageValue.String()
		}
		return fmt.Sprintf("%s: %s/%s", name, current, target.AverageValue.String())
	}
	if cur != nil && cur.AverageUtilization != nil {
		current = fmt.Sprintf("%d%%", *cur.AverageUtilization)
	}
	t := "<auto>"
	if target.AverageUtilization != nil {
		t = fmt.Sprintf("%d%%", *target.AverageUtilization)
	}
	return fmt.Sprintf("%s: %s/%s", name, current, t)
}
