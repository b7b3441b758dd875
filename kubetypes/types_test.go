package kubetypes_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/coretypes"
	"github.com/k1s-dev/k1s/kubetypes"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage/memory"
)

// apiResource is one line of `kubectl api-resources -o wide`.
type apiResource struct {
	name, shortNames, apiVersion, namespaced, kind, verbs, categories string
}

// readAPIResources parses testdata/api-resources.txt, the output of
// `kubectl api-resources -o wide` against kube-apiserver v1.37.2 (its
// first line says so), by the columns' offsets in the header.
func readAPIResources(t *testing.T) []apiResource {
	t.Helper()
	f, err := os.Open("testdata/api-resources.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	var header string
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "NAME ") {
			header = line
			break
		}
	}
	cols := []string{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"}
	starts := make([]int, len(cols))
	for i, c := range cols {
		starts[i] = strings.Index(header, c)
		if starts[i] < 0 {
			t.Fatalf("api-resources.txt header lacks %s: %q", c, header)
		}
	}
	var out []apiResource
	for sc.Scan() {
		line := sc.Text()
		cell := func(i int) string {
			end := len(line)
			if i+1 < len(starts) && starts[i+1] < end {
				end = starts[i+1]
			}
			if starts[i] >= len(line) {
				return ""
			}
			return strings.TrimSpace(line[starts[i]:end])
		}
		out = append(out, apiResource{cell(0), cell(1), cell(2), cell(3), cell(4), cell(5), cell(6)})
	}
	if len(out) < 50 {
		t.Fatalf("api-resources.txt has %d resources; the capture is incomplete", len(out))
	}
	return out
}

// notTypes are the resources the API server lists that Types does not
// describe, and why.
var notTypes = map[string]string{
	"bindings":                                       "create-only request (pods/binding); nothing is stored",
	"componentstatuses":                              "computed by the API server (kubetypes.Excluded)",
	"tokenreviews.authentication.k8s.io":             "a review: answered at once, never stored",
	"selfsubjectreviews.authentication.k8s.io":       "a review: answered at once, never stored",
	"localsubjectaccessreviews.authorization.k8s.io": "a review: answered at once, never stored",
	"selfsubjectaccessreviews.authorization.k8s.io":  "a review: answered at once, never stored",
	"selfsubjectrulesreviews.authorization.k8s.io":   "a review: answered at once, never stored",
	"subjectaccessreviews.authorization.k8s.io":      "a review: answered at once, never stored",
	"events.events.k8s.io":                           "a view of core/v1 events (kubetypes.Excluded)",
	"customresourcedefinitions.apiextensions.k8s.io": "not a k8s.io/api type: k1s reads CRDs as plugin manifests",
	"apiservices.apiregistration.k8s.io":             "not a k8s.io/api type: the aggregator's",
}

func registered() map[schema.GroupResource]registry.Type {
	out := map[schema.GroupResource]registry.Type{}
	for _, t := range kubetypes.Types() {
		out[t.GroupResource()] = t
	}
	return out
}

func csv(list []string) string { return strings.Join(list, ",") }

// TestTypesMatchAPIResources holds every registered type to the real API
// server's `kubectl api-resources -o wide`: the same resources (but those
// in notTypes), with the same short names, version, scope, kind and
// categories.
func TestTypesMatchAPIResources(t *testing.T) {
	types := registered()
	seen := map[schema.GroupResource]bool{}
	for _, r := range readAPIResources(t) {
		gv, err := schema.ParseGroupVersion(r.apiVersion)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		gr := schema.GroupResource{Group: gv.Group, Resource: r.name}
		typ, ok := types[gr]
		if why, skip := notTypes[gr.String()]; skip {
			if ok {
				t.Errorf("%s is registered, but notTypes says: %s", gr, why)
			}
			continue
		}
		if !ok {
			t.Errorf("the API server serves %s (%s); Types has no such type", gr, r.kind)
			continue
		}
		seen[gr] = true
		got := apiResource{
			name: typ.Resource, shortNames: csv(typ.ShortNames), apiVersion: typ.Kind.GroupVersion().String(),
			namespaced: map[bool]string{true: "true", false: "false"}[typ.Namespaced], kind: typ.Kind.Kind,
			verbs: r.verbs, categories: csv(typ.Categories),
		}
		if got != r {
			t.Errorf("%s:\n got %+v\nwant %+v", gr, got, r)
		}
	}
	for gr := range types {
		if !seen[gr] {
			t.Errorf("Types has %s, which the API server does not serve", gr)
		}
	}
}

