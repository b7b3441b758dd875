// Command guest is the plugin the sandbox tests run: what it does is
// chosen by the name of the object it is asked about.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/k1s-dev/k1s/plugins/sdk"
)

var c = sdk.NewClient()

var sink [][]byte

func cm(ns, name string) *sdk.Unstructured {
	u := &sdk.Unstructured{}
	u.SetAPIVersionKind("v1", "ConfigMap")
	u.SetNested(name, "metadata", "name")
	u.SetNested(ns, "metadata", "namespace")
	return u
}

func validate(ctx context.Context, req *sdk.AdmissionRequest) ([]string, error) {
	switch name := req.Name; {
	case name == "noop":
		return nil, nil
	case name == "loop":
		for {
		}
	case name == "bomb":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case name == "panic":
		panic("the guest panicked on purpose")
	case name == "hostloop":
		for {
			_ = c.Get(ctx, sdk.ObjectKey{Namespace: "default", Name: "x"}, cm("", ""))
		}
	case name == "probe":
		var out []string
		_, err := os.ReadFile("/etc/hostname")
		out = append(out, fmt.Sprintf("file: %v", err))
		conn, err := net.Dial("tcp", "127.0.0.1:80")
		if conn != nil {
			conn.Close()
		}
		out = append(out, fmt.Sprintf("socket: %v", err))
		out = append(out, fmt.Sprintf("env: %q", os.Getenv("K1S_PLUGIN_SECRET")))
		out = append(out, fmt.Sprintf("environ: %d", len(os.Environ())))
		out = append(out, fmt.Sprintf("year: %d", time.Now().Year()))
		return nil, errors.New(strings.Join(out, "; "))
	case strings.HasPrefix(name, "read-"):
		// read-NS-NAME: get a ConfigMap, deny with what happened.
		parts := strings.SplitN(strings.TrimPrefix(name, "read-"), "-", 2)
		err := c.Get(ctx, sdk.ObjectKey{Namespace: parts[0], Name: parts[1]}, cm("", ""))
		return nil, fmt.Errorf("get: %v (forbidden=%v notfound=%v)", err, sdk.IsForbidden(err), sdk.IsNotFound(err))
	case name == "write-secret":
		s := &sdk.Unstructured{}
		s.SetAPIVersionKind("v1", "Secret")
		s.SetNested("stolen", "metadata", "name")
		s.SetNested("default", "metadata", "namespace")
		err := c.Create(ctx, s)
		return nil, fmt.Errorf("create: %v (forbidden=%v)", err, sdk.IsForbidden(err))
	case name == "list-all":
		list := &sdk.UnstructuredList{APIVersion: "v1", Kind: "ConfigMapList"}
		err := c.List(ctx, list)
		return nil, fmt.Errorf("list: %v (forbidden=%v)", err, sdk.IsForbidden(err))
	case name == "delete-cm":
		err := c.Delete(ctx, cm("default", "keep"))
		return nil, fmt.Errorf("delete: %v (forbidden=%v)", err, sdk.IsForbidden(err))
	case name == "big":
		return []string{strings.Repeat("x", 4<<20)}, nil
	case strings.HasPrefix(name, "warn"):
		warnings := []string{"the guest warns about " + name}
		if strings.HasSuffix(name, "-deny") {
			return warnings, errors.New("denied after a warning")
		}
		return warnings, nil
	case strings.HasPrefix(name, "deny"):
		return nil, errors.New("names starting with deny are refused")
	}
	_ = c.Log(ctx, "validated "+req.Name)
	return nil, nil
}

func mutate(ctx context.Context, req *sdk.AdmissionRequest, obj *sdk.Unstructured) error {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels["guest"] = "mutated"
	obj.SetLabels(labels)
	return nil
}

func reconcile(ctx context.Context, req sdk.Request) (sdk.Result, error) {
	if req.Name == "noop" {
		return sdk.Result{}, nil
	}
	if req.Name == "fail" {
		return sdk.Result{}, errors.New("this one always fails")
	}
	obj := cm("", "")
	if err := c.Get(ctx, req.NamespacedName, obj); err != nil {
		return sdk.Result{}, sdk.IgnoreNotFound(err)
	}
	if obj.NestedString("data", "seen") == "yes" {
		return sdk.Result{}, nil
	}
	obj.SetNested("yes", "data", "seen")
	if err := c.Update(ctx, obj); err != nil {
		return sdk.Result{}, err
	}
	_ = c.Event(ctx, obj, "Normal", "Seen", "the guest saw "+req.Name)
	return sdk.Result{}, nil
}

func init() {
	sdk.Register(sdk.Plugin{Validate: validate, Mutate: mutate, Reconcile: reconcile})
}

func main() {}
