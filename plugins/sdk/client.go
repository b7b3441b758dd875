package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// Transport carries one HostRequest to the host and brings its
// HostResponse back (both JSON). Inside a module it is the k1s.call
// import; a plugin's native tests may give NewClientWithTransport the
// host's own handler (plugins.Manager.Serve).
type Transport func(ctx context.Context, request []byte) ([]byte, error)

// Client is the restricted client the host offers: the k1s Client's
// verbs over objects given as any value that encodes to the object's
// JSON with its apiVersion and kind set — a typed Go struct with TypeMeta
// filled in, or an *Unstructured. What the manifest's permissions do not
// grant fails with a Forbidden StatusError.
type Client struct {
	transport Transport
}

// NewClientWithTransport returns a Client over t.
func NewClientWithTransport(t Transport) *Client { return &Client{transport: t} }

// StatusError is the host's error: a metav1.Status, as apierrors'.
type StatusError struct {
	Status abi.Status
}

func (e *StatusError) Error() string { return e.Status.Message }

// ReasonOf returns err's Status reason ("" when err is not a StatusError).
func ReasonOf(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status.Reason
	}
	return ""
}

// IsNotFound is apierrors.IsNotFound.
func IsNotFound(err error) bool { return ReasonOf(err) == "NotFound" }

// IsForbidden is apierrors.IsForbidden.
func IsForbidden(err error) bool { return ReasonOf(err) == "Forbidden" }

// IsConflict is apierrors.IsConflict.
func IsConflict(err error) bool { return ReasonOf(err) == "Conflict" }

// IsAlreadyExists is apierrors.IsAlreadyExists.
func IsAlreadyExists(err error) bool { return ReasonOf(err) == "AlreadyExists" }

// IgnoreNotFound is client.IgnoreNotFound.
func IgnoreNotFound(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}

// ListOption narrows a List.
type ListOption func(*abi.HostRequest)

// InNamespace lists one namespace.
func InNamespace(ns string) ListOption { return func(r *abi.HostRequest) { r.Namespace = ns } }

// MatchingLabels lists the objects carrying every label given.
func MatchingLabels(labels map[string]string) ListOption {
	return func(r *abi.HostRequest) {
		parts := make([]string, 0, len(labels))
		for _, k := range sortedStrings(labels) {
			parts = append(parts, k+"="+labels[k])
		}
		r.LabelSelector = strings.Join(parts, ",")
	}
}

func sortedStrings(m map[string]string) []string {
	a := make(map[string]any, len(m))
	for k := range m {
		a[k] = nil
	}
	return sortedKeys(a)
}

// header is what a request needs of an object.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

func headerOf(obj any) ([]byte, header, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, header{}, fmt.Errorf("encoding the object: %w", err)
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, header{}, fmt.Errorf("the object does not encode to a JSON object: %w", err)
	}
	if h.APIVersion == "" || h.Kind == "" {
		return nil, header{}, errors.New("the object has no apiVersion or kind: set its TypeMeta")
	}
	return raw, h, nil
}

// do sends req and decodes the answer's object into out (when not nil).
func (c *Client) do(ctx context.Context, req *abi.HostRequest, out any) error {
	in, err := json.Marshal(req)
	if err != nil {
		return err
	}
	raw, err := c.transport(ctx, in)
	if err != nil {
		return err
	}
	var resp abi.HostResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("decoding the host's answer: %w", err)
	}
	if resp.Error != nil {
		return &StatusError{Status: *resp.Error}
	}
	if out != nil && len(resp.Object) > 0 {
		if u, ok := out.(*Unstructured); ok {
			u.Object = nil
		}
		return json.Unmarshal(resp.Object, out)
	}
	return nil
}

// Get reads the object key names into obj, whose apiVersion and kind say
// which type.
func (c *Client) Get(ctx context.Context, key ObjectKey, obj any) error {
	_, h, err := headerOf(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, &abi.HostRequest{Verb: abi.VerbGet, APIVersion: h.APIVersion, Kind: h.Kind, Namespace: key.Namespace, Name: key.Name}, obj)
}

// List reads a list into list, whose apiVersion and kind (FooList) say
// which type.
func (c *Client) List(ctx context.Context, list any, opts ...ListOption) error {
	_, h, err := headerOf(list)
	if err != nil {
		return err
	}
	req := &abi.HostRequest{Verb: abi.VerbList, APIVersion: h.APIVersion, Kind: strings.TrimSuffix(h.Kind, "List")}
	for _, o := range opts {
		o(req)
	}
	return c.do(ctx, req, list)
}

func (c *Client) write(ctx context.Context, verb string, obj any) error {
	raw, h, err := headerOf(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, &abi.HostRequest{Verb: verb, APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name, Object: raw}, obj)
}

// Create creates obj and reads back what was stored.
func (c *Client) Create(ctx context.Context, obj any) error { return c.write(ctx, abi.VerbCreate, obj) }

// Update replaces obj (its resourceVersion is the precondition).
func (c *Client) Update(ctx context.Context, obj any) error { return c.write(ctx, abi.VerbUpdate, obj) }

// UpdateStatus is Status().Update: it writes obj's status only.
func (c *Client) UpdateStatus(ctx context.Context, obj any) error {
	return c.write(ctx, abi.VerbUpdateStatus, obj)
}

// Delete deletes obj.
func (c *Client) Delete(ctx context.Context, obj any) error {
	_, h, err := headerOf(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, &abi.HostRequest{Verb: abi.VerbDelete, APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name}, nil)
}

// Patch patches obj with patch, of patchType ("application/merge-patch+json",
// "application/json-patch+json", "application/strategic-merge-patch+json"),
// and reads back the result.
func (c *Client) Patch(ctx context.Context, obj any, patchType string, patch []byte) error {
	_, h, err := headerOf(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, &abi.HostRequest{Verb: abi.VerbPatch, APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name, Patch: patch, PatchType: patchType}, obj)
}

// Event records an event about obj (eventType Normal or Warning), as an
// EventRecorder's Event.
func (c *Client) Event(ctx context.Context, obj any, eventType, reason, message string) error {
	raw, h, err := headerOf(obj)
	if err != nil {
		return err
	}
	return c.do(ctx, &abi.HostRequest{Verb: abi.VerbEvent, APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name, Object: raw, EventType: eventType, Reason: reason, Message: message}, nil)
}

// Log writes message to the host's log, under the plugin's name.
func (c *Client) Log(ctx context.Context, message string) error {
	return c.do(ctx, &abi.HostRequest{Verb: abi.VerbLog, Message: message}, nil)
}
