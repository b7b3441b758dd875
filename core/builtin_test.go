package core_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/core/coretest"
	"github.com/k1s-dev/k1s/storage/memory"
)

func newBuiltinClient(t *testing.T) *core.Client {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The expected messages are the API server's (pkg/apis/core/validation
// ValidateSecret, ValidateSecretUpdate, ValidateConfigMap and
// ValidateConfigMapUpdate of k8s.io/kubernetes v1.37), as
// apierrors.NewInvalid renders them; causes in the order the API server
// finds them, map keys sorted.
func TestSecretValidation(t *testing.T) {
	big := []byte(strings.Repeat("x", 1024*1024))
	tests := []struct {
		name   string
		secret corev1.Secret
		want   string // "" means valid
	}{
		{"opaque", corev1.Secret{Data: map[string][]byte{"k": []byte("v")}}, ""},
		{"custom type", corev1.Secret{Type: "example.com/thing"}, ""},
		{"bad key", corev1.Secret{Data: map[string][]byte{"a/b": nil, "ok": nil}},
			`Secret "s" is invalid: data[a/b]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`},
		{"stringData keys too", corev1.Secret{StringData: map[string]string{"..": "x"}},
			`Secret "s" is invalid: data[..]: Invalid value: "..": must not be '..'`},
		{"exactly 1 MiB", corev1.Secret{Data: map[string][]byte{"a": big}}, ""},
		{"over 1 MiB", corev1.Secret{Data: map[string][]byte{"a": big, "b": []byte("y")}},
			`Secret "s" is invalid: data: Too long: may not be more than 1048576 bytes`},
		{"tls without keys", corev1.Secret{Type: corev1.SecretTypeTLS},
			`Secret "s" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]`},
		{"tls without key", corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("c")}},
			`Secret "s" is invalid: data[tls.key]: Required value`},
		{"tls with empty values", corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": nil, "tls.key": nil}}, ""},
		{"dockerconfigjson missing", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson},
			`Secret "s" is invalid: data[.dockerconfigjson]: Required value`},
		{"dockerconfigjson not JSON", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte("nope")}},
			`Secret "s" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": invalid character 'o' in literal null (expecting 'u')`},
		{"dockerconfigjson not an object", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte("[]")}},
			`Secret "s" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}`},
		{"dockerconfigjson", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{".dockerconfigjson": []byte(`{"auths":{}}`)}}, ""},
		{"dockercfg missing", corev1.Secret{Type: corev1.SecretTypeDockercfg},
			`Secret "s" is invalid: data[.dockercfg]: Required value`},
		{"dockercfg truncated", corev1.Secret{Type: corev1.SecretTypeDockercfg, Data: map[string][]byte{".dockercfg": []byte(`{"a":`)}},
			`Secret "s" is invalid: data[.dockercfg]: Invalid value: "<secret contents redacted>": unexpected end of JSON input`},
		{"dockercfg", corev1.Secret{Type: corev1.SecretTypeDockercfg, Data: map[string][]byte{".dockercfg": []byte(`{}`)}}, ""},
		{"basic-auth neither", corev1.Secret{Type: corev1.SecretTypeBasicAuth},
			`Secret "s" is invalid: [data[username]: Required value, data[password]: Required value]`},
		{"basic-auth password only", corev1.Secret{Type: corev1.SecretTypeBasicAuth, Data: map[string][]byte{"password": nil}}, ""},
		{"ssh-auth empty key", corev1.Secret{Type: corev1.SecretTypeSSHAuth, Data: map[string][]byte{"ssh-privatekey": nil}},
			`Secret "s" is invalid: data[ssh-privatekey]: Required value`},
		{"ssh-auth", corev1.Secret{Type: corev1.SecretTypeSSHAuth, Data: map[string][]byte{"ssh-privatekey": []byte("k")}}, ""},
		{"service-account-token without name", corev1.Secret{Type: corev1.SecretTypeServiceAccountToken},
			`Secret "s" is invalid: metadata.annotations[kubernetes.io/service-account.name]: Required value`},
		{"service-account-token", corev1.Secret{Type: corev1.SecretTypeServiceAccountToken,
			ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"kubernetes.io/service-account.name": "default"}}}, ""},
		{"several problems", corev1.Secret{Type: corev1.SecretTypeTLS, Data: map[string][]byte{"b@d": nil, "tls.key": nil}},
			`Secret "s" is invalid: [data[b@d]: Invalid value: "b@d": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+'), data[tls.crt]: Required value]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newBuiltinClient(t)
			s := tc.secret.DeepCopy()
			s.Name, s.Namespace = "s", "default"
			err := c.Create(t.Context(), s)
			checkInvalid(t, err, tc.want)
			if err != nil {
				return
			}
			// The same rules hold on update.
			u := &corev1.Secret{}
			if err := c.Get(t.Context(), client.ObjectKeyFromObject(s), u); err != nil {
				t.Fatal(err)
			}
			u.Labels = map[string]string{"touched": "yes"}
			if err := c.Update(t.Context(), u); err != nil {
				t.Fatalf("metadata update of a valid Secret: %v", err)
			}
		})
	}
}

func TestSecretUpdateValidation(t *testing.T) {
	c := newBuiltinClient(t)
	ctx := t.Context()
	tls := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "default"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"tls.crt": []byte("c"), "tls.key": []byte("k")}}
	if err := c.Create(ctx, tls); err != nil {
		t.Fatal(err)
	}
	get := func(name string) *corev1.Secret {
		s := &corev1.Secret{}
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: name}, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := get("tls")
	delete(s.Data, "tls.key")
	checkInvalid(t, c.Update(ctx, s), `Secret "tls" is invalid: data[tls.key]: Required value`)
	s = get("tls")
	s.Type = corev1.SecretTypeOpaque
	checkInvalid(t, c.Update(ctx, s), `Secret "tls" is invalid: type: Invalid value: "Opaque": field is immutable`)
	// A patch is validated as the object it produces.
	err := c.Patch(ctx, get("tls"), client.RawPatch("application/merge-patch+json", []byte(`{"data":{"tls.crt":null}}`)))
	checkInvalid(t, err, `Secret "tls" is invalid: data[tls.crt]: Required value`)

	frozen := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: "default"}, Immutable: new(true),
		Data: map[string][]byte{"k": []byte("v")}}
	if err := c.Create(ctx, frozen); err != nil {
		t.Fatal(err)
	}
	s = get("frozen")
	s.Data["k"] = []byte("w")
	s.Immutable = nil
	s.Type = "example.com/other"
	checkInvalid(t, c.Update(ctx, s), "Secret \"frozen\" is invalid: [type: Invalid value: \"example.com/other\": field is immutable, "+
		"immutable: Forbidden: field is immutable when `immutable` is set, data: Forbidden: field is immutable when `immutable` is set]")
	s = get("frozen")
	s.Labels = map[string]string{"metadata": "may-change"}
	if err := c.Update(ctx, s); err != nil {
		t.Errorf("metadata update of an immutable Secret: %v", err)
	}
}

func TestConfigMapValidation(t *testing.T) {
	c := newBuiltinClient(t)
	ctx := t.Context()
	big := strings.Repeat("x", 1024*1024)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "big", Namespace: "default"},
		Data: map[string]string{"a": big}, BinaryData: map[string][]byte{"b": []byte("y")}}
	checkInvalid(t, c.Create(ctx, cm), `ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes`)
	cm.BinaryData = nil
	if err := c.Create(ctx, cm); err != nil {
		t.Fatalf("a ConfigMap of exactly 1 MiB: %v", err)
	}

	frozen := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: "default"}, Immutable: new(true),
		Data: map[string]string{"k": "v"}}
	if err := c.Create(ctx, frozen); err != nil {
		t.Fatal(err)
	}
	got := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(frozen), got); err != nil {
		t.Fatal(err)
	}
	// The immutability errors come first, then the object's own.
	got.Data = map[string]string{"k": "w", "b@d": ""}
	checkInvalid(t, c.Update(ctx, got), "ConfigMap \"frozen\" is invalid: [data: Forbidden: field is immutable when `immutable` is set, "+
		`data[b@d]: Invalid value: "b@d": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')]`)
}