type discoveryResource struct {
	Name         string   `json:"name"`
	SingularName string   `json:"singularName"`
	Namespaced   bool     `json:"namespaced"`
	Kind         string   `json:"kind"`
	ShortNames   []string `json:"shortNames"`
	Categories   []string `json:"categories"`
}

// TestTypesMatchDiscovery holds the registered types to the API server's
// discovery documents of every group version it serves
// (testdata/discovery.json, recorded by `kubectl get --raw /api/v1` and
// `/apis/<group>/<version>` for each of `kubectl api-versions`), which
// also name non-preferred versions, singular names and subresources.
func TestTypesMatchDiscovery(t *testing.T) {
	data, err := os.ReadFile("testdata/discovery.json")
	if err != nil {
		t.Fatal(err)
	}
	var lists []struct {
		GroupVersion string              `json:"groupVersion"`
		Resources    []discoveryResource `json:"resources"`
	}
	if err := json.Unmarshal(data, &lists); err != nil {
		t.Fatal(err)
	}
	byGVK := map[schema.GroupVersionKind]registry.Type{}
	for _, typ := range kubetypes.Types() {
		byGVK[typ.Kind] = typ
	}
	found := map[schema.GroupVersionKind]bool{}
	for _, l := range lists {
		gv, _ := schema.ParseGroupVersion(l.GroupVersion)
		subresources := map[string][]string{}
		for _, r := range l.Resources {
			if parent, sub, ok := strings.Cut(r.Name, "/"); ok {
				subresources[parent] = append(subresources[parent], sub)
			}
		}
		for _, r := range l.Resources {
			if strings.Contains(r.Name, "/") {
				continue
			}
			gvk := gv.WithKind(r.Kind)
			typ, ok := byGVK[gvk]
			if !ok {
				gr := schema.GroupResource{Group: gv.Group, Resource: r.Name}
				_, excluded := kubetypes.Excluded[gvk]
				if _, listed := notTypes[gr.String()]; !listed && !excluded {
					t.Errorf("%s (%s) is served but not registered", gvk, r.Name)
				}
				continue
			}
			found[gvk] = true
			if typ.Resource != r.Name || typ.Singular != r.SingularName || typ.Namespaced != r.Namespaced ||
				csv(typ.ShortNames) != csv(r.ShortNames) || csv(typ.Categories) != csv(r.Categories) {
				t.Errorf("%s: registered %s/%s namespaced=%v short=%v categories=%v; served %s/%s namespaced=%v short=%v categories=%v",
					gvk, typ.Resource, typ.Singular, typ.Namespaced, typ.ShortNames, typ.Categories,
					r.Name, r.SingularName, r.Namespaced, r.ShortNames, r.Categories)
			}
			if status := slices.Contains(subresources[r.Name], "status"); status != typ.StatusSubresource {
				t.Errorf("%s: StatusSubresource = %v, the server's subresources are %v", gvk, typ.StatusSubresource, subresources[r.Name])
			}
		}
	}
	for gvk := range byGVK {
		if !found[gvk] {
			t.Errorf("%s is registered but not served", gvk)
		}
	}
}

