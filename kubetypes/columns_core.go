package kubetypes

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

func coreColumns(m map[schema.GroupVersionKind]func() []registry.PrintColumn) {
	v1 := corev1.SchemeGroupVersion
	m[v1.WithKind("Pod")] = podColumns
	m[v1.WithKind("PodTemplate")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("CONTAINERS", "string", cell("podtemplate.containers", func(o *corev1.PodTemplate) any {
				return containerNames(o.Template.Spec.Containers)
			}), "Names of each container in the template."),
			column("IMAGES", "string", cell("podtemplate.images", func(o *corev1.PodTemplate) any {
				return containerImages(o.Template.Spec.Containers)
			}), "Images referenced by each container in the template."),
			column("POD LABELS", "string", cell("podtemplate.labels", func(o *corev1.PodTemplate) any {
				return labels.FormatLabels(o.Template.Labels)
			}), "The labels for the pod template."),
		}
	}
	m[v1.WithKind("ReplicationController")] = func() []registry.PrintColumn {
		spec, status := corev1.ReplicationControllerSpec{}.SwaggerDoc(), corev1.ReplicationControllerStatus{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("DESIRED", "integer", cell("replicationcontroller.desired", func(o *corev1.ReplicationController) any {
				return int64(deref(o.Spec.Replicas, 0))
			}), spec["replicas"]),
			column("CURRENT", "integer", cell("replicationcontroller.current", func(o *corev1.ReplicationController) any {
				return int64(o.Status.Replicas)
			}), status["replicas"]),
			column("READY", "integer", cell("replicationcontroller.ready", func(o *corev1.ReplicationController) any {
				return int64(o.Status.ReadyReplicas)
			}), status["readyReplicas"]),
			ageCol,
			wide(column("CONTAINERS", "string", cell("replicationcontroller.containers", func(o *corev1.ReplicationController) any {
				if o.Spec.Template == nil {
					return ""
				}
				return containerNames(o.Spec.Template.Spec.Containers)
			}), "Names of each container in the template.")),
			wide(column("IMAGES", "string", cell("replicationcontroller.images", func(o *corev1.ReplicationController) any {
				if o.Spec.Template == nil {
					return ""
				}
				return containerImages(o.Spec.Template.Spec.Containers)
			}), "Images referenced by each container in the template.")),
			wide(column("SELECTOR", "string", cell("replicationcontroller.selector", func(o *corev1.ReplicationController) any {
				return labels.FormatLabels(o.Spec.Selector)
			}), spec["selector"])),
		}
	}
	m[v1.WithKind("Service")] = func() []registry.PrintColumn {
		spec := corev1.ServiceSpec{}.SwaggerDoc()
		return []registry.PrintColumn{
			nameCol,
			column("TYPE", "string", cell("service.type", func(o *corev1.Service) any { return string(o.Spec.Type) }), spec["type"]),
			column("CLUSTER-IP", "string", cell("service.clusterip", func(o *corev1.Service) any {
				if len(o.Spec.ClusterIPs) > 0 {
					return o.Spec.ClusterIPs[0]
				}
				return orDefault(o.Spec.ClusterIP, "<none>")
			}), spec["clusterIP"]),
			column("EXTERNAL-IP", "string", cell("service.externalip", serviceExternalIP), spec["externalIPs"]),
			column("PORT(S)", "string", cell("service.ports", func(o *corev1.Service) any {
				return orDefault(servicePorts(o.Spec.Ports), "<none>")
			}), spec["ports"]),
			ageCol,
			wide(column("SELECTOR", "string", cell("service.selector", func(o *corev1.Service) any {
				return labels.FormatLabels(o.Spec.Selector)
			}), spec["selector"])),
		}
	}
	m[v1.WithKind("Endpoints")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("ENDPOINTS", "string", cell("endpoints.endpoints", formatEndpoints), corev1.Endpoints{}.SwaggerDoc()["subsets"]), //nolint:staticcheck // deprecated, still served
			ageCol,
		}
	}
	m[v1.WithKind("Node")] = nodeColumns
	m[v1.WithKind("PersistentVolume")] = pvColumns
	m[v1.WithKind("PersistentVolumeClaim")] = pvcColumns
	m[v1.WithKind("ResourceQuota")] = func() []registry.PrintColumn {
		return []registry.PrintColumn{
			nameCol,
			column("REQUEST", "string", cell("resourcequota.request", func(o *corev1.ResourceQuota) any {
				r, _ := quotaColumns(o)
				return r
			}), "Request represents a minimum amount of cpu/memory that a container may consume."),
			column("LIMIT", "string", cell("resourcequota.limit", func(o *corev1.ResourceQuota) any {
				_, l := quotaColumns(o)
				return l
			}), "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
			ageCol,
		}
	}
}

