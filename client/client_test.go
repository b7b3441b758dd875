package client

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func TestListOptions(t *testing.T) {
	sendInitial := true
	opts := (&ListOptions{}).ApplyOptions([]ListOption{
		InNamespace("shop"),
		MatchingLabels{"app": "web"},
		MatchingFields{"metadata.name": "a"},
		Limit(10),
		Continue("tok"),
		&ListOptions{ResourceVersion: "42", SendInitialEvents: &sendInitial},
	})
	if opts.Namespace != "shop" || opts.Limit != 10 || opts.Continue != "tok" || opts.ResourceVersion != "42" {
		t.Fatalf("unexpected options %+v", opts)
	}
	if !opts.LabelSelector.Matches(labels.Set{"app": "web"}) || opts.LabelSelector.Matches(labels.Set{"app": "db"}) {
		t.Errorf("label selector %v", opts.LabelSelector)
	}
	if !opts.FieldSelector.Matches(fields.Set{"metadata.name": "a"}) {
		t.Errorf("field selector %v", opts.FieldSelector)
	}
	want := &metav1.ListOptions{
		LabelSelector: "app=web", FieldSelector: "metadata.name=a", Limit: 10, Continue: "tok",
		ResourceVersion: "42", SendInitialEvents: &sendInitial,
	}
	if diff := cmp.Diff(want, opts.AsListOptions()); diff != "" {
		t.Errorf("AsListOptions (-want +got):\n%s", diff)
	}
	if got := (&ListOptions{}).AsListOptions(); got.LabelSelector != "" || got.FieldSelector != "" {
		t.Errorf("empty AsListOptions = %+v", got)
	}

	sel := labels.SelectorFromSet(labels.Set{"tier": "front"})
	opts = (&ListOptions{}).ApplyOptions([]ListOption{
		MatchingLabelsSelector{sel}, HasLabels{"owner"},
		MatchingFieldsSelector{fields.OneTermEqualSelector("metadata.namespace", "x")},
	})
	if !opts.LabelSelector.Matches(labels.Set{"tier": "front", "owner": "me"}) ||
		opts.LabelSelector.Matches(labels.Set{"tier": "front"}) {
		t.Errorf("HasLabels combined with a selector: %v", opts.LabelSelector)
	}
	if opts.FieldSelector.String() != "metadata.namespace=x" {
		t.Errorf("field selector %v", opts.FieldSelector)
	}
}

func TestDeleteAllOfOptions(t *testing.T) {
	uid := types.UID("u1")
	opts := (&DeleteAllOfOptions{}).ApplyOptions([]DeleteAllOfOption{
		InNamespace("ns"), MatchingLabels{"a": "b"}, HasLabels{"c"}, MatchingFields{"metadata.name": "n"},
		MatchingLabelsSelector{labels.Everything()}, MatchingFieldsSelector{fields.Everything()},
		GracePeriodSeconds(0), Preconditions{UID: &uid},
		PropagationPolicy(metav1.DeletePropagationForeground), DryRunAll,
	})
	if opts.Namespace != "ns" || *opts.GracePeriodSeconds != 0 || *opts.Preconditions.UID != uid ||
		*opts.PropagationPolicy != metav1.DeletePropagationForeground || !opts.IsDryRun() {
		t.Fatalf("unexpected options %+v", opts)
	}
	var copied DeleteAllOfOptions
	opts.ApplyToDeleteAllOf(&copied)
	if copied.Namespace != "ns" || !copied.IsDryRun() || copied.PropagationPolicy == nil {
		t.Errorf("ApplyToDeleteAllOf copied %+v", copied)
	}
}

