package admission_test

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/admission"
)

func ExampleTypedValidator() {
	v := admission.NewChain().AddValidating(corev1.SchemeGroupVersion.WithKind("ConfigMap"),
		admission.TypedValidator(func(_ context.Context, cm, _ *corev1.ConfigMap) field.ErrorList {
			if cm.Data["size"] == "" {
				return field.ErrorList{field.Required(field.NewPath("data", "size"), "every ConfigMap needs a size")}
			}
			return nil
		}))

	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "settings"},
	}
	_, err := v.ValidateCreate(context.Background(), cm)
	fmt.Println(err)
	// Output:
	// ConfigMap "settings" is invalid: data.size: Required value: every ConfigMap needs a size
}