func podColumns() []registry.PrintColumn {
	status, spec := corev1.PodStatus{}.SwaggerDoc(), corev1.PodSpec{}.SwaggerDoc()
	return []registry.PrintColumn{
		nameCol,
		column("READY", "string", cell("pod.ready", func(o *corev1.Pod) any {
			s := summarizePod(o)
			return fraction(int32(s.ready), int32(s.total))
		}), "The aggregate readiness state of this pod for accepting traffic."),
		column("STATUS", "string", cell("pod.status", func(o *corev1.Pod) any {
			return summarizePod(o).reason
		}), "The aggregate status of the containers in this pod."),
		column("RESTARTS", "string", cell("pod.restarts", func(o *corev1.Pod) any {
			s := summarizePod(o)
			if s.restarts != 0 && !s.lastRestart.IsZero() {
				return fmt.Sprintf("%d (%s ago)", s.restarts, since(s.lastRestart))
			}
			return strconv.Itoa(s.restarts)
		}), "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageCol,
		wide(column("IP", "string", cell("pod.ip", func(o *corev1.Pod) any {
			if len(o.Status.PodIPs) > 0 {
				return orDefault(o.Status.PodIPs[0].IP, "<none>")
			}
			return orDefault(o.Status.PodIP, "<none>")
		}), status["podIP"])),
		wide(column("NODE", "string", cell("pod.node", func(o *corev1.Pod) any {
			return orDefault(o.Spec.NodeName, "<none>")
		}), spec["nodeName"])),
		wide(column("NOMINATED NODE", "string", cell("pod.nominatednode", func(o *corev1.Pod) any {
			return orDefault(o.Status.NominatedNodeName, "<none>")
		}), status["nominatedNodeName"])),
		wide(column("READINESS GATES", "string", cell("pod.readinessgates", podReadinessGates), spec["readinessGates"])),
	}
}

type podSummary struct {
	ready, total, restarts int
	lastRestart            metav1.Time
	reason                 string
}

func restartableInit(c *corev1.Container) bool {
	return c != nil && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// summarizePod computes READY, STATUS and RESTARTS as the API server's
// pod printer does: init containers first (a failing or waiting one
// names the status), then the containers, last to first.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), reason: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}
	initializing, sidecarRestarts, sidecarLastRestart := s.initContainers(pod)
	if !initializing || podCondition(pod, corev1.PodInitialized) {
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLastRestart
		s.containers(pod)
	}
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == "NodeLost":
		s.reason = "Unknown"
	case pod.DeletionTimestamp != nil && !terminal:
		s.reason = "Terminating"
	}
	return s
}

// laterRestart moves t to st's last termination when that is later.
func laterRestart(t *metav1.Time, st corev1.ContainerStatus) {
	if term := st.LastTerminationState.Terminated; term != nil && t.Before(&term.FinishedAt) {
		*t = term.FinishedAt
	}
}

