package core

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/google/uuid"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/discovery"
	"github.com/k1s-dev/k1s/fieldmanager"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// Options configure a Client. Only Storage is required.
type Options struct {
	// Storage is where objects live.
	Storage storage.Interface
	// Scheme holds the Go types of the kinds handled as typed objects; nil
	// means a scheme with the built-in types (coretypes).
	Scheme *runtime.Scheme
	// Registry knows every resource type; nil means the built-in types
	// (coretypes), then Types, plus the plugin types of PluginPaths.
	Registry *registry.Registry
	// Types are the program's own compiled-in types (discovery.CRDTypes
	// of its embedded CRDs, say), added to the default registry after the
	// built-in ones; with a Registry of the caller's they are an error,
	// that registry being the whole answer. A plugin type of the same
	// resource as one of them is refused, as any conflict is.
	Types []registry.Type
	// Admission holds the mutating and validating hooks run on every
	// create, update and delete (see package admission for where they run
	// in a write); nil means a new, empty Chain, which Client.Admission
	// returns for hooks added later.
	Admission *admission.Chain
	// PluginPaths are directories (or files) of plugin type manifests
	// whose types join the built-in ones when Registry is nil, read on the
	// first lookup that misses a built-in type. Empty means built-in types
	// only: New reads no directory the caller did not name.
	// discovery.DefaultPaths(dir) gives k1s's standard directories, for a
	// program that wants them.
	PluginPaths []string
	// Tenant is the key prefix isolating this client's objects from other
	// tenants of the same store; empty means storage.DefaultTenant.
	Tenant string
	// DiscoveryCacheDir is where plugin discovery caches the manifests of
	// PluginPaths it parsed, so that the next process skips parsing them;
	// empty means no cache: New writes nowhere the caller did not name.
	DiscoveryCacheDir string
	// WarningHandler receives the warnings of requests whose context has
	// no handler of its own (see WithWarningHandler): the fields a
	// fieldValidation=Warn write dropped. Nil drops them, as a client-go
	// client with a no-op handler does.
	WarningHandler WarningHandler
	// FieldManager is the manager recorded in managedFields for writes
	// whose options name none (client.FieldOwner). Empty means the
	// program's name, the base name of os.Args[0], as kube-apiserver
	// derives it from a client-go program's default user agent.
	FieldManager string
}

// Client is the CoreClient. It is safe for concurrent use and holds no
// goroutines; Watch starts one per watch, ended by the watch's Stop.
type Client struct {
	store     storage.Interface
	scheme    *runtime.Scheme
	reg       *registry.Registry
	admission *admission.Chain
	warnings  WarningHandler
	tenant    string
	// discovery is the plugin discovery behind the default registry (nil
	// with a caller's registry or no PluginPaths).
	discovery *discovery.Discovery
	// nsType is the registry's Namespace type; nil when the registry has
	// none, in which case namespaces are not checked.
	nsType *registry.Type

	// kinds caches the scheme's answer for each Go type: the scheme lookup
	// allocates and the hot path asks once per call.
	kinds sync.Map // reflect.Type -> schema.GroupVersionKind
	// layouts caches, per Go struct type, which fields hold the spec and
	// which the status.
	layouts sync.Map // reflect.Type -> *structLayout
	// types caches the store's catalog of stored types (catalog.go).
	types catalog
	// defaultStored is set once the default Namespace is known stored.
	defaultStored atomic.Bool
	// typeErrs caches, per registry type, whether its key segments are
	// valid (nil) or why not.
	typeErrs sync.Map // *registry.Type -> error
	// fieldManagers holds each type's FieldManager per subresource,
	// built on its first write (fieldmanager.go).
	fieldManagers sync.Map // fmKey -> *fieldmanager.Manager
	// defaultManager is the field manager of writes that name none.
	defaultManager string
}

var _ client.Client = (*Client)(nil)

var namespaceGVK = corev1.SchemeGroupVersion.WithKind("Namespace")

// New returns a Client over opts.Storage. It reads the store once and
// writes nothing: the "default" Namespace is stored by the tenant's
// first write (see ensureDefaultNamespace). A tenant that is not a
// DNS-1123 label is an error.
func New(opts Options) (*Client, error) {
	if opts.Storage == nil {
		return nil, errors.New("core.New: Options.Storage is required")
	}
	c := &Client{
		store:     opts.Storage,
		scheme:    opts.Scheme,
		reg:       opts.Registry,
		admission: opts.Admission,
		warnings:  opts.WarningHandler,
		tenant:    opts.Tenant,

		defaultManager: opts.FieldManager,
	}
	if c.defaultManager == "" {
		c.defaultManager = fieldmanager.DefaultManager()
	}
	if c.tenant == "" {
		c.tenant = storage.DefaultTenant
	}
	if err := storage.ValidateTenant(c.tenant); err != nil {
		return nil, fmt.Errorf("core.New: Options.Tenant: %w", err)
	}
	if c.scheme == nil {
		c.scheme = defaultScheme()
	}
	if c.admission == nil {
		c.admission = admission.NewChain()
	}
	if c.reg != nil && len(opts.Types) > 0 {
		return nil, errors.New("core.New: Options.Types join the default registry: with a Registry, add them to it")
	}
	if c.reg == nil {
		r, d, err := defaultRegistry(opts)
		if err != nil {
			return nil, err
		}
		c.reg, c.discovery = r, d
	}
	if t, err := c.reg.TypeFor(namespaceGVK); err == nil {
		c.nsType = t
		// One read, which writes nothing: a store that cannot be read
		// fails here, and a stored default Namespace needs no look later.
		switch _, err := c.store.Get(context.Background(), c.key(t, "", metav1NamespaceDefault)); {
		case err == nil:
			c.defaultStored.Store(true)
		case !apierrors.IsNotFound(err):
			return nil, fmt.Errorf("reading the default namespace: %w", err)
		}
	}
	return c, nil
}

