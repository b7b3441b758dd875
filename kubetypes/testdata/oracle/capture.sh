#!/bin/sh
# capture.sh records how a real kube-apiserver stores and prints the
# objects of objects.yaml, for kubetypes' column and scheme tests:
#
#   json/<resource>.json        kubectl get <resource> -l kt-capture=1 -o json
#   tables/<resource>.txt       kubectl get <resource> -l kt-capture=1
#   tables/<resource>.wide.txt  kubectl get <resource> -l kt-capture=1 -o wide
#
# (namespaced resources in namespace kt-cols). It creates namespace kt-cols
# and cluster-scoped objects named kt-*, sets the status a cluster's
# controllers and kubelets would set, captures, and deletes everything it
# created. Run from this directory against the oracle (kubectl v1.32,
# kube-apiserver v1.37.2, see /work/shared/oracle/README.md):
#
#   KUBECONFIG=/root/.cache/k1s-oracle/run/kubeconfig ./capture.sh
set -eu
cleanup() {
	# With no kubelet and no volume protection controllers, pods bound to
	# a node and the protection finalizers of volumes would keep the
	# namespace terminating forever: force them.
	kubectl -n kt-cols delete pods --all --grace-period=0 --force >/dev/null 2>&1 || true
	for o in $(kubectl -n kt-cols get persistentvolumeclaims -o name 2>/dev/null) persistentvolume/kt-pv-1 persistentvolume/kt-pv-2 volumeattributesclass/kt-gold; do
		kubectl -n kt-cols patch "$o" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
	done
	kubectl delete -f objects.yaml --ignore-not-found --wait=false >/dev/null 2>&1 || true
	kubectl delete namespace kt-cols --ignore-not-found >/dev/null 2>&1 || true
}
trap cleanup EXIT
ago() { date -u -d "-$1" +%Y-%m-%dT%H:%M:%SZ; }
status() { # status <resource/name> <json>; namespaced in kt-cols
	kubectl -n kt-cols patch "$1" --subresource=status --type=merge -p "$2" >/dev/null
}

kubectl create namespace kt-cols >/dev/null
kubectl create -f objects.yaml >/dev/null
kubectl label -f objects.yaml kt-capture=1 --overwrite >/dev/null
uid=$(kubectl -n kt-cols get statefulset db -o jsonpath='{.metadata.uid}')
kubectl create -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: db-7d9f
  namespace: kt-cols
  labels: {kt-capture: "1"}
  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: db, uid: $uid, controller: true}]
revision: 3
data: {spec: {template: {}}}
---
apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: orphan, namespace: kt-cols, labels: {kt-capture: "1"}}
revision: 1
data: {}
YAML

