package core_test

import (
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core/coretest"
)

// TestPatchAnswers checks the API server's answers to patches that do
// not apply, in its words (kube-apiserver v1.37.2 gave each of these to
// kubectl patch in the parity run): the body's checks before the object
// is read, an operation that fails, a rename, and a patched object its
// Go type refuses, quoted in the server's field order.
func TestPatchAnswers(t *testing.T) {
	c := ssaClient(t, "")
	ctx := t.Context()
	cm := &unstructured.Unstructured{}
	cm.SetGroupVersionKind(coretest.ConfigMapGVK)
	cm.SetNamespace("default")
	cm.SetName("p")
	_ = unstructured.SetNestedStringMap(cm.Object, map[string]string{"a": "1"}, "data")
	if err := c.Create(ctx, cm.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		pt   types.PatchType
		body string
		code int32
		msg  string // the error's text, or its start when it ends with "..."
	}{
		{"not JSON", types.MergePatchType, `{not json`, http.StatusBadRequest, `invalid JSON patch`},
		{"JSON patch not a list", types.JSONPatchType, `{"op":"add"}`, http.StatusBadRequest,
			`error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp`},
		{"merge patch not an object", types.MergePatchType, `[1]`, http.StatusBadRequest,
			`error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}`},
		{"strategic patch not an object", types.StrategicMergePatchType, `[1]`, http.StatusBadRequest,
			`json: cannot unmarshal array into Go value of type map[string]interface {}`},
		{"an operation that fails", types.JSONPatchType, `[{"op":"remove","path":"/data/zzz"}]`, http.StatusUnprocessableEntity,
			`the server rejected our request due to an error in our request`},
		{"a rename", types.MergePatchType, `{"metadata":{"name":"q"}}`, http.StatusBadRequest,
			`the name of the object (q) does not match the name on the URL (p)`},
		{"another namespace", types.MergePatchType, `{"metadata":{"namespace":"kube-system"}}`, http.StatusBadRequest,
			`the namespace of the object (kube-system) does not match the namespace on the URL (default)`},
		{"a value its type refuses", types.MergePatchType, `{"data":{"n":1}}`, http.StatusUnprocessableEntity,
			`patch: Invalid value: "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\",\"n\":1},\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\",\"uid\":...`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Patch(ctx, cm.DeepCopy(), client.RawPatch(tc.pt, []byte(tc.body)))
			se, ok := err.(*apierrors.StatusError) //nolint:errorlint // the client returns the status error itself
			if !ok {
				t.Fatalf("error = %v (%T), want a status error", err, err)
			}
			if se.ErrStatus.Code != tc.code {
				t.Errorf("code = %d, want %d", se.ErrStatus.Code, tc.code)
			}
			got := se.ErrStatus.Message
			if se.ErrStatus.Details != nil && len(se.ErrStatus.Details.Causes) > 0 {
				got = se.ErrStatus.Details.Causes[0].Field + ": " + se.ErrStatus.Details.Causes[0].Message
				if strings.HasPrefix(tc.msg, "patch: Invalid value: ") {
					got = err.Error()[strings.Index(err.Error(), "patch: "):]
				}
			}
			if want, prefix := strings.CutSuffix(tc.msg, "..."); prefix && !strings.HasPrefix(got, want) || !prefix && got != tc.msg {
				t.Errorf("message =\n%s\nwant\n%s", got, tc.msg)
			}
		})
	}
	// A server-side apply patch that does not fit the schema: a 500
	// without a reason.
	_, err := rawApply(c, t, coretest.ItemGVK, "default", "i", `{"apiVersion":"inventory.example.com/v1alpha1","kind":"Item","metadata":{"name":"i","namespace":"default"},"spec":{"quantity":"many"}}`, client.FieldOwner("m"))
	if se, ok := err.(*apierrors.StatusError); !ok || se.ErrStatus.Code != http.StatusInternalServerError || se.ErrStatus.Reason != "" || //nolint:errorlint // as above
		!strings.HasPrefix(se.ErrStatus.Message, "failed to create typed patch object (default/i; inventory.example.com/v1alpha1, Kind=Item): .spec.quantity: expected numeric") {
		t.Errorf("apply of a string quantity: %v", err)
	}
}

// TestUnsupportedFieldSelectors checks the API server's two wordings of
// a field selector it cannot serve: the scheme's default conversion for
// a built-in kind, the CRD handler's for a custom resource.
func TestUnsupportedFieldSelectors(t *testing.T) {
	c := ssaClient(t, "")
	for _, tc := range []struct {
		list *unstructured.UnstructuredList
		sel  string
		want string
	}{
		{listOf(coretest.ConfigMapGVK.Kind + "List"), "data.x=y", `"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"`},
		{listOf(coretest.ItemGVK.Kind + "List"), "spec.x=y", `field label not supported: spec.x`},
	} {
		err := c.List(t.Context(), tc.list, client.InNamespace("default"), client.MatchingFieldsSelector{Selector: fields.ParseSelectorOrDie(tc.sel)})
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s with %s: %v, want BadRequest saying %s", tc.list.GetKind(), tc.sel, err, tc.want)
		}
	}
}

func listOf(kind string) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{}
	switch kind {
	case coretest.ItemGVK.Kind + "List":
		l.SetGroupVersionKind(coretest.ItemGVK.GroupVersion().WithKind(kind))
	default:
		l.SetGroupVersionKind(coretest.ConfigMapGVK.GroupVersion().WithKind(kind))
	}
	return l
}
