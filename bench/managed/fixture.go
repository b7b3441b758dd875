package managed

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/storage"
)

// Kinds are the three types whose informers the start-up benchmark syncs.
func Kinds() []client.Object {
	return []client.Object{&corev1.ConfigMap{}, &corev1.Secret{}, &corev1.ServiceAccount{}}
}

// Populate writes perKind objects of each of Kinds into store.
func Populate(ctx context.Context, store storage.Interface, perKind int) error {
	c, err := core.New(core.Options{Storage: store})
	if err != nil {
		return err
	}
	for i := range perKind {
		meta := func(prefix string) metav1.ObjectMeta {
			return metav1.ObjectMeta{Namespace: "default", Name: fmt.Sprintf("%s-%05d", prefix, i), Labels: map[string]string{"bench": "startup"}}
		}
		objs := []client.Object{
			&corev1.ConfigMap{ObjectMeta: meta("cm"), Data: map[string]string{"key": "value", "index": fmt.Sprint(i)}},
			&corev1.Secret{ObjectMeta: meta("secret"), StringData: map[string]string{"password": "hunter2"}},
			&corev1.ServiceAccount{ObjectMeta: meta("sa")},
		}
		for _, o := range objs {
			if err := c.Create(ctx, o); err != nil {
				return err
			}
		}
	}
	return nil
}