status deployment/web '{"status":{"replicas":3,"updatedReplicas":2,"readyReplicas":1,"availableReplicas":1,"unavailableReplicas":2}}'
status replicaset/web-rs '{"status":{"replicas":2,"readyReplicas":1,"availableReplicas":1,"fullyLabeledReplicas":2}}'
status statefulset/db '{"status":{"replicas":2,"readyReplicas":1,"currentReplicas":2,"updatedReplicas":2,"availableReplicas":1}}'
status daemonset/agent '{"status":{"desiredNumberScheduled":3,"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":1,"numberMisscheduled":0,"numberUnavailable":2}}'
status replicationcontroller/legacy '{"status":{"replicas":2,"readyReplicas":1,"availableReplicas":1}}'
status job/once "{\"status\":{\"startTime\":\"$(ago '2 hours')\",\"completionTime\":\"$(ago '1 hour 57 minutes')\",\"succeeded\":2,\"conditions\":[{\"type\":\"SuccessCriteriaMet\",\"status\":\"True\",\"lastTransitionTime\":\"$(ago '1 hour 57 minutes')\"},{\"type\":\"Complete\",\"status\":\"True\",\"lastTransitionTime\":\"$(ago '1 hour 57 minutes')\"}]}}"
status job/wide "{\"status\":{\"conditions\":[{\"type\":\"Suspended\",\"status\":\"True\",\"lastTransitionTime\":\"$(ago '5 minutes')\"}]}}"
status cronjob/nightly "{\"status\":{\"lastScheduleTime\":\"$(ago '5 hours')\"}}"
kubectl patch node kt-node-1 --subresource=status --type=merge -p "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubeletReady\",\"lastHeartbeatTime\":\"$(ago '1 minute')\",\"lastTransitionTime\":\"$(ago '3 hours')\"}],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"10.0.0.11\"},{\"type\":\"ExternalIP\",\"address\":\"203.0.113.5\"},{\"type\":\"Hostname\",\"address\":\"kt-node-1\"}],\"nodeInfo\":{\"machineID\":\"m\",\"systemUUID\":\"s\",\"bootID\":\"b\",\"kernelVersion\":\"6.8.0-45-generic\",\"osImage\":\"Ubuntu 24.04.1 LTS\",\"containerRuntimeVersion\":\"containerd://2.0.0\",\"kubeletVersion\":\"v1.37.2\",\"kubeProxyVersion\":\"\",\"operatingSystem\":\"linux\",\"architecture\":\"amd64\"}}}" >/dev/null
kubectl patch node kt-node-2 --subresource=status --type=merge -p "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"KubeletNotReady\",\"lastHeartbeatTime\":\"$(ago '1 minute')\",\"lastTransitionTime\":\"$(ago '1 hour')\"}]}}" >/dev/null
status pod/running "{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\",\"podIPs\":[{\"ip\":\"10.0.0.5\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},{\"type\":\"example.com/ready\",\"status\":\"True\"},{\"type\":\"example.com/warm\",\"status\":\"False\"}],\"containerStatuses\":[{\"name\":\"app\",\"image\":\"app\",\"imageID\":\"\",\"ready\":true,\"started\":true,\"restartCount\":2,\"state\":{\"running\":{\"startedAt\":\"$(ago '10 minutes')\"}},\"lastState\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\",\"startedAt\":\"$(ago '20 minutes')\",\"finishedAt\":\"$(ago '10 minutes')\"}}},{\"name\":\"log\",\"image\":\"log\",\"imageID\":\"\",\"ready\":true,\"started\":true,\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":\"$(ago '30 minutes')\"}}}]}}"
status pod/crashing "{\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{\"name\":\"app\",\"image\":\"app\",\"imageID\":\"\",\"ready\":false,\"restartCount\":5,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}},\"lastState\":{\"terminated\":{\"exitCode\":137,\"reason\":\"OOMKilled\",\"startedAt\":\"$(ago '3 minutes')\",\"finishedAt\":\"$(ago '2 minutes')\"}}}]}}"
status pod/initializing '{"status":{"phase":"Pending","initContainerStatuses":[{"name":"setup","image":"setup","imageID":"","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}},{"name":"proxy","image":"proxy","imageID":"","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}],"containerStatuses":[{"name":"app","image":"app","imageID":"","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}}'
status pod/done "{\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[{\"name\":\"app\",\"image\":\"app\",\"imageID\":\"\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\",\"startedAt\":\"$(ago '1 hour')\",\"finishedAt\":\"$(ago '50 minutes')\"}}}]}}"
status service/lb '{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.9"},{"hostname":"lb.example.com"}]}}}'
kubectl patch pv kt-pv-1 --subresource=status --type=merge -p '{"status":{"phase":"Bound"}}' >/dev/null
kubectl patch pv kt-pv-2 --subresource=status --type=merge -p '{"status":{"phase":"Failed","reason":"Recycler","message":"recycling failed"}}' >/dev/null
status persistentvolumeclaim/data '{"status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"5Gi"}}}'
status resourcequota/quota '{"status":{"hard":{"pods":"10","requests.cpu":"4","limits.memory":"8Gi","limits.cpu":"8"},"used":{"pods":"1","requests.cpu":"500m","limits.memory":"1Gi","limits.cpu":"0"}}}'
status ingress/site '{"status":{"loadBalancer":{"ingress":[{"ip":"198.51.100.7"}]}}}'
status poddisruptionbudget/web-pdb '{"status":{"disruptionsAllowed":1,"currentHealthy":3,"desiredHealthy":2,"expectedPods":3}}'
status horizontalpodautoscaler/web '{"status":{"currentReplicas":3,"desiredReplicas":3,"currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":45,"averageValue":"120m"}}},{"type":"Resource","resource":{"name":"memory","current":{"averageValue":"300Mi"}}}]}}'
kubectl patch volumeattachment kt-va --subresource=status --type=merge -p '{"status":{"attached":true}}' >/dev/null
kubectl certificate approve kt-user >/dev/null
kubectl patch storageversionmigration kt-migrate-secrets --subresource=status --type=merge -p "{\"status\":{\"conditions\":[{\"type\":\"Running\",\"status\":\"True\",\"reason\":\"Started\",\"message\":\"migrating\",\"lastTransitionTime\":\"$(ago '1 minute')\"}]}}" >/dev/null