// initContainers counts the init containers' restarts and ready sidecars
// into s and, at the first one not done, sets the "Init:" status;
// initializing says there is one. The sidecars' own restarts are returned
// apart: they are all that count once the pod is initialized.
func (s *podSummary) initContainers(pod *corev1.Pod) (initializing bool, sidecarRestarts int, sidecarLastRestart metav1.Time) {
	inits := map[string]*corev1.Container{}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		inits[c.Name] = c
		if restartableInit(c) {
			s.total++
		}
	}
	for i, st := range pod.Status.InitContainerStatuses {
		s.restarts += int(st.RestartCount)
		laterRestart(&s.lastRestart, st)
		sidecar := restartableInit(inits[st.Name])
		if sidecar {
			sidecarRestarts += int(st.RestartCount)
			laterRestart(&sidecarLastRestart, st)
		}
		if term := st.State.Terminated; term != nil && term.ExitCode == 0 {
			continue
		}
		if sidecar && st.Started != nil && *st.Started {
			if st.Ready {
				s.ready++
			}
			continue
		}
		s.reason = initReason(st, i, len(pod.Spec.InitContainers))
		return true, sidecarRestarts, sidecarLastRestart
	}
	return false, sidecarRestarts, sidecarLastRestart
}

// initReason is the status an init container that is not done gives its
// pod: it is the i-th of n.
func initReason(st corev1.ContainerStatus, i, n int) string {
	term := st.State.Terminated
	switch {
	case term != nil && term.Reason != "":
		return "Init:" + term.Reason
	case term != nil && term.Signal != 0:
		return fmt.Sprintf("Init:Signal:%d", term.Signal)
	case term != nil:
		return fmt.Sprintf("Init:ExitCode:%d", term.ExitCode)
	case st.State.Waiting != nil && st.State.Waiting.Reason != "" && st.State.Waiting.Reason != "PodInitializing":
		return "Init:" + st.State.Waiting.Reason
	}
	return fmt.Sprintf("Init:%d/%d", i, n)
}

// containers counts the containers' restarts and ready ones into s and
// sets the status from them, last to first, as the pod printer does.
func (s *podSummary) containers(pod *corev1.Pod) {
	running, errReason := false, ""
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		st := pod.Status.ContainerStatuses[i]
		s.restarts += int(st.RestartCount)
		laterRestart(&s.lastRestart, st)
		switch term := st.State.Terminated; {
		case st.State.Waiting != nil && st.State.Waiting.Reason != "":
			s.reason = st.State.Waiting.Reason
		case term != nil:
			s.reason = terminatedReason(term)
			if term.ExitCode != 0 {
				errReason = s.reason
			}
		case st.Ready && st.State.Running != nil:
			running = true
			s.ready++
		}
	}
	if s.reason == "Completed" {
		switch {
		case running && podCondition(pod, corev1.PodReady):
			s.reason = "Running"
		case errReason != "":
			s.reason = errReason
		case running:
			s.reason = "NotReady"
		}
	}
}

// terminatedReason is the status a terminated container gives its pod.
func terminatedReason(term *corev1.ContainerStateTerminated) string {
	switch {
	case term.Reason != "":
		return term.Reason
	case term.Signal != 0:
		return fmt.Sprintf("Signal:%d", term.Signal)
	}
	return fmt.Sprintf("ExitCode:%d", term.ExitCode)
}

