package controller_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/k1s-dev/k1s/controller"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
)

// TestNewCoreClient: controllerutil.CreateOrUpdate and
// SetControllerReference, which take controller-runtime's client.Client,
// on the controller-runtime client of a CoreClient.
func TestNewCoreClient(t *testing.T) {
	var c crclient.Client
	c, err := controller.NewCoreClient(core.Options{Storage: memory.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "owner"}}
	if err := c.Create(ctx, owner); err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "settings"}}
	for i, want := range []controllerutil.OperationResult{controllerutil.OperationResultCreated, controllerutil.OperationResultUpdated, controllerutil.OperationResultNone} {
		value := "1"
		if i > 0 {
			value = "2"
		}
		op, err := controllerutil.CreateOrUpdate(ctx, c, cm, func() error {
			cm.Data = map[string]string{"replicas": value}
			return controllerutil.SetControllerReference(owner, cm, c.Scheme())
		})
		if err != nil || op != want {
			t.Fatalf("CreateOrUpdate #%d = %s, %v; want %s", i+1, op, err, want)
		}
	}
	var got corev1.ConfigMap
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatal(err)
	}
	if got.Data["replicas"] != "2" || len(got.OwnerReferences) != 1 || got.OwnerReferences[0].Name != "owner" {
		t.Errorf("stored %v owned by %v", got.Data, got.OwnerReferences)
	}
	// The owner's deletion takes its dependent with it.
	if err := c.Delete(ctx, owner); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, crclient.ObjectKeyFromObject(cm), &got); !apierrors.IsNotFound(err) {
		t.Errorf("dependent after its owner's deletion: %v", err)
	}
}

func TestNewCoreClientNeedsStorage(t *testing.T) {
	if _, err := controller.NewCoreClient(core.Options{}); err == nil || !strings.Contains(err.Error(), "Storage") {
		t.Errorf("NewCoreClient without storage = %v, want an error naming Storage", err)
	}
}