// TestGeneration holds NoGeneration to the objects the API server
// stored: a kind whose strategy keeps metadata.generation has one on
// every object (testdata/oracle/json, see capture.sh), the others none.
func TestGeneration(t *testing.T) {
	files, _ := filepath.Glob("testdata/oracle/json/*.json")
	for _, file := range files {
		qualified := strings.TrimSuffix(filepath.Base(file), ".json")
		typ := typeFor(t, qualified)
		for _, item := range readList(t, file) {
			if has := item.GetGeneration() != 0; has == typ.NoGeneration {
				t.Errorf("%s %s: generation %d on the API server, NoGeneration = %v", qualified, item.GetName(), item.GetGeneration(), typ.NoGeneration)
			}
		}
	}
}

// TestEveryTypeIsCaptured says which registered types the column test
// does not cover, so that a new kind gets a captured table.
func TestEveryTypeIsCaptured(t *testing.T) {
	uncaptured := map[string]string{
		"namespaces": "coretypes' kind, tested there", "events": "coretypes' kind, tested there",
		"podcertificaterequests.certificates.k8s.io": "needs a running pod and a node's credentials to create",
	}
	for _, typ := range kubetypes.Types() {
		q := typ.QualifiedResource()
		if _, err := os.Stat(filepath.Join("testdata/oracle/json", q+".json")); err != nil {
			if _, ok := uncaptured[q]; !ok {
				t.Errorf("no captured table for %s: add objects to testdata/oracle/objects.yaml and run capture.sh", q)
			}
		}
	}
}

var stableVersion = regexp.MustCompile(`^v[0-9]+$`)

// TestSchemeHoldsServedGroups holds the imports of scheme.go to k8s.io/api:
// every stable (vN) group version package is either registered or
// named here as not a served resource group.
func TestSchemeHoldsServedGroups(t *testing.T) {
	out, err := exec.Command("go", "list", "k8s.io/api/...").Output()
	if err != nil {
		t.Fatalf("go list k8s.io/api/...: %v", err)
	}
	notServed := map[string]bool{"k8s.io/api/admission/v1": true, "k8s.io/api/apidiscovery/v2": true}
	s := kubetypes.NewScheme()
	registeredGV := map[schema.GroupVersion]bool{}
	for gvk := range s.AllKnownTypes() {
		registeredGV[gvk.GroupVersion()] = true
	}
	for _, pkg := range strings.Fields(string(out)) {
		version := pkg[strings.LastIndexByte(pkg, '/')+1:]
		if !stableVersion.MatchString(version) {
			continue // alpha and beta versions are not served by default
		}
		if notServed[pkg] {
			continue
		}
		group := strings.TrimPrefix(pkg, "k8s.io/api/")
		group = group[:strings.LastIndexByte(group, '/')]
		found := false
		for gv := range registeredGV {
			if gv.Version == version && (gv.Group == group || strings.HasPrefix(gv.Group, group+".") || group == "core" && gv.Group == "") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s is a stable group version of k8s.io/api that scheme.go does not register", pkg)
		}
	}
}

// TestSchemeRoundTrip decodes k8s.io/api's own fixture of every
// registered kind (testdata/HEAD/<group>.<version>.<Kind>.json in the
// module, every field filled) with the scheme's codecs, encodes it again
// and requires the same JSON, and checks the kind's list and its
// registration under exactly one kind.
func TestSchemeRoundTrip(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		t.Fatalf("go list -m k8s.io/api: %v", err)
	}
	fixtures := filepath.Join(strings.TrimSpace(string(out)), "testdata", "HEAD")
	s := kubetypes.NewScheme()
	codecs := serializer.NewCodecFactory(s)
	info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	for _, typ := range kubetypes.Types() {
		gvk := typ.Kind
		t.Run(gvk.String(), func(t *testing.T) {
			group := gvk.Group
			if group == "" {
				group = "core"
			}
			data, err := os.ReadFile(filepath.Join(fixtures, group+"."+gvk.Version+"."+gvk.Kind+".json"))
			if err != nil {
				t.Fatalf("no fixture: %v", err)
			}
			obj, got, err := codecs.UniversalDeserializer().Decode(data, nil, nil)
			if err != nil {
				t.Fatalf("decoding the fixture: %v", err)
			}
			if *got != gvk {
				t.Fatalf("decoded as %s", got)
			}
			kinds, _, err := s.ObjectKinds(obj)
			if err != nil || len(kinds) != 1 || kinds[0] != gvk {
				t.Errorf("ObjectKinds = %v, %v; want exactly %s", kinds, err, gvk)
			}
			var buf bytes.Buffer
			if err := codecs.EncoderForVersion(info.Serializer, gvk.GroupVersion()).Encode(obj, &buf); err != nil {
				t.Fatalf("encoding: %v", err)
			}
			var want, again any
			_ = json.Unmarshal(data, &want)
			_ = json.Unmarshal(buf.Bytes(), &again)
			if diff := cmp.Diff(want, again); diff != "" {
				t.Errorf("round trip (-fixture +encoded):\n%s", diff)
			}
			list, err := s.New(gvk.GroupVersion().WithKind(typ.ListKind))
			if err != nil || !meta.IsListType(list) {
				t.Errorf("list kind %s: %v (list: %v)", typ.ListKind, err, meta.IsListType(list))
			}
		})
	}
}