// TestEventValidation checks the API server's legacyValidateEvent for
// core/v1 Events (kube-apiserver v1.37.2 refused "ev" of the first case
// with this message to kubectl create).
func TestEventValidation(t *testing.T) {
	c := newBuiltinClient(t)
	ctx := t.Context()
	ref := corev1.ObjectReference{Kind: "ConfigMap", Name: "m", APIVersion: "v1"}
	inNS := func(ns string) corev1.ObjectReference { r := ref; r.Namespace = ns; return r }
	long := strings.Repeat("x", 129)
	when := metav1.NewMicroTime(time.Unix(1, 0))
	tests := []struct {
		name  string
		event corev1.Event
		want  string
	}{
		{"other namespace, involved object in none", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev", Namespace: "team"}, InvolvedObject: ref},
			`Event "ev" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace`},
		{"default namespace, involved object in none", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev2", Namespace: "default"}, InvolvedObject: ref}, ""},
		{"namespaces differ", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev3", Namespace: "default"}, InvolvedObject: inNS("team")},
			`Event "ev3" is invalid: involvedObject.namespace: Invalid value: "team": does not match event.namespace`},
		{"same namespace", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev4", Namespace: "default"}, InvolvedObject: inNS("default")}, ""},
		{"new style, nothing reported", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev5", Namespace: "team"}, InvolvedObject: ref, EventTime: when},
			`Event "ev5" is invalid: [involvedObject.namespace: Invalid value: "": does not match event.namespace, reportingComponent: Required value, ` +
				`reportingComponent: Invalid value: "": name part must be non-empty, reportingComponent: Invalid value: "": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), ` +
				`reportingInstance: Required value, action: Required value, reason: Required value]`},
		{"new style, too long", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev6", Namespace: "default"}, InvolvedObject: inNS("default"), EventTime: when,
			ReportingController: "k1s.dev/test", ReportingInstance: long, Action: long, Reason: long, Message: strings.Repeat("m", 1025)},
			`Event "ev6" is invalid: [reportingInstance: Invalid value: "": can have at most 128 characters, action: Invalid value: "": can have at most 128 characters, ` +
				`reason: Invalid value: "": can have at most 128 characters, message: Invalid value: "": can have at most 1024 characters]`},
		{"new style, complete", corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "ev7", Namespace: "default"}, InvolvedObject: inNS("default"), EventTime: when,
			ReportingController: "k1s.dev/test", ReportingInstance: "host", Action: "Test", Reason: "Tested"}, ""},
	}
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkInvalid(t, c.Create(ctx, tt.event.DeepCopy()), tt.want)
		})
	}
	// Updates are held to the same rules.
	ev := &corev1.Event{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "ev4"}, ev); err != nil {
		t.Fatal(err)
	}
	ev.InvolvedObject.Namespace = "team"
	checkInvalid(t, c.Update(ctx, ev), `Event "ev4" is invalid: involvedObject.namespace: Invalid value: "team": does not match event.namespace`)
}

