//go:build kt_used

package main

import (
	"context"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/core"
	"github.com/k1s-dev/k1s/kubetypes"
	"github.com/k1s-dev/k1s/storage/sqlite"
)

func options() core.Options {
	return core.Options{Scheme: kubetypes.NewScheme(), Registry: kubetypes.NewRegistry(nil),
		Admission: admission.NewChain().AddValidatingForAll(kubetypes.Validator())}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-setup" {
		setup()
		return
	}
	get(options(), client.ObjectKey{Namespace: "default", Name: "web"}, &appsv1.Deployment{})
}

// setup stores the Deployment the measured runs read.
func setup() {
	store, err := sqlite.Open(os.Getenv("K1S_STARTUP_DB"))
	if err != nil {
		fail(err)
	}
	defer func() { _ = store.Close() }()
	opts := options()
	opts.Storage = store
	c, err := core.New(opts)
	if err != nil {
		fail(err)
	}
	labels := map[string]string{"app": "web"}
	err = c.Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
			},
		},
	})
	if err != nil {
		fail(err)
	}
}
