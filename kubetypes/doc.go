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
//
// # Validation
//
// Validate, and Validator for core.Options.Admission, check an object as
// the API server checks a request body, with its errors, which name the
// field path:
//
//	Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"
//	Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32
//	Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.spec.containers[0].name: Required value]
//
// Unknown fields and wrong types are what the API server's strict decoding
// finds: an unstructured object is decoded into its Go type with the same
// decoder (sigs.k8s.io/json, strict), so the words are the server's. For
// the built-in kinds this is the API server's structural check: it does
// not validate them against their OpenAPI schema. A typed object has been
// decoded by the time it is validated: its unknown fields and types are
// the CoreClient's decoding to judge.
//
// Required fields: the OpenAPI schema of the types says which fields are
// required (k8s.io/api's +required/+optional tags and omitempty, read by
// go generate with openapi-gen's rule; TestOpenAPIRequired holds them to
// the schema the API server publishes, 587 definitions), but the API
// server does not enforce that list: its validation code refuses some of
// those fields when missing, reports others differently ("roleRef.kind:
// Unsupported value"), defaults some (a RoleBinding's roleRef.apiGroup)
// and accepts some empty (a CSINode without drivers). Reporting every
// schema-required field would refuse objects a cluster accepts. So the
// fields checked are those of the schema's required fields that a real
// API server refused as "Required value" (with its detail, such as
// "pathType must be specified") when a validation corpus left them out
// (testdata/validation: for every kind an object with only a name and
// one with every struct present and every scalar missing, and
// hand-written mistakes; zz_generated.required.go, 97 fields), plus a
// container's image, which the schema leaves optional and every pod spec
// requires. A missing field is a nil pointer, an empty list or map or an
// empty string; numbers and booleans are never missing. Metadata is the
// CoreClient's to check, and statuses are not checked.
//
// Of the API server's validation code (k8s.io/kubernetes
// pkg/apis/*/validation), the package replicates, with its words: the
// selector of a Deployment, ReplicaSet, StatefulSet or DaemonSet must not
// be empty and must match its pod template's labels; a Job's (and a
// CronJob's) pods must not restart Always; a pod's restart policy is
// Always, OnFailure or Never; a Service that is not headless or an
// ExternalName needs ports. It does not replicate the rest: formats
// (DNS names of containers, ports, label keys), ranges, enums other than
// those, immutable fields on update, cross-field rules, defaulting (an
// object is stored as given: a Deployment without replicas keeps none,
// where a cluster stores 1), and the checks that depend on other objects
// or on admission. Where the API server stops early (a pod template is
// not checked once its selector does not parse), Validate goes on, so it
// may name more fields than the server for an object both refuse.
// Against the corpus, Validate accepts every object the server accepts,
// refuses only objects the server refuses, gives the server's exact
// errors for the hand-written mistakes, and reports 508 of the 1,866 field
// errors the server finds in all cases (most of the rest are format and
// cross-field rules in the deliberately broken skeletons).
package kubetypes

//go:generate go run ./internal/gen
