package cliruntime

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func describeString(t *testing.T, u *unstructured.Unstructured, events []*unstructured.Unstructured, withEvents bool) string {
	t.Helper()
	var b bytes.Buffer
	if err := Describe(&b, u, events, withEvents); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBuiltinDescribers holds the layout of kubectl's describers for the
// built-in kinds, byte for byte, and that no Secret value is printed.
func TestBuiltinDescribers(t *testing.T) {
	secret := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata": map[string]any{"name": "db", "namespace": "default", "labels": map[string]any{"app": "web", "tier": "db"},
			"annotations": map[string]any{LastAppliedAnnotation: `{"stringData":{"password":"hunter2"}}`, "note": "x"}},
		"data": map[string]any{"password": "aHVudGVyMg==", "user": "YWRtaW4=", "token": "c2VjcmV0LXRva2Vu"},
	}}
	got := describeString(t, secret, nil, true)
	want := "Name:         db\n" +
		"Namespace:    default\n" +
		"Labels:       app=web\n" +
		"              tier=db\n" +
		"Annotations:  note: x\n" +
		"\n" +
		"Type:  Opaque\n" +
		"\n" +
		"Data\n" +
		"====\n" +
		"password:  7 bytes\n" +
		"token:     12 bytes\n" +
		"user:      5 bytes\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Secret (-want +got):\n%s", diff)
	}
	for _, leak := range []string{"hunter2", "aHVudGVyMg", "admin", "secret-token"} {
		if strings.Contains(got, leak) {
			t.Errorf("describe secret prints %q", leak)
		}
	}
	// A service-account token is a value too.
	secret.Object["type"] = "kubernetes.io/service-account-token"
	if got := describeString(t, secret, nil, false); strings.Contains(got, "secret-token") || !strings.Contains(got, "token:     12 bytes\n") {
		t.Errorf("service-account-token Secret:\n%s", got)
	}
	secret.Object["data"] = map[string]any{"password": int64(3)}
	if _, err := (func() (string, error) {
		var b bytes.Buffer
		return b.String(), Describe(&b, secret, nil, false)
	})(); err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), `secret "db"`) {
		t.Errorf("unreadable Secret: %v", err)
	}

	cm := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata":   map[string]any{"name": "scripts", "namespace": "ops"},
		"data":       map[string]any{"install.sh": "#!/bin/sh\n# install step\necho hi\n", "b": "x\x1b[31m\r"},
		"binaryData": map[string]any{"blob": "AAEC"},
	}}
	ev := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Event", "metadata": map[string]any{"name": "e"},
		"type": "Normal", "reason": "Synced", "message": " done ", "source": map[string]any{"component": "ctl"},
		"involvedObject": map[string]any{"fieldPath": "data"},
	}}
	got = describeString(t, cm, []*unstructured.Unstructured{ev}, true)
	want = "Name:         scripts\n" +
		"Namespace:    ops\n" +
		"Labels:       <none>\n" +
		"Annotations:  <none>\n" +
		"\n" +
		"Data\n" +
		"====\n" +
		"b:\n" +
		"----\n" +
		"x^[[31m\\r\n" +
		"\n" +
		"install.sh:\n" +
		"----\n" +
		"#!/bin/sh\n" +
		"# install step\n" +
		"echo hi\n" +
		"\n" +
		"\n" +
		"\n" +
		"BinaryData\n" +
		"====\n" +
		"blob: 3 bytes\n" +
		"\n" +
		"Events:\n" +
		"  Type    Reason  Age        From  Message\n" +
		"  ----    ------  ----       ----  -------\n" +
		"  Normal  Synced  <unknown>  ctl   data: done\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ConfigMap (-want +got):\n%s", diff)
	}
	if got := describeString(t, cm, nil, false); strings.Contains(got, "Events") {
		t.Errorf("ConfigMap without events:\n%s", got)
	}

	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": "w", "labels": map[string]any{"kubernetes.io/metadata.name": "w"}},
		"status": map[string]any{"phase": "Terminating", "conditions": []any{map[string]any{
			"type": "NamespaceContentRemaining", "status": "True", "lastTransitionTime": "2026-01-02T03:04:05Z",
			"reason": "SomeResourcesRemain", "message": "Some resources are remaining: configmaps. has 1 resource instances"}}},
	}}
	got = describeString(t, ns, nil, true)
	want = "Name:         w\n" +
		"Labels:       kubernetes.io/metadata.name=w\n" +
		"Annotations:  <none>\n" +
		"Status:       Terminating\n" +
		"Conditions:\n" +
		"  Type                       Status  LastTransitionTime               Reason               Message\n" +
		"  ----                       ------  ------------------               ------               -------\n" +
		"  NamespaceContentRemaining  True    Fri, 02 Jan 2026 03:04:05 +0000  SomeResourcesRemain  Some resources are remaining: configmaps. has 1 resource instances\n" +
		"\n" +
		"No resource quota.\n" +
		"\n" +
		"No LimitRange resource.\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Namespace (-want +got):\n%s", diff)
	}

	sa := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount",
		"metadata":         map[string]any{"name": "builder", "namespace": "default"},
		"imagePullSecrets": []any{map[string]any{"name": "r1"}, map[string]any{"name": "r2"}},
	}}
	got = describeString(t, sa, []*unstructured.Unstructured{}, true)
	want = "Name:                builder\n" +
		"Namespace:           default\n" +
		"Labels:              <none>\n" +
		"Annotations:         <none>\n" +
		"Image pull secrets:  r1\n" +
		"                     r2\n" +
		"Events:              <none>\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ServiceAccount (-want +got):\n%s", diff)
	}
	delete(sa.Object, "imagePullSecrets")
	if got := describeString(t, sa, nil, false); !strings.Contains(got, "Image pull secrets:  <none>\n") {
		t.Errorf("ServiceAccount without pull secrets:\n%s", got)
	}

	for _, u := range []*unstructured.Unstructured{cm, ns, sa} {
		u.Object["metadata"] = []any{}
		var b bytes.Buffer
		if err := Describe(&b, u, nil, false); err == nil {
			t.Errorf("%s with bad metadata: no error", u.GetKind())
		}
	}
	if DescribesEvents(secretGK) || DescribesEvents(ns.GroupVersionKind().GroupKind()) || !DescribesEvents(cm.GroupVersionKind().GroupKind()) {
		t.Error("DescribesEvents")
	}
}

func TestRedactSecret(t *testing.T) {
	in := `{"apiVersion":"v1","kind":"Secret","data":{"password":"aHVudGVyMg=="},"stringData":{"user":"admin"},` +
		`"metadata":{"name":"s","annotations":{"` + LastAppliedAnnotation + `":"{\"stringData\":{\"password\":\"hunter2\"}"}}}`
	got := redactSecret([]byte(in))
	for _, leak := range []string{"hunter2", "aHVudGVyMg", "admin"} {
		if strings.Contains(got, leak) {
			t.Errorf("redacted Secret holds %q: %s", leak, got)
		}
	}
	for _, want := range []string{`"password":"<7 bytes>"`, `"user":"<5 bytes>"`, `not JSON`} {
		if !strings.Contains(got, want) {
			t.Errorf("redacted Secret lacks %s: %s", want, got)
		}
	}
	if got := redactSecret([]byte(`{"data":"x"}`)); got != `{"data":"<not shown>"}` {
		t.Errorf("data of the wrong type: %s", got)
	}
}