func TestWriteOptions(t *testing.T) {
	create := (&CreateOptions{}).ApplyOptions([]CreateOption{DryRunAll, FieldOwner("k1s")})
	if !create.IsDryRun() || create.FieldManager != "k1s" {
		t.Errorf("create options %+v", create)
	}
	var createCopy CreateOptions
	create.ApplyToCreate(&createCopy)
	if !createCopy.IsDryRun() || createCopy.FieldManager != "k1s" {
		t.Errorf("copied create options %+v", createCopy)
	}

	update := (&UpdateOptions{}).ApplyOptions([]UpdateOption{DryRunAll, FieldOwner("k1s")})
	var updateCopy UpdateOptions
	update.ApplyToUpdate(&updateCopy)
	if !updateCopy.IsDryRun() || updateCopy.FieldManager != "k1s" {
		t.Errorf("update options %+v", updateCopy)
	}

	patch := (&PatchOptions{}).ApplyOptions([]PatchOption{DryRunAll, FieldOwner("k1s"), ForceOwnership})
	var patchCopy PatchOptions
	patch.ApplyToPatch(&patchCopy)
	if !patchCopy.IsDryRun() || patchCopy.FieldManager != "k1s" || patchCopy.Force == nil || !*patchCopy.Force {
		t.Errorf("patch options %+v", patchCopy)
	}

	del := (&DeleteOptions{}).ApplyOptions([]DeleteOption{DryRunAll, GracePeriodSeconds(5),
		Preconditions{}, PropagationPolicy(metav1.DeletePropagationOrphan)})
	var delCopy DeleteOptions
	del.ApplyToDelete(&delCopy)
	if !delCopy.IsDryRun() || *delCopy.GracePeriodSeconds != 5 || *delCopy.PropagationPolicy != metav1.DeletePropagationOrphan || delCopy.Preconditions == nil {
		t.Errorf("delete options %+v", delCopy)
	}
	if (&DeleteOptions{}).IsDryRun() {
		t.Error("empty delete options are a dry run")
	}

	get := (&GetOptions{}).ApplyOptions([]GetOption{&GetOptions{}})
	get.ApplyToGet(&GetOptions{})

	sc := (&SubResourceCreateOptions{}).ApplyOptions([]SubResourceCreateOption{DryRunAll, FieldOwner("o")})
	var scCopy SubResourceCreateOptions
	sc.ApplyToSubResourceCreate(&scCopy)
	if !scCopy.IsDryRun() || scCopy.FieldManager != "o" {
		t.Errorf("subresource create options %+v", scCopy)
	}
	body := &corev1.ConfigMap{}
	su := (&SubResourceUpdateOptions{SubResourceBody: body}).ApplyOptions([]SubResourceUpdateOption{DryRunAll, FieldOwner("o")})
	var suCopy SubResourceUpdateOptions
	su.ApplyToSubResourceUpdate(&suCopy)
	if !suCopy.IsDryRun() || suCopy.FieldManager != "o" || suCopy.SubResourceBody != body {
		t.Errorf("subresource update options %+v", suCopy)
	}
	sp := (&SubResourcePatchOptions{SubResourceBody: body}).ApplyOptions([]SubResourcePatchOption{DryRunAll, FieldOwner("o"), ForceOwnership})
	var spCopy SubResourcePatchOptions
	sp.ApplyToSubResourcePatch(&spCopy)
	if !spCopy.IsDryRun() || spCopy.FieldManager != "o" || spCopy.SubResourceBody != body || !*spCopy.Force {
		t.Errorf("subresource patch options %+v", spCopy)
	}
}

func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "default", ResourceVersion: "7"},
		Data:       data,
	}
}

