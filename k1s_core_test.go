package k1s_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/storage/memory"
)

func TestNewCoreClient(t *testing.T) {
	if _, err := k1s.NewCoreClient(k1s.CoreClientOptions{}); err == nil {
		t.Fatal("NewCoreClient without storage succeeded")
	}
	c, err := k1s.NewCoreClient(k1s.CoreClientOptions{Storage: memory.New(), SkipPlugins: true})
	if err != nil {
		t.Fatalf("NewCoreClient: %v", err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}
	if err := c.Create(t.Context(), cm); err != nil {
		t.Fatalf("Create: %v", err)
	}
	var got corev1.ConfigMap
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(cm), &got); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.UID != cm.UID {
		t.Fatalf("Get returned uid %q, Create %q", got.UID, cm.UID)
	}
}
