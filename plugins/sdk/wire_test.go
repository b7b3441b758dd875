package sdk

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// wireSamples are messages the hand-written reader must read as
// encoding/json does: what the host sends, and what it never sends.
var wireSamples = []string{
	`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"ConfigMap"},"resource":{"group":"","version":"v1","resource":"configmaps"},"name":"noop","namespace":"default","operation":"CREATE","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"noop","labels":{"a":"b\"c"}},"data":{"n":[1,-2.5e3,true,false,null]}},"oldObject":null,"dryRun":true,"hook":"validate"}}`,
	` { "request" : { "uid" : "u" , "hook" : "mutate" , "object" : [ ] , "extra" : {"x":[{}]} } , "other" : 1 } `,
	`{"request":{"uid":"caf\u00e9"}}`,
	`{"request":{"uid":"café","name":"ünï"}}`,
	`{"request":{"UID":"upper"}}`,
	`{"request":{"uid":"a"},"Request":{"uid":"b"}}`,
	`{"request":{"uid":"a"}}{}`,
	`{"request":{"uid":"a","object":{"a":}}}`,
	`{"request":{"uid":"a","object":{"a":tru}}}`,
	`{"request":{"uid":"a","extra":[1,2}}}`,
	`{"request":{"uid":"a","dryRun":"yes"}}`,
	`{"request":{"uid":null}}`,
	`{"request":null}`,
	`{"response":{"uid":"a","allowed":true}}`,
	`{"request":{"uid":"a\x01"}}`,
	"{\"request\":{\"uid\":\"\xff\"}}",
	`{"request":{"kind":{"group":"g","version":"v","kind":"K","x":1},"resource":{"group":"g","version":"v","resource":"ks","Group":"G"}}}`,
	`{"request":{"object":"a string","oldObject":12}}`,
	`{"request":{"uid":"a"`,
	`{"request":{"uid":"a" "name":"b"}}`,
	`[]`,
	``,
	`{}`,
}

func TestDecodeReviewMatchesEncodingJSON(t *testing.T) {
	for _, s := range wireSamples {
		checkDecodeReview(t, []byte(s))
	}
}

func checkDecodeReview(t *testing.T, payload []byte) {
	t.Helper()
	var want abi.AdmissionReview
	wantErr := json.Unmarshal(payload, &want)
	got, err := decodeReview(payload)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: err = %v, encoding/json's %v", payload, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(*got, want) {
		t.Fatalf("%q:\n got %+v %+v\nwant %+v %+v", payload, got, got.Request, want, want.Request)
	}
}

func TestDecodeReconcileMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{"apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"noop"}`,
		`{"apiVersion":"v1","kind":"ConfigMap","name":"x","extra":[1]}`,
		`{"Name":"x"}`,
		`{"name":"\u0041"}`,
		`{"name":1}`,
		`{"name":"x","extra":[}`,
		`nope`,
	} {
		var want, got abi.ReconcileRequest
		wantErr := json.Unmarshal([]byte(s), &want)
		err := decodeReconcile([]byte(s), &got)
		if (err != nil) != (wantErr != nil) || (err == nil && got != want) {
			t.Fatalf("%q: got %+v, %v; encoding/json %+v, %v", s, got, err, want, wantErr)
		}
	}
}

func FuzzDecodeReview(f *testing.F) {
	for _, s := range wireSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) { checkDecodeReview(t, payload) })
}

func TestAppendReviewIsJSON(t *testing.T) {
	for _, resp := range []abi.AdmissionResponse{
		{UID: "u", Allowed: true},
		{UID: "u\"\\\n\x01é", Allowed: false, Result: &abi.Status{Code: 403, Reason: "Forbidden", Message: "no \"way\""}},
		{UID: "u", Result: &abi.Status{Message: "only a message"}},
		{UID: "u", Result: &abi.Status{Reason: "R"}},
		{UID: "\xff", Allowed: true, Patch: []byte(`[{"op":"add"}]`), PatchType: "JSONPatch", Warnings: []string{"one", "two\t"}},
	} {
		out := appendReview(nil, &resp)
		var got abi.AdmissionReview
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		var want abi.AdmissionReview
		b, _ := json.Marshal(abi.AdmissionReview{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview", Response: &resp})
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s decodes to %+v, json.Marshal's to %+v", out, got.Response, want.Response)
		}
	}
	for _, res := range []abi.ReconcileResult{{}, {Requeue: true}, {RequeueAfterMS: 5}, {Requeue: true, RequeueAfterMS: 5, Error: "e\""}, {Error: "only"}} {
		var got abi.ReconcileResult
		if err := json.Unmarshal(appendResult(nil, &res), &got); err != nil || got != res {
			t.Fatalf("%+v: %s decodes to %+v, %v", res, appendResult(nil, &res), got, err)
		}
	}
}
