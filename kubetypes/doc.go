// Package kubetypes makes every Kubernetes API type of k8s.io/api a k1s
// type: Deployments, Jobs, Pods, Services, PersistentVolumeClaims,
// Ingresses, RBAC... every kind of every group version kube-apiserver v1.37
// serves by default. It is opt-in: the k1s CLI and programs that do not
// import it know only the five core/v1 kinds of coretypes, and do not pay
// for the others (see BENCHMARKS.md, "kubetypes").
//
//	scheme := kubetypes.NewScheme()           // or kubetypes.AddToScheme(s)
//	reg := kubetypes.NewRegistry(nil)         // or kubetypes.AddToRegistry(r)
//	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{
//		Storage: store, Scheme: scheme, Registry: reg,
//	})
//
// # Scheme
//
// AddToScheme calls each group's own AddToScheme from k8s.io/api (never
// client-go's clientset scheme, which would link the typed clients) for
// the stable group versions the API server serves: admissionregistration,
// apps, authentication, authorization, autoscaling (v1 and v2), batch,
// certificates, coordination, core, discovery, events, flowcontrol,
// networking, node, policy, rbac, resource, scheduling, storage and
// storagemigration, all v1 but autoscaling/v2. CustomResourceDefinition
// and APIService are not k8s.io/api types and are not included.
//
// # Types
//
// Types describes each kind with a List kind for the registry, as the API
// server's discovery does: resource and singular names, short names,
// categories (kubectl's "all"), scope, status subresource, metadata.
// generation, selectable fields and print columns. Kinds a cluster serves
// only through a conversion or computation k1s does not perform are left
// out and listed in Excluded (autoscaling/v1 HorizontalPodAutoscaler,
// events.k8s.io/v1 Event, ComponentStatus); they stay in the scheme. So
// are requests that are answered, never stored (TokenReview,
// SubjectAccessReview and the other reviews, Binding).
//
// Print columns are those of the API server's table convertor
// (k8s.io/kubernetes/pkg/printers/internalversion), with -o wide's extra
// columns at Priority 1: `get deployments` prints NAME READY UP-TO-DATE
// AVAILABLE AGE, and -o wide adds CONTAINERS IMAGES SELECTOR. Cells only Go
// code computes ("1/3", a pod's STATUS and RESTARTS, a service's PORT(S))
// are computed expressions registered with coretypes.Register, which every
// k1s printer evaluates. Tests print objects a real kube-apiserver v1.37.2
// stored and compare with what kubectl printed for them from that server.
// Where k1s differs:
//
//   - The API server prints what it stored after defaulting (a Deployment
//     without replicas has 1) and allocation (a Service's cluster IP);
//     k1s stores objects as given, so such cells show the undefaulted
//     value (READY 0/0, CLUSTER-IP <none>).
//   - A list's rows come in name order: the API server sorts FlowSchemas
//     by matching precedence.
//   - StorageClass NAME says "(default)" for every class with the
//     default-class annotation; the API server marks only the newest of
//     several, and none when one class is read by name.
//
// Job's status.successful field selector (the API server maps it to
// status.succeeded) is not offered: a selectable field is a JSON path.
package kubetypes

//go:generate go run ./internal/gen
