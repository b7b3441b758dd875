package controller

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/client"
)

var dry = []string{metav1.DryRunAll}

func TestListOptionTranslation(t *testing.T) {
	sel := labels.SelectorFromSet(labels.Set{"a": "b"})
	fsel := fields.OneTermEqualSelector("metadata.name", "x")
	cases := []struct {
		name string
		in   crclient.ListOptions
		want client.ListOptions
	}{
		{"typed fields", crclient.ListOptions{LabelSelector: sel, FieldSelector: fsel, Namespace: "ns", Limit: 5, Continue: "c"},
			client.ListOptions{LabelSelector: sel, FieldSelector: fsel, Namespace: "ns", Limit: 5, Continue: "c"}},
		{"raw fills the rest", crclient.ListOptions{Raw: &metav1.ListOptions{LabelSelector: "a=b", FieldSelector: "metadata.name=x", Limit: 7, Continue: "d", ResourceVersion: "42", SendInitialEvents: ptr.To(true)}},
			client.ListOptions{LabelSelector: sel, FieldSelector: fsel, Limit: 7, Continue: "d", ResourceVersion: "42", SendInitialEvents: ptr.To(true)}},
		{"typed wins over raw", crclient.ListOptions{Limit: 1, Continue: "t", LabelSelector: sel, Raw: &metav1.ListOptions{Limit: 9, Continue: "r", LabelSelector: "z=z"}},
			client.ListOptions{Limit: 1, Continue: "t", LabelSelector: sel}},
	}
	for _, tc := range cases {
		got, err := listOptionsFrom(&tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want.AsListOptions(), got.AsListOptions()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		if tc.want.Namespace != got.Namespace {
			t.Errorf("%s: namespace %q, want %q", tc.name, got.Namespace, tc.want.Namespace)
		}
	}
	if got, err := listOptions([]crclient.ListOption{crclient.InNamespace("q"), crclient.Limit(3)}); err != nil || got.Namespace != "q" || got.Limit != 3 {
		t.Errorf("listOptions = %+v, %v", got, err)
	}
}

func TestWriteOptionTranslation(t *testing.T) {
	grace := ptr.To(int64(3))
	pre := &metav1.Preconditions{UID: ptr.To(types.UID("u"))}
	bg := ptr.To(metav1.DeletePropagationBackground)
	if diff := cmp.Diff(&client.CreateOptions{DryRun: dry, FieldManager: "m"}, createOptions(&crclient.CreateOptions{DryRun: dry, FieldManager: "m"})); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(&client.CreateOptions{DryRun: dry, FieldManager: "r"}, createOptions(&crclient.CreateOptions{Raw: &metav1.CreateOptions{DryRun: dry, FieldManager: "r"}})); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(&client.UpdateOptions{DryRun: dry, FieldManager: "r"}, updateOptions(&crclient.UpdateOptions{Raw: &metav1.UpdateOptions{DryRun: dry, FieldManager: "r"}})); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(&client.PatchOptions{DryRun: dry, FieldManager: "r", Force: ptr.To(true)}, patchOptions(&crclient.PatchOptions{Raw: &metav1.PatchOptions{DryRun: dry, FieldManager: "r", Force: ptr.To(true)}})); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(&client.PatchOptions{FieldManager: "t", Force: ptr.To(false)}, patchOptions(&crclient.PatchOptions{FieldManager: "t", Force: ptr.To(false), Raw: &metav1.PatchOptions{FieldManager: "r", Force: ptr.To(true)}})); diff != "" {
		t.Error(diff)
	}
	want := &client.DeleteOptions{GracePeriodSeconds: grace, Preconditions: pre, PropagationPolicy: bg, DryRun: dry}
	if diff := cmp.Diff(want, deleteOptions(&crclient.DeleteOptions{GracePeriodSeconds: grace, Preconditions: pre, PropagationPolicy: bg, DryRun: dry})); diff != "" {
		t.Error(diff)
	}
	if diff := cmp.Diff(want, deleteOptions(&crclient.DeleteOptions{Raw: &metav1.DeleteOptions{GracePeriodSeconds: grace, Preconditions: pre, PropagationPolicy: bg, DryRun: dry}})); diff != "" {
		t.Error(diff)
	}
}

func TestNoAPIServer(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://k1s.invalid/api", nil)
	if _, err := (noAPIServer{}).RoundTrip(req); err == nil {
		t.Error("noAPIServer answered a request")
	}
}
