package client

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

func TestListOptionsFromMeta(t *testing.T) {
	sendInitial := true
	in := metav1.ListOptions{
		LabelSelector: "app in (a,b),!gone", FieldSelector: "metadata.name=x",
		Limit: 3, Continue: "c", ResourceVersion: "9", SendInitialEvents: &sendInitial,
		Watch: true, AllowWatchBookmarks: true, ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan,
	}
	lo, err := ListOptionsFromMeta(in, "ns")
	if err != nil {
		t.Fatal(err)
	}
	if lo.Namespace != "ns" {
		t.Errorf("namespace %q", lo.Namespace)
	}
	want := &metav1.ListOptions{
		LabelSelector: "app in (a,b),!gone", FieldSelector: "metadata.name=x",
		Limit: 3, Continue: "c", ResourceVersion: "9", SendInitialEvents: &sendInitial,
	}
	if diff := cmp.Diff(want, lo.AsListOptions()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if lo, err := ListOptionsFromMeta(metav1.ListOptions{}, ""); err != nil || lo.LabelSelector != nil || lo.FieldSelector != nil {
		t.Errorf("no selectors = %+v, %v", lo, err)
	}
	// What the API server accepts as "everything" stays a selector (of
	// everything), as on the API server.
	if lo, err := ListOptionsFromMeta(metav1.ListOptions{LabelSelector: " ", FieldSelector: ","}, ""); err != nil || lo.LabelSelector == nil || !lo.LabelSelector.Empty() || lo.FieldSelector == nil || !lo.FieldSelector.Empty() {
		t.Errorf("empty-term selectors = %+v, %v", lo, err)
	}
	// The API server's BadRequest texts (kube-apiserver v1.37 answers
	// ?labelSelector=app+in+(a with exactly this message).
	for _, tc := range []struct {
		in  metav1.ListOptions
		msg string
	}{
		{metav1.ListOptions{LabelSelector: "app in (a"}, "unable to parse requirement: found '', expected: ',' or ')'"},
		{metav1.ListOptions{LabelSelector: "a,"}, "found '', expected: identifier after ','"},
		{metav1.ListOptions{LabelSelector: "a=b\x00,c=d"}, "unable to parse requirement: NUL character at offset 3 of the label selector"},
		{metav1.ListOptions{FieldSelector: "metadata.name"}, "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
		{metav1.ListOptions{LabelSelector: "a=b", FieldSelector: "a=b=c=="}, "invalid field selector: unescaped character in value: 61"},
	} {
		lo, err := ListOptionsFromMeta(tc.in, "")
		if !apierrors.IsBadRequest(err) || err.Error() != tc.msg || lo != nil {
			t.Errorf("%+v = %+v, %v; want BadRequest %q", tc.in, lo, err, tc.msg)
		}
	}
}

// FuzzListOptionsFromMeta holds the translation to the API server's
// parsers: what parses selects exactly the objects labels.Parse's (and
// fields.ParseSelector's) selector selects; what does not parse is always
// a BadRequest; a non-empty selector is never dropped; a label selector
// selects everything only when it is all whitespace (a field selector of
// empty terms, such as ",", selects everything on the API server too); a
// NUL byte, where labels.Parse stops reading, is refused.
func FuzzListOptionsFromMeta(f *testing.F) {
	for _, s := range [][3]string{
		{"app in (a", "app", "a"}, {"app in (a)", "app", "a"}, {"app!=a,tier", "tier", "x"}, {"!app", "b", ""},
		{"a=b", "metadata.name", "b"}, {" ", "a", "b"}, {",", "a", "b"}, {"x notin (y,z)", "x", "w"},
		{"metadata.name!=a", "metadata.name", "a"}, {"a==b,c=d", "a", "b"}, {"a=b=c==", "a", "b=c=="},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, selector, key, value string) {
		lset := labels.Set{key: value}
		fset := fields.Set{key: value}

		lo, err := ListOptionsFromMeta(metav1.ListOptions{LabelSelector: selector}, "")
		ref, refErr := labels.Parse(selector)
		switch {
		case selector == "":
			if err != nil || lo.LabelSelector != nil {
				t.Fatalf("empty label selector = %+v, %v", lo, err)
			}
		case strings.IndexByte(selector, 0) >= 0:
			// labels.Parse stops at a NUL byte; the translation refuses.
			if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "NUL") {
				t.Fatalf("label selector %q: %v, want BadRequest naming the NUL", selector, err)
			}
		case refErr != nil:
			if !apierrors.IsBadRequest(err) || err.Error() != refErr.Error() {
				t.Fatalf("label selector %q: %v, want BadRequest %q", selector, err, refErr)
			}
		default:
			if err != nil || lo.LabelSelector == nil {
				t.Fatalf("label selector %q: %+v, %v", selector, lo, err)
			}
			if lo.LabelSelector.Empty() != ref.Empty() || lo.LabelSelector.String() != ref.String() {
				t.Fatalf("label selector %q became %q, want %q", selector, lo.LabelSelector, ref)
			}
			if ref.Empty() && strings.Trim(selector, " \t\r\n") != "" {
				t.Fatalf("label selector %q selects everything", selector)
			}
			if got, want := lo.LabelSelector.Matches(lset), ref.Matches(lset); got != want {
				t.Fatalf("label selector %q on %v: %v, want %v", selector, lset, got, want)
			}
		}

		lo, err = ListOptionsFromMeta(metav1.ListOptions{FieldSelector: selector}, "")
		fref, frefErr := fields.ParseSelector(selector)
		switch {
		case selector == "":
			if err != nil || lo.FieldSelector != nil {
				t.Fatalf("empty field selector = %+v, %v", lo, err)
			}
		case frefErr != nil:
			if !apierrors.IsBadRequest(err) || err.Error() != frefErr.Error() {
				t.Fatalf("field selector %q: %v, want BadRequest %q", selector, err, frefErr)
			}
		default:
			if err != nil || lo.FieldSelector == nil {
				t.Fatalf("field selector %q: %+v, %v", selector, lo, err)
			}
			if lo.FieldSelector.Empty() != fref.Empty() || lo.FieldSelector.String() != fref.String() {
				t.Fatalf("field selector %q became %q, want %q", selector, lo.FieldSelector, fref)
			}
			if got, want := lo.FieldSelector.Matches(fset), fref.Matches(fset); got != want {
				t.Fatalf("field selector %q on %v: %v, want %v", selector, fset, got, want)
			}
		}
	})
}