mkdir -p json tables
# The resources kubetypes prints (core/v1's five of coretypes included),
# those of the objects above; flowcontrol's and the service CIDRs and IP
# addresses are the cluster's own, captured whole.
for r in serviceaccounts configmaps secrets deployments.apps replicasets.apps statefulsets.apps daemonsets.apps \
	controllerrevisions.apps jobs.batch cronjobs.batch nodes pods services endpoints persistentvolumes \
	persistentvolumeclaims limitranges resourcequotas podtemplates replicationcontrollers \
	ingressclasses.networking.k8s.io ingresses.networking.k8s.io networkpolicies.networking.k8s.io \
	endpointslices.discovery.k8s.io roles.rbac.authorization.k8s.io rolebindings.rbac.authorization.k8s.io \
	clusterroles.rbac.authorization.k8s.io clusterrolebindings.rbac.authorization.k8s.io \
	poddisruptionbudgets.policy horizontalpodautoscalers.autoscaling leases.coordination.k8s.io \
	priorityclasses.scheduling.k8s.io storageclasses.storage.k8s.io volumeattributesclasses.storage.k8s.io \
	csidrivers.storage.k8s.io csinodes.storage.k8s.io volumeattachments.storage.k8s.io \
	csistoragecapacities.storage.k8s.io runtimeclasses.node.k8s.io certificatesigningrequests.certificates.k8s.io \
	clustertrustbundles.certificates.k8s.io validatingwebhookconfigurations.admissionregistration.k8s.io \
	mutatingwebhookconfigurations.admissionregistration.k8s.io validatingadmissionpolicies.admissionregistration.k8s.io \
	validatingadmissionpolicybindings.admissionregistration.k8s.io mutatingadmissionpolicies.admissionregistration.k8s.io \
	mutatingadmissionpolicybindings.admissionregistration.k8s.io deviceclasses.resource.k8s.io \
	resourceclaimtemplates.resource.k8s.io resourceclaims.resource.k8s.io resourceslices.resource.k8s.io \
	devicetaintrules.resource.k8s.io storageversionmigrations.storagemigration.k8s.io; do
	sel="-l kt-capture=1"
	kubectl -n kt-cols get "$r" $sel -o json >"json/$r.json"
	kubectl -n kt-cols get "$r" $sel >"tables/$r.txt"
	kubectl -n kt-cols get "$r" $sel -o wide >"tables/$r.wide.txt"
done
for r in flowschemas.flowcontrol.apiserver.k8s.io prioritylevelconfigurations.flowcontrol.apiserver.k8s.io \
	servicecidrs.networking.k8s.io ipaddresses.networking.k8s.io; do
	kubectl get "$r" -o json >"json/$r.json"
	kubectl get "$r" >"tables/$r.txt"
	kubectl get "$r" -o wide >"tables/$r.wide.txt"
done