// podCondition reports whether the pod's condition of type t is True.
// Only the first condition of a type counts.
func podCondition(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podReadinessGates(o *corev1.Pod) any {
	if len(o.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	met := 0
	for _, g := range o.Spec.ReadinessGates {
		for _, c := range o.Status.Conditions {
			if c.Type == g.ConditionType {
				if c.Status == corev1.ConditionTrue {
					met++
				}
				break
			}
		}
	}
	return fraction(int32(met), int32(len(o.Spec.ReadinessGates)))
}

func containerNames(cs []corev1.Container) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return strings.Join(names, ",")
}

func containerImages(cs []corev1.Container) string {
	images := make([]string, len(cs))
	for i, c := range cs {
		images[i] = c.Image
	}
	return strings.Join(images, ",")
}

// loadBalancerIngress lists the distinct addresses of a load balancer,
// sorted. The API server's printers clip the list to 16 characters
// unless asked for wide output, but its table convertor always asks for
// wide output (kubectl only hides the wide columns), so tables never show
// the clipped form.
func loadBalancerIngress(ips, hostnames []string) string {
	seen := map[string]bool{}
	for i := range ips {
		switch {
		case ips[i] != "":
			seen[ips[i]] = true
		case hostnames[i] != "":
			seen[hostnames[i]] = true
		}
	}
	list := make([]string, 0, len(seen))
	for a := range seen {
		list = append(list, a)
	}
	sort.Strings(list)
	return strings.Join(list, ",")
}

func serviceLoadBalancer(s corev1.LoadBalancerStatus) string {
	ips, hosts := make([]string, len(s.Ingress)), make([]string, len(s.Ingress))
	for i, in := range s.Ingress {
		ips[i], hosts[i] = in.IP, in.Hostname
	}
	return loadBalancerIngress(ips, hosts)
}

func serviceExternalIP(o *corev1.Service) any {
	switch o.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(o.Spec.ExternalIPs) > 0 {
			return strings.Join(o.Spec.ExternalIPs, ",")
		}
		return "<none>"
	case corev1.ServiceTypeLoadBalancer:
		lb := serviceLoadBalancer(o.Status.LoadBalancer)
		if len(o.Spec.ExternalIPs) > 0 {
			var all []string
			if lb != "" {
				all = strings.Split(lb, ",")
			}
			return strings.Join(append(all, o.Spec.ExternalIPs...), ",")
		}
		if lb != "" {
			return lb
		}
		return "<pending>"
	case corev1.ServiceTypeExternalName:
		return o.Spec.ExternalName
	}
	return "<unknown>"
}

