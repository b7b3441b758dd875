package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/tetratelabs/wazero/api"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/plugins/abi"
)

// callState is what the host functions know of the call they serve.
type callState struct {
	p       *Plugin
	client  client.Client
	output  *outputBuffer
	pending []byte
	writes  int
	// stopped is why the module was told to stop (its context's error),
	// nil while it may run; mu guards it (watch sets it from the
	// context's goroutine).
	mu      sync.Mutex
	stopped error
}

func (s *callState) stopReason() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

type stateKey struct{}

func withState(ctx context.Context, s *callState) context.Context {
	return context.WithValue(ctx, stateKey{}, s)
}

// hostCall is k1s.call(ptr, len) -> len: it serves one HostRequest and
// keeps the answer for take.
func hostCall(ctx context.Context, mod api.Module, stack []uint64) {
	state, _ := ctx.Value(stateKey{}).(*callState)
	ptr, size := uint32(stack[0]), uint32(stack[1])
	var resp abi.HostResponse
	switch {
	case state == nil:
		resp = errorResponse(apierrors.NewInternalError(errors.New("a host call outside a plugin call")))
	case size > abi.MaxMessageBytes:
		resp = errorResponse(apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the request is %d bytes, more than the ABI's %d", size, abi.MaxMessageBytes)))
	default:
		raw, ok := mod.Memory().Read(ptr, size)
		if !ok {
			panic(state.p.errorf("k1s.call: the request (%d bytes at %#x) lies outside the module's memory", size, ptr))
		}
		resp = state.serve(ctx, raw)
	}
	out, _ := json.Marshal(resp)
	if state != nil {
		state.pending = out
	}
	stack[0] = uint64(len(out))
}

// hostTake is k1s.take(ptr): it copies the pending answer into the
// module's memory.
func hostTake(ctx context.Context, mod api.Module, stack []uint64) {
	state, _ := ctx.Value(stateKey{}).(*callState)
	if state == nil {
		return
	}
	if !mod.Memory().Write(uint32(stack[0]), state.pending) {
		panic(state.p.errorf("k1s.take: the buffer at %#x lies outside the module's memory", uint32(stack[0])))
	}
	state.pending = nil
}

func errorResponse(err error) abi.HostResponse {
	var st metav1.Status
	if s, ok := err.(apierrors.APIStatus); ok {
		st = s.Status()
	} else {
		st = apierrors.NewInternalError(err).Status()
	}
	return abi.HostResponse{Error: &abi.Status{Code: st.Code, Reason: string(st.Reason), Message: st.Message}}
}

// Serve answers one HostRequest (JSON) as the module's k1s.call import
// does, with the plugin's permissions, through the manager's client: the
// host side of the ABI, which a plugin's native tests can hand to
// sdk.NewClientWithTransport.
func (p *Plugin) Serve(ctx context.Context, request []byte) ([]byte, error) {
	state := &callState{p: p, client: p.m.getClient(), output: &outputBuffer{}}
	return json.Marshal(state.serve(ctx, request))
}

func (s *callState) serve(ctx context.Context, raw []byte) abi.HostResponse {
	var req abi.HostRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return errorResponse(apierrors.NewBadRequest(s.p.errorf("k1s.call: the request is not a HostRequest: %v", err).Error()))
	}
	if req.Verb == abi.VerbLog {
		s.p.m.opts.Logger.Info(truncate(req.Message, 1024), "plugin", s.p.Name())
		return abi.HostResponse{}
	}
	if s.client == nil {
		return errorResponse(apierrors.NewServiceUnavailable(s.p.errorf("no client to serve %s", req.Verb).Error()))
	}
	obj, err := s.do(ctx, &req)
	if err != nil {
		return errorResponse(err)
	}
	var resp abi.HostResponse
	if obj != nil {
		if resp.Object, err = json.Marshal(obj); err != nil {
			return errorResponse(apierrors.NewInternalError(err))
		}
	}
	return resp
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// target is what a request acts on, as RBAC sees it.
type target struct {
	gvk       schema.GroupVersionKind
	gr        schema.GroupResource
	namespace string
	name      string
	cluster   bool // a cluster-scoped resource
}

func (s *callState) resolve(apiVersion, kind, namespace, name string) (*target, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" {
		return nil, apierrors.NewBadRequest(s.p.errorf("apiVersion %q kind %q: not a kind", apiVersion, kind).Error())
	}
	gvk := gv.WithKind(kind)
	mapping, err := s.client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, apierrors.NewBadRequest(s.p.errorf("%s: %v", gvk, err).Error())
	}
	t := &target{gvk: gvk, gr: mapping.Resource.GroupResource(), namespace: namespace, name: name, cluster: mapping.Scope.Name() != meta.RESTScopeNameNamespace}
	if t.cluster {
		t.namespace = ""
	}
	return t, nil
}

