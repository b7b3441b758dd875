package controller_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/managed"
)

// The API server's answers to selectors that do not parse (the text of
// labels.Parse and fields.ParseSelector, as a 400 BadRequest).
const (
	badLabelSelector  = "app in (a"
	badLabelMessage   = "unable to parse requirement: found '', expected: ',' or ')'"
	badFieldSelector  = "metadata.name"
	badFieldMessage   = "invalid selector: 'metadata.name'; can't understand 'metadata.name'"
	goodLabelSelector = "app in (a)"
)

func rawSelectors(label, field string) *crclient.ListOptions {
	return &crclient.ListOptions{Raw: &metav1.ListOptions{LabelSelector: label, FieldSelector: field}}
}

func wantBadRequest(t *testing.T, what string, err error, msg string) {
	t.Helper()
	if !apierrors.IsBadRequest(err) || err.Error() != msg {
		t.Errorf("%s = %v, want BadRequest %q", what, err, msg)
	}
}

// TestAdapterRejectsMalformedRawSelectors: a Raw selector that does not
// parse is the API server's BadRequest for every verb that takes list
// options, and DeleteAllOf deletes nothing (it used to drop the selector
// and delete every object of the kind).
func TestAdapterRejectsMalformedRawSelectors(t *testing.T) {
	rt := newRuntime(t, managed.Options{})
	c := controller.NewClient(rt.Client())
	ctx := context.Background()
	seed(t, c, "a", "b")
	if err := c.Create(ctx, cm("other", map[string]string{"app": "b"})); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		label, field, msg string
	}{
		{badLabelSelector, "", badLabelMessage},
		{"", badFieldSelector, badFieldMessage},
	} {
		opts := rawSelectors(tc.label, tc.field)
		wantBadRequest(t, "List", c.List(ctx, &corev1.ConfigMapList{}, opts), tc.msg)
		w, err := c.Watch(ctx, &corev1.ConfigMapList{}, opts)
		if err == nil {
			w.Stop()
		}
		wantBadRequest(t, "Watch", err, tc.msg)
		wantBadRequest(t, "DeleteAllOf", c.DeleteAllOf(ctx, &corev1.ConfigMap{}, &crclient.DeleteAllOfOptions{ListOptions: *opts}), tc.msg)
	}
	var l corev1.ConfigMapList
	if err := c.List(ctx, &l); err != nil || len(l.Items) != 3 {
		t.Fatalf("after the rejected DeleteAllOf: %v, %d of 3 objects left", err, len(l.Items))
	}

	// A typed selector takes the place of Raw's, as in controller-runtime
	// (whose client sends the typed one): the Raw one is then not parsed.
	typed := rawSelectors(badLabelSelector, badFieldSelector)
	typed.LabelSelector = labels.SelectorFromSet(labels.Set{"app": "b"})
	typed.FieldSelector = mustParseFields(t, "metadata.name=other")
	if err := c.List(ctx, &l, typed); err != nil || len(l.Items) != 1 || l.Items[0].Name != "other" {
		t.Errorf("List with typed selectors over malformed Raw ones = %v, %d items", err, len(l.Items))
	}
	// A Raw selector that parses selects what it says.
	if err := c.DeleteAllOf(ctx, &corev1.ConfigMap{}, &crclient.DeleteAllOfOptions{ListOptions: *rawSelectors("app=b", "")}); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, &l); err != nil || len(l.Items) != 2 {
		t.Errorf("after DeleteAllOf app=b: %v, %d objects left, want 2", err, len(l.Items))
	}
}

// TestCacheRejectsMalformedRawSelectors: the manager's cache reads Raw
// selectors through the same translation: a good one filters, a bad one is
// the BadRequest (not every object of the kind).
func TestCacheRejectsMalformedRawSelectors(t *testing.T) {
	rt := newRuntime(t, managed.Options{EnableInformers: true})
	f, _ := rt.InformerFactory()
	c := controller.NewCache(f)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seed(t, controller.NewClient(rt.Client()), "a")
	if err := rt.Client().Create(ctx, cm("b", map[string]string{"app": "a"})); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	waitFor(t, "the cache to start", f.Started)
	var l corev1.ConfigMapList
	wantBadRequest(t, "cache List", c.List(ctx, &l, rawSelectors(badLabelSelector, "")), badLabelMessage)
	wantBadRequest(t, "cache List", c.List(ctx, &l, rawSelectors("", badFieldSelector)), badFieldMessage)
	if err := c.List(ctx, &l, rawSelectors(goodLabelSelector, "")); err != nil || len(l.Items) != 1 || l.Items[0].Name != "b" {
		t.Errorf("cache List %q = %v, %d items", goodLabelSelector, err, len(l.Items))
	}
}
