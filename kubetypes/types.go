package kubetypes

import (
	"reflect"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/registry"
)

// NewScheme returns a scheme holding every kind of every served group
// version of k8s.io/api, the metav1 option types in each of them, and the
// unversioned Status.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	// AddToScheme cannot fail on a fresh scheme: every group registers
	// distinct kinds.
	_ = AddToScheme(s)
	return s
}

// Excluded are the kinds of the served group versions that the scheme
// holds but Types leaves out, with the reason: kinds a cluster serves only
// through a conversion or a computation that k1s, having no API server,
// does not perform. The review kinds (TokenReview, SubjectAccessReview...)
// and Binding are not listed: they have no List kind, as they are
// requests answered at once, never stored, and Types only describes the
// kinds with a List.
var Excluded = map[schema.GroupVersionKind]string{
	{Group: "", Version: "v1", Kind: "ComponentStatus"}:                    "computed by the API server from the health of its components; there is nothing to store",
	{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler"}: "a view of autoscaling/v2 objects through the API server's conversion, which k1s does not perform; use autoscaling/v2",
	{Group: "events.k8s.io", Version: "v1", Kind: "Event"}:                 "a view of core/v1 Events through the API server's conversion, which k1s does not perform (the two would be separate stores); use core/v1 Event",
}

// facts holds what k8s.io/api does not say about a resource and the API
// server does: short names and categories (its registry's REST storage),
// whether its strategy keeps metadata.generation, and its selectable
// fields. Checked against a real API server's discovery by the tests.
type facts struct {
	shortNames []string
	categories []string
	generation bool
	selectable []string
}

var all = []string{"all"}

var apiExtensions = []string{"api-extensions"}

// resourceFacts is keyed by GroupResource (group "" for core).
var resourceFacts = map[schema.GroupResource]facts{
	{Resource: "configmaps"}:             {shortNames: []string{"cm"}},
	{Resource: "endpoints"}:              {shortNames: []string{"ep"}},
	{Resource: "events"}:                 {shortNames: []string{"ev"}},
	{Resource: "limitranges"}:            {shortNames: []string{"limits"}},
	{Resource: "namespaces"}:             {shortNames: []string{"ns"}},
	{Resource: "nodes"}:                  {shortNames: []string{"no"}, selectable: []string{".spec.unschedulable"}},
	{Resource: "persistentvolumeclaims"}: {shortNames: []string{"pvc"}},
	{Resource: "persistentvolumes"}:      {shortNames: []string{"pv"}},
	{Resource: "pods"}: {shortNames: []string{"po"}, categories: all, generation: true, selectable: []string{
		".spec.nodeName", ".spec.restartPolicy", ".spec.schedulerName", ".spec.serviceAccountName",
		".spec.hostNetwork", ".status.phase", ".status.podIP", ".status.nominatedNodeName"}},
	{Resource: "podtemplates"}:           {generation: true},
	{Resource: "replicationcontrollers"}: {shortNames: []string{"rc"}, categories: all, generation: true, selectable: []string{".status.replicas"}},
	{Resource: "resourcequotas"}:         {shortNames: []string{"quota"}},
	{Resource: "serviceaccounts"}:        {shortNames: []string{"sa"}},
	{Resource: "services"}:               {shortNames: []string{"svc"}, categories: all, selectable: []string{".spec.clusterIP", ".spec.type"}},

	{Group: "admissionregistration.k8s.io", Resource: "mutatingadmissionpolicies"}:         {categories: apiExtensions, generation: true},
	{Group: "admissionregistration.k8s.io", Resource: "mutatingadmissionpolicybindings"}:   {categories: apiExtensions, generation: true},
	{Group: "admissionregistration.k8s.io", Resource: "mutatingwebhookconfigurations"}:     {categories: apiExtensions, generation: true},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicies"}:       {categories: apiExtensions, generation: true},
	{Group: "admissionregistration.k8s.io", Resource: "validatingadmissionpolicybindings"}: {categories: apiExtensions, generation: true},
	{Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations"}:   {categories: apiExtensions, generation: true},

	{Group: "apps", Resource: "daemonsets"}:   {shortNames: []string{"ds"}, categories: all, generation: true},
	{Group: "apps", Resource: "deployments"}:  {shortNames: []string{"deploy"}, categories: all, generation: true},
	{Group: "apps", Resource: "replicasets"}:  {shortNames: []string{"rs"}, categories: all, generation: true, selectable: []string{".status.replicas"}},
	{Group: "apps", Resource: "statefulsets"}: {shortNames: []string{"sts"}, categories: all, generation: true},

	{Group: "autoscaling", Resource: "horizontalpodautoscalers"}: {shortNames: []string{"hpa"}, categories: all, generation: true},

	{Group: "batch", Resource: "cronjobs"}: {shortNames: []string{"cj"}, categories: all, generation: true},
	{Group: "batch", Resource: "jobs"}:     {categories: all, generation: true},

	{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}: {shortNames: []string{"csr"}, selectable: []string{".spec.signerName"}},
	{Group: "certificates.k8s.io", Resource: "clustertrustbundles"}:        {selectable: []string{".spec.signerName"}},
	{Group: "certificates.k8s.io", Resource: "podcertificaterequests"}:     {selectable: []string{".spec.signerName", ".spec.podName", ".spec.nodeName"}},

	{Group: "discovery.k8s.io", Resource: "endpointslices"}: {generation: true},

	{Group: "flowcontrol.apiserver.k8s.io", Resource: "flowschemas"}:                 {generation: true},
	{Group: "flowcontrol.apiserver.k8s.io", Resource: "prioritylevelconfigurations"}: {generation: true},

	{Group: "networking.k8s.io", Resource: "ingressclasses"}:  {generation: true},
	{Group: "networking.k8s.io", Resource: "ingresses"}:       {shortNames: []string{"ing"}, generation: true},
	{Group: "networking.k8s.io", Resource: "ipaddresses"}:     {shortNames: []string{"ip"}},
	{Group: "networking.k8s.io", Resource: "networkpolicies"}: {shortNames: []string{"netpol"}, generation: true},

	{Group: "policy", Resource: "poddisruptionbudgets"}: {shortNames: []string{"pdb"}, generation: true},

	{Group: "resource.k8s.io", Resource: "deviceclasses"}:    {generation: true},
	{Group: "resource.k8s.io", Resource: "devicetaintrules"}: {generation: true},
	{Group: "resource.k8s.io", Resource: "resourceslices"}:   {generation: true},

	{Group: "scheduling.k8s.io", Resource: "priorityclasses"}: {shortNames: []string{"pc"}, generation: true},

	{Group: "storage.k8s.io", Resource: "storageclasses"}:          {shortNames: []string{"sc"}},
	{Group: "storage.k8s.io", Resource: "volumeattributesclasses"}: {shortNames: []string{"vac"}},
}

var (
	typesOnce sync.Once
	types     []registry.Type
)

// Types returns the registry description of every kind Types covers:
// each kind of the served group versions of k8s.io/api that has a List
// kind and is not in Excluded. The five kinds of coretypes are described
// exactly as coretypes.Types describes them. Each call returns fresh
// values the caller may modify.
//
// What k8s.io/api holds is derived from it: the kinds (from each group's
// AddToScheme), plural and singular (apimachinery's
// UnsafeGuessKindToResource, as the API server names built-in resources),
// scope (+genclient:nonNamespaced in the Go sources, read by go generate
// into zz_generated.apitags.go) and the status subresource (a "status"
// field in the Go type: every kind that has one has the subresource).
// The rest — short names, categories, generation, selectable fields and
// print columns — is written here from the API server's code and checked
// against a real server's answers.
func Types() []registry.Type {
	typesOnce.Do(func() {
		types = buildTypes()
	})
	out := make([]registry.Type, len(types))
	for i, t := range types {
		t.ShortNames = cloneStrings(t.ShortNames)
		t.Categories = cloneStrings(t.Categories)
		t.SelectableFields = cloneStrings(t.SelectableFields)
		t.PrintColumns = append([]registry.PrintColumn(nil), t.PrintColumns...)
		out[i] = t
	}
	return out
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// AddToRegistry adds Types to r.
func AddToRegistry(r *registry.Registry) error {
	return r.Add(Types()...)
}

// NewRegistry returns a registry holding Types that consults source
// (which may be nil: plugin discovery, for example) when a lookup misses.
func NewRegistry(source registry.Source) *registry.Registry {
	r := registry.New(source)
	// Types are consistent with one another and with coretypes, so adding
	// them to an empty registry cannot conflict.
	_ = AddToRegistry(r)
	return r
}

func buildTypes() []registry.Type {
	core := map[schema.GroupVersionKind]registry.Type{}
	for _, t := range coretypes.Types() {
		core[t.Kind] = t
	}
	s := NewScheme()
	known := s.AllKnownTypes()
	cluster := clusterScopedTable()
	var out []registry.Type
	for gvk, goType := range known {
		if t, ok := core[gvk]; ok {
			out = append(out, t)
			continue
		}
		if !isResource(gvk, goType, known) {
			continue
		}
		if _, ok := Excluded[gvk]; ok {
			continue
		}
		plural, singular := meta.UnsafeGuessKindToResource(gvk)
		gr := plural.GroupResource()
		f := resourceFacts[gr]
		t := registry.Type{
			Kind:              gvk,
			Resource:          plural.Resource,
			Singular:          singular.Resource,
			ShortNames:        f.shortNames,
			Categories:        f.categories,
			Namespaced:        !cluster[goType.PkgPath()+"."+goType.Name()],
			ListKind:          gvk.Kind + "List",
			PrintColumns:      columnsFor(gvk),
			StatusSubresource: hasJSONField(goType, "status"),
			SelectableFields:  f.selectable,
			Storage:           true,
			NoGeneration:      !f.generation,
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Kind, out[j].Kind
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

// isResource reports whether a kind of the scheme is a stored resource:
// an object with ObjectMeta and a List kind beside it.
func isResource(gvk schema.GroupVersionKind, goType reflect.Type, known map[schema.GroupVersionKind]reflect.Type) bool {
	if strings.HasSuffix(gvk.Kind, "List") || goType.Kind() != reflect.Struct {
		return false
	}
	if _, ok := known[gvk.GroupVersion().WithKind(gvk.Kind+"List")]; !ok {
		return false
	}
	return hasJSONField(goType, "metadata")
}

// hasJSONField reports whether struct type t has a field serialized under
// name.
func hasJSONField(t reflect.Type, name string) bool {
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == name {
			return true
		}
	}
	return false
}