// The "default" Namespace exists from the first open, as on a cluster,
// but New writes nothing (it only reads whether it is stored): a read (`k1s get` under a new tenant) must
// leave the store as it was. Until the tenant's first write stores it
// (ensureDefaultNamespace, which every Create, Update and Patch runs
// once per client), reads present it as stored (defaultNamespace), and
// checkNamespace treats it as existing. Its uid is derived from the
// tenant, so that it is the same before and after it is stored.

// defaultNamespaceUID is the uid of a tenant's default Namespace.
func (c *Client) defaultNamespaceUID() types.UID {
	return types.UID(uuid.NewSHA1(uuid.NameSpaceURL, []byte("k1s:"+c.tenant+":namespaces/default")).String())
}

// defaultNamespace returns the stored form of the tenant's default
// Namespace as it is before it is written: without a creationTimestamp,
// which only the write can tell.
func (c *Client) defaultNamespace() []byte {
	ns := &corev1.Namespace{}
	ns.Name = metav1NamespaceDefault
	ns.UID = c.defaultNamespaceUID()
	ns.Labels = map[string]string{corev1.LabelMetadataName: metav1NamespaceDefault}
	ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
	ns.Status.Phase = corev1.NamespaceActive
	data, _ := encode(ns, namespaceGVK) // a Namespace always encodes
	return data
}

// isDefaultNamespaceKey reports whether key is the tenant's default
// Namespace.
func (c *Client) isDefaultNamespaceKey(key string) bool {
	return c.nsType != nil && key == c.key(c.nsType, "", metav1NamespaceDefault)
}

// ensureDefaultNamespace stores the "default" Namespace when missing,
// before the client's first write. A concurrent process doing the same
// makes our create fail with AlreadyExists, which is the outcome we
// wanted.
func (c *Client) ensureDefaultNamespace(ctx context.Context) error {
	if c.nsType == nil || c.defaultStored.Load() {
		return nil
	}
	key := c.key(c.nsType, "", metav1NamespaceDefault)
	if _, err := c.store.Get(ctx, key); err == nil {
		c.defaultStored.Store(true)
		return nil
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the default namespace: %w", err)
	}
	ns := &corev1.Namespace{}
	if err := jsonUnmarshal(c.defaultNamespace(), ns); err != nil {
		return err
	}
	ns.CreationTimestamp = now()
	data, err := encode(ns, namespaceGVK)
	if err != nil {
		return err
	}
	if _, err := c.store.Create(ctx, key, data); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the default namespace: %w", err)
	}
	c.defaultStored.Store(true)
	return nil
}

const metav1NamespaceDefault = "default"

// Registry returns the client's type registry.
func (c *Client) Registry() *registry.Registry { return c.reg }

// Discovery returns the plugin discovery behind the default registry, for
// its warnings; nil when Options.Registry was given or PluginPaths empty.
func (c *Client) Discovery() *discovery.Discovery { return c.discovery }

// Admission returns the client's admission chain (Options.Admission, or
// the empty one New made), to which hooks may be added while the client
// runs: a plugin's, once loaded.
func (c *Client) Admission() *admission.Chain { return c.admission }

// Storage returns the store the client writes to.
func (c *Client) Storage() storage.Interface { return c.store }

// Tenant returns the tenant whose keys the client reads and writes.
func (c *Client) Tenant() string { return c.tenant }

// Scheme implements client.Client.
func (c *Client) Scheme() *runtime.Scheme { return c.scheme }

// RESTMapper implements client.Client.
func (c *Client) RESTMapper() meta.RESTMapper { return c.reg.RESTMapper() }

// GroupVersionKindFor implements client.Client: the kind set on an
// unstructured object, or the scheme's kind for a Go type.
func (c *Client) GroupVersionKindFor(obj runtime.Object) (schema.GroupVersionKind, error) {
	return c.kindOf(obj)
}

