package core_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage/memory"
)

func TestSmoke(t *testing.T) {
	ctx := t.Context()
	c, err := core.New(core.Options{Storage: memory.New(), SkipPlugins: true})
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}, Data: map[string]string{"k": "v"}}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	t.Logf("created %+v", cm)
	var got corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "a"}, &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("got %+v", got)
	got.Data["x"] = "y"
	if err := c.Update(ctx, &got); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.UnstructuredList{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMapList")
	if err := c.List(ctx, u); err != nil {
		t.Fatal(err)
	}
	t.Logf("list %+v", u)
	if err := c.Delete(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(ctx, client.ObjectKey{Namespace: "default", Name: "a"}, &got); err == nil {
		t.Fatal("still there")
	} else {
		t.Log(err)
	}
}