// TestRESTMapper asks the registry's RESTMapper what controller-runtime
// and kubectl code ask it, for every registered type: the kind of each of
// its names, its mapping and scope, its singular.
func TestRESTMapper(t *testing.T) {
	mapper := kubetypes.NewRegistry(nil).RESTMapper()
	for _, typ := range kubetypes.Types() {
		gvk, gvr := typ.Kind, typ.GroupVersionResource()
		names := append([]string{typ.Resource, typ.Singular}, typ.ShortNames...)
		for _, name := range names {
			got, err := mapper.KindFor(schema.GroupVersionResource{Group: gvk.Group, Resource: name})
			if err != nil || got != gvk {
				t.Errorf("KindFor(%s.%s) = %v, %v; want %s", name, gvk.Group, got, err, gvk)
			}
			if gvk.Group == "" {
				// Unqualified names resolve too: none collides with
				// another group's.
				if got, err := mapper.KindFor(schema.GroupVersionResource{Resource: name}); err != nil || got != gvk {
					t.Errorf("KindFor(%s) = %v, %v; want %s", name, got, err, gvk)
				}
			}
		}
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Errorf("RESTMapping(%s): %v", gvk, err)
			continue
		}
		wantScope := meta.RESTScopeNameRoot
		if typ.Namespaced {
			wantScope = meta.RESTScopeNameNamespace
		}
		if m.Resource != gvr || m.Scope.Name() != wantScope {
			t.Errorf("RESTMapping(%s) = %s %s; want %s %s", gvk, m.Resource, m.Scope.Name(), gvr, wantScope)
		}
		if s, err := mapper.ResourceSingularizer(typ.Resource); err != nil || s != typ.Singular {
			t.Errorf("ResourceSingularizer(%s) = %q, %v", typ.Resource, s, err)
		}
	}
}