// checkInvalid asserts err is the Invalid error with message want, or nil
// when want is "".
func checkInvalid(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("error = %v, want Invalid %q", err, want)
	}
	if err.Error() != want {
		t.Errorf("error =\n%s\nwant\n%s", err, want)
	}
}

// TestNoStatusSubresource checks the API server's 404s for the status of
// a kind that has none: a missing route for a built-in kind, the CRD
// handler's NotFound naming the object for a custom resource.
func TestNoStatusSubresource(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "default"}}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	err = c.Status().Update(ctx, cm)
	if !apierrors.IsNotFound(err) || err.Error() != "the server could not find the requested resource" {
		t.Errorf("Status().Update of a ConfigMap = %v, want the missing route's NotFound", err)
	}
	w := &unstructured.Unstructured{}
	w.SetGroupVersionKind(coretest.WarehouseGVK)
	w.SetName("w")
	if err := c.Create(ctx, w); err != nil {
		t.Fatal(err)
	}
	err = c.Status().Patch(ctx, w, client.RawPatch("application/merge-patch+json", []byte(`{}`)))
	if !apierrors.IsNotFound(err) || err.Error() != `warehouses.inventory.example.com "w" not found` {
		t.Errorf("Status().Patch of a Warehouse = %v, want the CRD handler's NotFound", err)
	}
}

// TestTypedCustomResourceHasNoEmptyStatus: a custom resource with a
// status subresource written through its Go type is stored as the API
// server stores it, with no "status: {}" its writer never set (issue 10.5).
func TestTypedCustomResourceHasNoEmptyStatus(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	c, err := core.New(core.Options{Storage: s, Scheme: coretest.NewScheme(), Registry: coretest.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	it := &coretest.Item{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "default"}, Spec: coretest.ItemSpec{Quantity: 1}}
	status := func(when string) (any, bool) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(coretest.ItemGVK)
		if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "i"}, u); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		st, ok := u.Object["status"]
		return st, ok
	}
	if err := c.Create(ctx, it); err != nil {
		t.Fatal(err)
	}
	if st, ok := status("create"); ok {
		t.Errorf("after create: status %v, want none", st)
	}
	it.Spec.Quantity = 2
	if err := c.Update(ctx, it); err != nil {
		t.Fatal(err)
	}
	if st, ok := status("update"); ok {
		t.Errorf("after update: status %v, want none", st)
	}
	it.Status.Phase = "Ready"
	if err := c.Status().Update(ctx, it); err != nil {
		t.Fatal(err)
	}
	if st, _ := status("status update"); !reflect.DeepEqual(st, map[string]any{"phase": "Ready"}) {
		t.Errorf("after the status update: status %v, want phase Ready", st)
	}
}