func servicePorts(ports []corev1.ServicePort) string {
	pieces := make([]string, len(ports))
	for i, p := range ports {
		if p.NodePort > 0 {
			pieces[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		} else {
			pieces[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		}
	}
	return strings.Join(pieces, ",")
}

// formatEndpoints lists at most three addresses (with their ports when
// the subset has any) and how many more there are.
func formatEndpoints(o *corev1.Endpoints) any { //nolint:staticcheck // deprecated, still served
	if len(o.Subsets) == 0 {
		return "<none>"
	}
	const max = 3
	var list []string
	count, more := 0, false
	add := func(s string) {
		if len(list) == max {
			more = true
			return
		}
		list = append(list, s)
	}
	for _, ss := range o.Subsets {
		if len(ss.Ports) == 0 {
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, p := range ss.Ports {
			count += len(ss.Addresses)
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	r := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", r, count-max)
	}
	return r
}

func nodeColumns() []registry.PrintColumn {
	info, status := corev1.NodeSystemInfo{}.SwaggerDoc(), corev1.NodeStatus{}.SwaggerDoc()
	orUnknown := func(s string) string { return orDefault(s, "<unknown>") }
	return []registry.PrintColumn{
		nameCol,
		column("STATUS", "string", cell("node.status", func(o *corev1.Node) any {
			var st []string
			for _, c := range o.Status.Conditions {
				if c.Type != corev1.NodeReady {
					continue
				}
				// The last Ready condition is the one that counts.
				st = st[:0]
				if c.Status == corev1.ConditionTrue {
					st = append(st, string(c.Type))
				} else {
					st = append(st, "Not"+string(c.Type))
				}
			}
			if len(st) == 0 {
				st = append(st, "Unknown")
			}
			if o.Spec.Unschedulable {
				st = append(st, "SchedulingDisabled")
			}
			return strings.Join(st, ",")
		}), "The status of the node"),
		column("ROLES", "string", cell("node.roles", func(o *corev1.Node) any {
			roles := map[string]bool{}
			for k, v := range o.Labels {
				switch {
				case strings.HasPrefix(k, "node-role.kubernetes.io/"):
					if r := strings.TrimPrefix(k, "node-role.kubernetes.io/"); r != "" {
						roles[r] = true
					}
				case k == "kubernetes.io/role" && v != "":
					roles[v] = true
				}
			}
			list := make([]string, 0, len(roles))
			for r := range roles {
				list = append(list, r)
			}
			sort.Strings(list)
			return orDefault(strings.Join(list, ","), "<none>")
		}), "The roles of the node"),
		ageCol,
		column("VERSION", "string", ".status.nodeInfo.kubeletVersion", info["kubeletVersion"]),
		wide(column("INTERNAL-IP", "string", cell("node.internalip", func(o *corev1.Node) any {
			return nodeAddress(o, corev1.NodeInternalIP)
		}), status["addresses"])),
		wide(column("EXTERNAL-IP", "string", cell("node.externalip", func(o *corev1.Node) any {
			return nodeAddress(o, corev1.NodeExternalIP)
		}), status["addresses"])),
		wide(column("OS-IMAGE", "string", cell("node.osimage", func(o *corev1.Node) any {
			return orUnknown(o.Status.NodeInfo.OSImage)
		}), info["osImage"])),
		wide(column("KERNEL-VERSION", "string", cell("node.kernelversion", func(o *corev1.Node) any {
			k := orUnknown(o.Status.NodeInfo.KernelVersion)
			if a := o.Status.NodeInfo.Architecture; a != "" {
				k += " (" + a + ")"
			}
			return k
		}), info["kernelVersion"])),
		wide(column("CONTAINER-RUNTIME", "string", cell("node.containerruntime", func(o *corev1.Node) any {
			return orUnknown(o.Status.NodeInfo.ContainerRuntimeVersion)
		}), info["containerRuntimeVersion"])),
	}
}

func nodeAddress(o *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range o.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

// accessModes is the short form of access modes, in the printers' fixed
// order, each once.
func accessModes(modes []corev1.PersistentVolumeAccessMode) string {
	var out []string
	for _, m := range []struct {
		mode  corev1.PersistentVolumeAccessMode
		short string
	}{
		{corev1.ReadWriteOnce, "RWO"}, {corev1.ReadOnlyMany, "ROX"},
		{corev1.ReadWriteMany, "RWX"}, {corev1.ReadWriteOncePod, "RWOP"},
	} {
		if slices.Contains(modes, m.mode) {
			out = append(out, m.short)
		}
	}
	return strings.Join(out, ",")
}

func pvColumns() []registry.PrintColumn {
	spec, status := corev1.PersistentVolumeSpec{}.SwaggerDoc(), corev1.PersistentVolumeStatus{}.SwaggerDoc()
	return []registry.PrintColumn{
		nameCol,
		column("CAPACITY", "string", cell("persistentvolume.capacity", func(o *corev1.PersistentVolume) any {
			q := o.Spec.Capacity[corev1.ResourceStorage]
			return q.String()
		}), spec["capacity"]),
		column("ACCESS MODES", "string", cell("persistentvolume.accessmodes", func(o *corev1.PersistentVolume) any {
			return accessModes(o.Spec.AccessModes)
		}), spec["accessModes"]),
		column("RECLAIM POLICY", "string", cell("persistentvolume.reclaimpolicy", func(o *corev1.PersistentVolume) any {
			return string(o.Spec.PersistentVolumeReclaimPolicy)
		}), spec["persistentVolumeReclaimPolicy"]),
		column("STATUS", "string", cell("persistentvolume.status", func(o *corev1.PersistentVolume) any {
			if o.DeletionTimestamp != nil {
				return "Terminating"
			}
			return string(o.Status.Phase)
		}), status["phase"]),
		column("CLAIM", "string", cell("persistentvolume.claim", func(o *corev1.PersistentVolume) any {
			if o.Spec.ClaimRef == nil {
				return ""
			}
			return o.Spec.ClaimRef.Namespace + "/" + o.Spec.ClaimRef.Name
		}), spec["claimRef"]),
		column("STORAGECLASS", "string", cell("persistentvolume.storageclass", func(o *corev1.PersistentVolume) any {
			if c, ok := o.Annotations[corev1.BetaStorageClassAnnotation]; ok {
				return c
			}
			return o.Spec.StorageClassName
		}), "StorageClass of the pv"),
		column("VOLUMEATTRIBUTESCLASS", "string", cell("persistentvolume.volumeattributesclass", func(o *corev1.PersistentVolume) any {
			return deref(o.Spec.VolumeAttributesClassName, "<unset>")
		}), "VolumeAttributesClass of the pv"),
		column("REASON", "string", cell("persistentvolume.reason", func(o *corev1.PersistentVolume) any {
			return o.Status.Reason
		}), status["reason"]),
		ageCol,
		wide(column("VOLUMEMODE", "string", cell("persistentvolume.volumemode", func(o *corev1.PersistentVolume) any {
			return string(deref(o.Spec.VolumeMode, "<unset>"))
		}), spec["volumeMode"])),
	}
}

func pvcColumns() []registry.PrintColumn {
	spec, status := corev1.PersistentVolumeClaimSpec{}.SwaggerDoc(), corev1.PersistentVolumeClaimStatus{}.SwaggerDoc()
	bound := func(o *corev1.PersistentVolumeClaim) bool { return o.Spec.VolumeName != "" }
	return []registry.PrintColumn{
		nameCol,
		column("STATUS", "string", cell("persistentvolumeclaim.status", func(o *corev1.PersistentVolumeClaim) any {
			if o.DeletionTimestamp != nil {
				return "Terminating"
			}
			return string(o.Status.Phase)
		}), status["phase"]),
		column("VOLUME", "string", cell("persistentvolumeclaim.volume", func(o *corev1.PersistentVolumeClaim) any {
			return o.Spec.VolumeName
		}), spec["volumeName"]),
		column("CAPACITY", "string", cell("persistentvolumeclaim.capacity", func(o *corev1.PersistentVolumeClaim) any {
			if !bound(o) {
				return ""
			}
			q := o.Status.Capacity[corev1.ResourceStorage]
			return q.String()
		}), status["capacity"]),
		column("ACCESS MODES", "string", cell("persistentvolumeclaim.accessmodes", func(o *corev1.PersistentVolumeClaim) any {
			if !bound(o) {
				return ""
			}
			return accessModes(o.Status.AccessModes)
		}), status["accessModes"]),
		column("STORAGECLASS", "string", cell("persistentvolumeclaim.storageclass", func(o *corev1.PersistentVolumeClaim) any {
			if c, ok := o.Annotations[corev1.BetaStorageClassAnnotation]; ok {
				return c
			}
			return deref(o.Spec.StorageClassName, "")
		}), "StorageClass of the pvc"),
		column("VOLUMEATTRIBUTESCLASS", "string", cell("persistentvolumeclaim.volumeattributesclass", func(o *corev1.PersistentVolumeClaim) any {
			return deref(o.Spec.VolumeAttributesClassName, "<unset>")
		}), "VolumeAttributesClass of the pvc"),
		ageCol,
		wide(column("VOLUMEMODE", "string", cell("persistentvolumeclaim.volumemode", func(o *corev1.PersistentVolumeClaim) any {
			return string(deref(o.Spec.VolumeMode, "<unset>"))
		}), spec["volumeMode"])),
	}
}

// quotaColumns lists used/hard per resource, sorted by name: "limits.*"
// resources in the LIMIT column, the others in REQUEST.
func quotaColumns(o *corev1.ResourceQuota) (request, limit string) {
	names := make([]string, 0, len(o.Status.Hard))
	for n := range o.Status.Hard {
		names = append(names, string(n))
	}
	sort.Strings(names)
	var req, lim []string
	for _, n := range names {
		used, hard := o.Status.Used[corev1.ResourceName(n)], o.Status.Hard[corev1.ResourceName(n)]
		s := fmt.Sprintf("%s: %s/%s", n, used.String(), hard.String())
		if first, _, ok := strings.Cut(n, "."); ok && first == "limits" {
			lim = append(lim, s)
		} else {
			req = append(req, s)
		}
	}
	return strings.Join(req, ", "), strings.Join(lim, ", ")
}