func TestPatches(t *testing.T) {
	original := configMap(map[string]string{"a": "1", "b": "2"})
	modified := configMap(map[string]string{"a": "1", "c": "3"})
	tests := []struct {
		name  string
		patch Patch
		typ   types.PatchType
		want  map[string]any
	}{
		{"merge", MergeFrom(original), types.MergePatchType,
			map[string]any{"data": map[string]any{"b": nil, "c": "3"}}},
		{"merge with optimistic lock", MergeFromWithOptions(original, MergeFromWithOptimisticLock{}), types.MergePatchType,
			map[string]any{"data": map[string]any{"b": nil, "c": "3"}, "metadata": map[string]any{"resourceVersion": "7"}}},
		{"strategic", StrategicMergeFrom(original), types.StrategicMergePatchType,
			map[string]any{"data": map[string]any{"b": nil, "c": "3"}}},
		{"strategic with optimistic lock", StrategicMergeFrom(original, MergeFromWithOptimisticLock{}), types.StrategicMergePatchType,
			map[string]any{"data": map[string]any{"b": nil, "c": "3"}, "metadata": map[string]any{"resourceVersion": "7"}}},
		{"raw", RawPatch(types.JSONPatchType, []byte(`{"x":1}`)), types.JSONPatchType, map[string]any{"x": float64(1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.patch.Type() != tt.typ {
				t.Errorf("Type() = %s, want %s", tt.patch.Type(), tt.typ)
			}
			data, err := tt.patch.Data(modified)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
		})
	}
	if Apply.Type() != types.ApplyPatchType {
		t.Errorf("Apply.Type() = %s", Apply.Type())
	}
	if data, err := Apply.Data(modified); err != nil || len(data) == 0 {
		t.Errorf("Apply.Data = %s, %v", data, err)
	}
}

// unmarshalable is an object whose JSON encoding fails, to check that
// patch computation reports it instead of sending a broken patch.
type unmarshalable struct{ corev1.ConfigMap }

func (unmarshalable) MarshalJSON() ([]byte, error) { return nil, errors.New("cannot encode") }

func TestPatchEncodingErrors(t *testing.T) {
	good := configMap(nil)
	bad := &unmarshalable{}
	if _, err := MergeFrom(bad).Data(good); err == nil {
		t.Error("MergeFrom with an unencodable original succeeded")
	}
	if _, err := MergeFrom(good).Data(bad); err == nil {
		t.Error("MergeFrom with an unencodable object succeeded")
	}
}

func TestHelpers(t *testing.T) {
	gr := schema.GroupResource{Resource: "configmaps"}
	if IgnoreNotFound(apierrors.NewNotFound(gr, "x")) != nil {
		t.Error("IgnoreNotFound kept a NotFound")
	}
	other := apierrors.NewConflict(gr, "x", errors.New("stale"))
	if !errors.Is(IgnoreNotFound(other), other) {
		t.Error("IgnoreNotFound dropped a Conflict")
	}
	if IgnoreAlreadyExists(apierrors.NewAlreadyExists(gr, "x")) != nil {
		t.Error("IgnoreAlreadyExists kept an AlreadyExists")
	}
	if !errors.Is(IgnoreAlreadyExists(other), other) {
		t.Error("IgnoreAlreadyExists dropped a Conflict")
	}
	if got := ObjectKeyFromObject(configMap(nil)); got != (ObjectKey{Namespace: "default", Name: "cfg"}) {
		t.Errorf("ObjectKeyFromObject = %v", got)
	}
}

func TestFieldValidationOption(t *testing.T) {
	v := FieldValidationStrict
	if o := (&CreateOptions{}).ApplyOptions([]CreateOption{v}); o.FieldValidation != "Strict" {
		t.Errorf("create: %q", o.FieldValidation)
	}
	if o := (&UpdateOptions{}).ApplyOptions([]UpdateOption{FieldValidationWarn, &UpdateOptions{FieldValidation: "Ignore"}}); o.FieldValidation != "Ignore" {
		t.Errorf("update: %q", o.FieldValidation)
	}
	if o := (&PatchOptions{}).ApplyOptions([]PatchOption{v, &PatchOptions{}}); o.FieldValidation != "Strict" {
		t.Errorf("patch: %q", o.FieldValidation)
	}
	if o := (&CreateOptions{}).ApplyOptions([]CreateOption{&CreateOptions{FieldValidation: "Warn"}}); o.FieldValidation != "Warn" {
		t.Errorf("create options: %q", o.FieldValidation)
	}
	if o := (&SubResourceCreateOptions{}).ApplyOptions([]SubResourceCreateOption{v}); o.FieldValidation != "Strict" {
		t.Errorf("subresource create: %q", o.FieldValidation)
	}
	if o := (&SubResourceUpdateOptions{}).ApplyOptions([]SubResourceUpdateOption{v}); o.FieldValidation != "Strict" {
		t.Errorf("subresource update: %q", o.FieldValidation)
	}
	if o := (&SubResourcePatchOptions{}).ApplyOptions([]SubResourcePatchOption{FieldValidationIgnore}); o.FieldValidation != "Ignore" {
		t.Errorf("subresource patch: %q", o.FieldValidation)
	}
}