// allowed reports whether the manifest grants verb on resource (which
// may be plural/status) of group in namespace ("" for the cluster scope
// or every namespace).
func (p *Plugin) allowed(verb, group, resource, namespace string) bool {
	for _, perm := range p.Manifest.Spec.Permissions {
		if !matches(perm.Verbs, verb) || !matches(perm.APIGroups, group) || !matches(perm.Resources, resource) {
			continue
		}
		if len(perm.Namespaces) == 0 || slices.Contains(perm.Namespaces, "*") || (namespace != "" && slices.Contains(perm.Namespaces, namespace)) {
			return true
		}
	}
	return false
}

func matches(list []string, v string) bool {
	return slices.Contains(list, "*") || slices.Contains(list, v)
}

// authorize returns the API server's Forbidden error for a request RBAC
// would deny, worded as RBAC words it.
func (s *callState) authorize(verb string, t *target, subresource string) error {
	resource := t.gr.Resource
	if subresource != "" {
		resource += "/" + subresource
	}
	if s.p.allowed(verb, t.gr.Group, resource, t.namespace) {
		return nil
	}
	where := "at the cluster scope"
	if t.namespace != "" {
		where = fmt.Sprintf("in the namespace %q", t.namespace)
	}
	return apierrors.NewForbidden(t.gr, t.name, fmt.Errorf("plugin %q cannot %s resource %q in API group %q %s", s.p.Name(), verb, resource, t.gr.Group, where))
}

// decodeObject decodes a write's object and checks it is the one the
// request names: permissions are checked against what is written.
func (s *callState) decodeObject(req *abi.HostRequest) (*unstructured.Unstructured, *target, error) {
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(req.Object); err != nil {
		return nil, nil, apierrors.NewBadRequest(s.p.errorf("%s: the object: %v", req.Verb, err).Error())
	}
	if u.GetAPIVersion() != req.APIVersion || u.GetKind() != req.Kind || u.GetNamespace() != req.Namespace || u.GetName() != req.Name {
		return nil, nil, apierrors.NewBadRequest(s.p.errorf("%s: the object is %s %s/%s, the request names %s %s %s/%s", req.Verb, u.GetAPIVersion(), u.GetNamespace(), u.GetName(), req.APIVersion, req.Kind, req.Namespace, req.Name).Error())
	}
	t, err := s.resolve(req.APIVersion, req.Kind, req.Namespace, req.Name)
	if err != nil {
		return nil, nil, err
	}
	if t.cluster {
		u.SetNamespace("")
	}
	return u, t, nil
}

