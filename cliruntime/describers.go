package cliruntime

import (
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/k1s-dev/k1s/decode"
)

// describeMeta writes the head of a namespaced object's description:
// its name, namespace, labels and annotations.
func describeMeta(p prefixWriter, obj metav1.Object) {
	p.write(0, "Name:\t%s\n", obj.GetName())
	p.write(0, "Namespace:\t%s\n", obj.GetNamespace())
	printMapMultiline(p, "Labels", obj.GetLabels())
	printAnnotationsMultiline(p, "Annotations", obj.GetAnnotations())
}

// The describers below write what kubectl's describers for the same
// kinds write (k8s.io/kubectl/pkg/describe), section for section, from
// the typed object.

func describeConfigMap(p prefixWriter, u *unstructured.Unstructured) error {
	var cm corev1.ConfigMap
	if err := decode.FromUnstructured(u, &cm); err != nil {
		return err
	}
	describeMeta(p, &cm)
	p.write(0, "\nData\n====\n")
	for _, k := range slices.Sorted(maps.Keys(cm.Data)) {
		p.write(0, "%s:\n----\n", k)
		p.write(0, "%s\n", cm.Data[k])
		p.write(0, "\n")
	}
	p.write(0, "\nBinaryData\n====\n")
	for _, k := range slices.Sorted(maps.Keys(cm.BinaryData)) {
		p.write(0, "%s: %d bytes\n", k, len(cm.BinaryData[k]))
	}
	p.write(0, "\n")
	return nil
}

// describeSecret prints each key with its size, never its value. (kubectl
// prints the token of a service-account-token Secret in full; k1s does
// not: no Secret value appears in describe output.)
func describeSecret(p prefixWriter, u *unstructured.Unstructured) error {
	var s corev1.Secret
	if err := decode.FromUnstructured(u, &s); err != nil {
		// Say what is wrong without quoting the object: it may hold
		// secret values.
		return errSecretUnreadable(u)
	}
	describeMeta(p, &s)
	p.write(0, "\nType:\t%s\n", s.Type)
	p.write(0, "\nData\n====\n")
	for _, k := range slices.Sorted(maps.Keys(s.Data)) {
		p.write(0, "%s:\t%d bytes\n", k, len(s.Data[k]))
	}
	return nil
}

func describeNamespace(p prefixWriter, u *unstructured.Unstructured) error {
	var ns corev1.Namespace
	if err := decode.FromUnstructured(u, &ns); err != nil {
		return err
	}
	p.write(0, "Name:\t%s\n", ns.Name)
	printMapMultiline(p, "Labels", ns.Labels)
	printAnnotationsMultiline(p, "Annotations", ns.Annotations)
	p.write(0, "Status:\t%s\n", string(ns.Status.Phase))
	if len(ns.Status.Conditions) > 0 {
		p.write(0, "Conditions:\n")
		p.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
		p.write(1, "----\t------\t------------------\t------\t-------\n")
		for _, c := range ns.Status.Conditions {
			p.write(1, "%v\t%v\t%s\t%v\t%v\n", c.Type, c.Status, c.LastTransitionTime.Format(time.RFC1123Z), c.Reason, c.Message)
		}
	}
	// kubectl goes on with the namespace's ResourceQuotas and LimitRanges.
	// k1s has neither, so there are none, as a cluster says of a
	// namespace without them.
	p.write(0, "\n")
	p.write(0, "No resource quota.\n")
	p.write(0, "\n")
	p.write(0, "No LimitRange resource.\n")
	return nil
}

func describeServiceAccount(p prefixWriter, u *unstructured.Unstructured) error {
	var sa corev1.ServiceAccount
	if err := decode.FromUnstructured(u, &sa); err != nil {
		return err
	}
	describeMeta(p, &sa)
	const (
		pullHeader  = "Image pull secrets:"
		emptyHeader = "                   "
	)
	var names []string
	for _, s := range sa.ImagePullSecrets {
		names = append(names, s.Name)
	}
	if len(names) == 0 {
		p.write(0, "%s\t<none>\n", pullHeader)
	}
	prefix := pullHeader
	for _, name := range names {
		p.write(0, "%s\t%s\n", prefix, name)
		prefix = emptyHeader
	}
	return nil
}
