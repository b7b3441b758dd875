package v1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	todov1 "github.com/k1s-dev/k1s/examples/todo/api/v1"
)

func sample() todov1.Task {
	return todov1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: "milk", Namespace: "default", Finalizers: []string{"f"}},
		Spec:       todov1.TaskSpec{Title: "Buy milk", Priority: todov1.PriorityHigh, Due: "2026-12-24"},
		Status: todov1.TaskStatus{ObservedGeneration: 2, Conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "CardWritten"},
		}},
	}
}

// TestDeepCopy checks that the generated copies share nothing with the
// original: changing the copy's slices leaves the original as it was.
func TestDeepCopy(t *testing.T) {
	orig := sample()
	list := &todov1.TaskList{Items: []todov1.Task{orig}}
	for _, obj := range []runtime.Object{orig.DeepCopyObject(), list.DeepCopyObject()} {
		var cp *todov1.Task
		switch o := obj.(type) {
		case *todov1.Task:
			cp = o
		case *todov1.TaskList:
			cp = &o.Items[0]
		}
		if diff := cmp.Diff(orig, *cp); diff != "" {
			t.Fatalf("copy differs (-orig +copy):\n%s", diff)
		}
		cp.Status.Conditions[0].Status = metav1.ConditionFalse
		cp.Finalizers[0] = "g"
	}
	if diff := cmp.Diff(sample(), orig); diff != "" || list.Items[0].Status.Conditions[0].Status != metav1.ConditionTrue {
		t.Fatalf("changing a copy changed the original:\n%s", diff)
	}
	var nilTask *todov1.Task
	var nilList *todov1.TaskList
	var nilSpec *todov1.TaskSpec
	var nilStatus *todov1.TaskStatus
	if nilTask.DeepCopyObject() != nil || nilList.DeepCopyObject() != nil || nilSpec.DeepCopy() != nil || nilStatus.DeepCopy() != nil {
		t.Error("a nil object copies to something")
	}
	spec := orig.Spec
	if *spec.DeepCopy() != spec {
		t.Error("spec copy differs")
	}
}

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	if err := todov1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{&todov1.Task{}, &todov1.TaskList{}} {
		gvks, _, err := s.ObjectKinds(obj)
		if err != nil || len(gvks) != 1 || gvks[0].GroupVersion() != todov1.GroupVersion {
			t.Errorf("%T: kinds %v, %v", obj, gvks, err)
		}
	}
}

// TestCRDsEmbedded checks that the generated CRD is the one compiled in.
func TestCRDsEmbedded(t *testing.T) {
	data, err := todov1.CRDs.ReadFile("crd/todo.example.com_tasks.yaml")
	if err != nil || len(data) == 0 {
		t.Fatalf("embedded CRD: %d bytes, %v", len(data), err)
	}
}