// IsObjectNamespaced implements client.Client.
func (c *Client) IsObjectNamespaced(obj runtime.Object) (bool, error) {
	gvk, err := c.kindOf(obj)
	if err != nil {
		return false, err
	}
	if strings.HasSuffix(gvk.Kind, "List") && meta.IsListType(obj) {
		gvk.Kind = strings.TrimSuffix(gvk.Kind, "List")
	}
	t, err := c.reg.TypeFor(gvk)
	if err != nil {
		return false, err
	}
	return t.Namespaced, nil
}

// kindOf returns obj's kind: from its apiVersion/kind when unstructured,
// from the scheme when typed.
func (c *Client) kindOf(obj runtime.Object) (schema.GroupVersionKind, error) {
	if isMetadataOnly(obj) || isUnstructuredAny(obj) {
		gvk := obj.GetObjectKind().GroupVersionKind()
		if gvk.Kind == "" || gvk.Version == "" {
			return gvk, apierrors.NewBadRequest(fmt.Sprintf("%T has no apiVersion or kind: set both (e.g. apiVersion: v1, kind: ConfigMap)", obj))
		}
		return gvk, nil
	}
	rt := reflect.TypeOf(obj)
	if v, ok := c.kinds.Load(rt); ok {
		return v.(schema.GroupVersionKind), nil
	}
	gvks, _, err := c.scheme.ObjectKinds(obj)
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	c.kinds.Store(rt, gvks[0])
	return gvks[0], nil
}

// resolve returns obj's kind and type.
func (c *Client) resolve(obj runtime.Object) (schema.GroupVersionKind, *registry.Type, error) {
	gvk, err := c.kindOf(obj)
	if err != nil {
		return gvk, nil, err
	}
	t, err := c.reg.TypeFor(gvk)
	if err != nil {
		return gvk, nil, err
	}
	return gvk, t, c.checkType(t)
}

// checkType refuses a type whose key segments could reach other types'
// objects (see storage.ValidateKey): a group "core" or "k1s.io", a group
// or resource that is not one key segment. Plugin discovery refuses such
// manifests already; this holds for any registry.
func (c *Client) checkType(t *registry.Type) error {
	if v, ok := c.typeErrs.Load(t); ok {
		err, _ := v.(error)
		return err
	}
	err := storage.ValidateGroupResource(t.GroupResource())
	if g := t.Kind.Group; err == nil && (g == storage.ReservedGroup || strings.HasSuffix(g, "."+storage.ReservedGroup)) {
		err = fmt.Errorf("group %q is reserved for k1s's own resources", g)
	}
	if err != nil {
		err = apierrors.NewBadRequest(fmt.Sprintf("type %s (resource %s) cannot be stored: %v", t.Kind, t.QualifiedResource(), err))
	}
	c.typeErrs.Store(t, err)
	return err
}

// objectKey returns the storage key of the object namespace/name of
// type t, refusing names that are not one key segment as client-go
// refuses them in a request's path ("invalid resource name").
func (c *Client) objectKey(t *registry.Type, namespace, name string) (string, error) {
	if !t.Namespaced {
		namespace = ""
	}
	if name == "" {
		return "", errors.New("resource name may not be empty")
	}
	if msgs := storage.PathSegmentProblems(name); len(msgs) > 0 {
		return "", fmt.Errorf("invalid resource name %q: %v", name, msgs)
	}
	if msgs := storage.PathSegmentProblems(namespace); len(msgs) > 0 {
		return "", fmt.Errorf("invalid namespace %q: %v", namespace, msgs)
	}
	return storage.Key(c.tenant, t.GroupResource(), namespace, name), nil
}

// resolveList returns the item kind and type of a list.
func (c *Client) resolveList(list runtime.Object) (schema.GroupVersionKind, *registry.Type, error) {
	gvk, err := c.kindOf(list)
	if err != nil {
		return gvk, nil, err
	}
	if !strings.HasSuffix(gvk.Kind, "List") {
		return gvk, nil, apierrors.NewBadRequest(fmt.Sprintf("%s is not a list kind: a list's kind ends in List", gvk.Kind))
	}
	gvk.Kind = strings.TrimSuffix(gvk.Kind, "List")
	t, err := c.reg.TypeFor(gvk)
	if err != nil {
		return gvk, nil, err
	}
	return gvk, t, c.checkType(t)
}

// key returns the storage key of one object of type t.
func (c *Client) key(t *registry.Type, namespace, name string) string {
	if !t.Namespaced {
		namespace = ""
	}
	return storage.Key(c.tenant, t.GroupResource(), namespace, name)
}

func isUnstructuredAny(obj runtime.Object) bool {
	_, ok := obj.(runtime.Unstructured)
	return ok
}

// isMetadataOnly reports whether obj is a metav1.PartialObjectMetadata or
// its list: objects read for their metadata alone, whose kind (like an
// unstructured object's) is set by the caller.
func isMetadataOnly(obj runtime.Object) bool {
	switch obj.(type) {
	case *metav1.PartialObjectMetadata, *metav1.PartialObjectMetadataList:
		return true
	}
	return false
}