// TestEveryTypeThroughTheCoreClient creates, reads, lists and deletes one
// object of every registered type as a typed Go object through a
// CoreClient with the package's scheme and registry.
func TestEveryTypeThroughTheCoreClient(t *testing.T) {
	s := kubetypes.NewScheme()
	c, err := core.New(core.Options{Storage: memory.New(), Scheme: s, Registry: kubetypes.NewRegistry(nil)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, typ := range kubetypes.Types() {
		gvk := typ.Kind
		t.Run(gvk.String(), func(t *testing.T) {
			obj := mustNew(t, s, gvk)
			obj.SetName("kt-" + strings.ToLower(gvk.Kind))
			if typ.Namespaced {
				obj.SetNamespace("default")
			}
			if err := c.Create(ctx, obj); err != nil {
				t.Fatalf("Create: %v", err)
			}
			got := mustNew(t, s, gvk)
			if err := c.Get(ctx, client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got.GetUID() != obj.GetUID() || got.GetUID() == "" {
				t.Errorf("Get returned uid %q, created %q", got.GetUID(), obj.GetUID())
			}
			if (got.GetGeneration() == 0) != typ.NoGeneration {
				t.Errorf("generation %d, NoGeneration %v", got.GetGeneration(), typ.NoGeneration)
			}
			list, err := s.New(gvk.GroupVersion().WithKind(typ.ListKind))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.List(ctx, list.(client.ObjectList)); err != nil {
				t.Fatalf("List: %v", err)
			}
			want := 1
			if gvk.Kind == "Namespace" {
				want = 2 // and "default"
			}
			if n := meta.LenList(list); n != want {
				t.Errorf("List has %d items", n)
			}
			if err := c.Delete(ctx, got); err != nil {
				t.Fatalf("Delete: %v", err)
			}
		})
	}
}

func mustNew(t *testing.T, s *runtime.Scheme, gvk schema.GroupVersionKind) client.Object {
	t.Helper()
	o, err := s.New(gvk)
	if err != nil {
		t.Fatal(err)
	}
	return o.(client.Object)
}

// TestTypesReusesCoretypes: the five kinds of coretypes are described as
// coretypes describes them, so a registry that holds both agrees.
func TestTypesReusesCoretypes(t *testing.T) {
	byGVK := map[schema.GroupVersionKind]registry.Type{}
	for _, typ := range kubetypes.Types() {
		byGVK[typ.Kind] = typ
	}
	for _, want := range coretypes.Types() {
		got, ok := byGVK[want.Kind]
		if !ok {
			t.Errorf("%s missing", want.Kind)
			continue
		}
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(registry.Type{})); diff != "" {
			t.Errorf("%s differs from coretypes (-coretypes +kubetypes):\n%s", want.Kind, diff)
		}
	}
	r := registry.New(nil)
	if err := r.Add(coretypes.Types()...); err != nil {
		t.Fatal(err)
	}
	if err := kubetypes.AddToRegistry(r); err != nil {
		t.Errorf("adding Types to a registry with coretypes' types: %v", err)
	}
	// Each call returns values the caller may change.
	a := kubetypes.Types()
	a[0].PrintColumns[0].Name = "changed"
	a[0].Categories = append(a[0].Categories, "changed")
	if b := kubetypes.Types(); b[0].PrintColumns[0].Name == "changed" || slices.Contains(b[0].Categories, "changed") {
		t.Error("Types shares state between calls")
	}
}

// TestExcludedKindsAreInTheScheme: a kind left out of the registry is
// still a Go type the scheme knows, so objects of it decode.
func TestExcludedKindsAreInTheScheme(t *testing.T) {
	s := kubetypes.NewScheme()
	var kinds []string
	for gvk, why := range kubetypes.Excluded {
		if !s.Recognizes(gvk) || why == "" {
			t.Errorf("excluded %s: recognized %v, reason %q", gvk, s.Recognizes(gvk), why)
		}
		kinds = append(kinds, gvk.String())
	}
	sort.Strings(kinds)
	if len(kinds) != 3 {
		t.Errorf("Excluded = %v", kinds)
	}
	if !s.Recognizes(metav1.SchemeGroupVersion.WithKind("Status")) && !s.Recognizes(schema.GroupVersionKind{Version: "v1", Kind: "Status"}) {
		t.Error("the scheme lacks metav1 Status")
	}
}

// TestLeanCLIDoesNotLinkKubetypes: linking the package costs a one-shot
// program start time and memory (BENCHMARKS.md, "kubetypes"), so the k1s
// CLI does not link it.
func TestLeanCLIDoesNotLinkKubetypes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../cmd/k1s").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/k1s-dev/k1s/kubetypes" {
			t.Error("cmd/k1s links kubetypes")
		}
	}
	if !strings.Contains(string(out), "github.com/k1s-dev/k1s/coretypes") {
		t.Errorf("go list -deps ../cmd/k1s does not list coretypes: the check would prove nothing\n%s", out)
	}
}