func (s *callState) do(ctx context.Context, req *abi.HostRequest) (any, error) {
	switch req.Verb {
	case abi.VerbGet, abi.VerbList, abi.VerbDelete, abi.VerbPatch:
		t, err := s.resolve(req.APIVersion, req.Kind, req.Namespace, req.Name)
		if err != nil {
			return nil, err
		}
		if err := s.authorize(req.Verb, t, ""); err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(t.gvk)
		u.SetNamespace(t.namespace)
		u.SetName(t.name)
		switch req.Verb {
		case abi.VerbGet:
			return u, s.client.Get(ctx, types.NamespacedName{Namespace: t.namespace, Name: t.name}, u)
		case abi.VerbList:
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(t.gvk.GroupVersion().WithKind(t.gvk.Kind + "List"))
			opts := []client.ListOption{client.InNamespace(t.namespace)}
			if req.LabelSelector != "" {
				sel, err := labels.Parse(req.LabelSelector)
				if err != nil {
					return nil, apierrors.NewBadRequest(s.p.errorf("list: labelSelector %q: %v", req.LabelSelector, err).Error())
				}
				opts = append(opts, client.MatchingLabelsSelector{Selector: sel})
			}
			return list, s.client.List(ctx, list, opts...)
		case abi.VerbDelete:
			s.writes++
			return nil, s.client.Delete(ctx, u)
		default:
			s.writes++
			return u, s.client.Patch(ctx, u, client.RawPatch(types.PatchType(req.PatchType), req.Patch))
		}
	case abi.VerbCreate, abi.VerbUpdate, abi.VerbUpdateStatus:
		u, t, err := s.decodeObject(req)
		if err != nil {
			return nil, err
		}
		verb, sub := req.Verb, ""
		if verb == abi.VerbUpdateStatus {
			verb, sub = abi.VerbUpdate, "status"
		}
		if err := s.authorize(verb, t, sub); err != nil {
			return nil, err
		}
		s.writes++
		switch req.Verb {
		case abi.VerbCreate:
			return u, s.client.Create(ctx, u)
		case abi.VerbUpdate:
			return u, s.client.Update(ctx, u)
		default:
			return u, s.client.Status().Update(ctx, u)
		}
	case abi.VerbEvent:
		return nil, s.event(ctx, req)
	}
	return nil, apierrors.NewBadRequest(s.p.errorf("k1s.call: unknown verb %q", req.Verb).Error())
}

// event records a core/v1 Event about the request's object, as an
// EventRecorder would (one object per call: a one-shot command has no
// aggregation).
func (s *callState) event(ctx context.Context, req *abi.HostRequest) error {
	about, err := s.resolve(req.APIVersion, req.Kind, req.Namespace, req.Name)
	if err != nil {
		return err
	}
	ns := about.namespace
	if ns == "" {
		ns = metav1.NamespaceDefault
	}
	evTarget := &target{gr: schema.GroupResource{Resource: "events"}, namespace: ns, name: req.Name}
	if err := s.authorize("create", evTarget, ""); err != nil {
		return err
	}
	if req.EventType != corev1.EventTypeNormal && req.EventType != corev1.EventTypeWarning {
		return apierrors.NewBadRequest(s.p.errorf("event: type %q is neither Normal nor Warning", req.EventType).Error())
	}
	var uid types.UID
	if len(req.Object) > 0 {
		var m metav1.PartialObjectMetadata
		if json.Unmarshal(req.Object, &m) == nil {
			uid = m.UID
		}
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: eventName(req.Name, now), Namespace: ns},
		InvolvedObject: corev1.ObjectReference{
			APIVersion: req.APIVersion, Kind: req.Kind, Namespace: about.namespace, Name: req.Name, UID: uid,
		},
		Reason: req.Reason, Message: truncate(req.Message, 1024), Type: req.EventType,
		Source:         corev1.EventSource{Component: "plugin/" + s.p.Name()},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	s.writes++
	return s.client.Create(ctx, ev)
}

// eventName names an event as client-go's recorder does: the object's
// name and the time in hex.
func eventName(object string, now metav1.Time) string {
	if object == "" {
		object = "plugin"
	}
	return fmt.Sprintf("%s.%x", object, now.UnixNano())
}
