package coretypes

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

// GroupVersion is the group and version of every built-in type: core/v1.
var GroupVersion = corev1.SchemeGroupVersion

// AddToScheme registers the built-in kinds and their lists in s under
// core/v1, together with the metav1 option types (ListOptions,
// DeleteOptions...), WatchEvent and the unversioned Status that clients
// expect to find in GroupVersion v1. Only these five kinds are added, not the
// whole of core/v1: a type in the scheme is a type the client accepts.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&corev1.Namespace{}, &corev1.NamespaceList{},
		&corev1.ConfigMap{}, &corev1.ConfigMapList{},
		&corev1.Secret{}, &corev1.SecretList{},
		&corev1.ServiceAccount{}, &corev1.ServiceAccountList{},
		&corev1.Event{}, &corev1.EventList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// NewScheme returns a new scheme holding the built-in types.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	// AddToScheme cannot fail on a fresh scheme.
	_ = AddToScheme(s)
	return s
}

var (
	nameColumn = registry.PrintColumn{Name: "NAME", Type: "string", JSONPath: ".metadata.name",
		Description: "Name must be unique within a namespace."}
	ageColumn = registry.PrintColumn{Name: "AGE", Type: "date", JSONPath: ".metadata.creationTimestamp",
		Description: "CreationTimestamp is a timestamp representing the server time when this object was created."}
)

func builtin(kind, resource string, namespaced bool, shortNames []string, cols ...registry.PrintColumn) registry.Type {
	return registry.Type{
		// None of the core/v1 kinds k1s registers has a generation.
		NoGeneration: true,
		Kind:         GroupVersion.WithKind(kind),
		Resource:     resource,
		Singular:     lowerASCII(kind),
		ShortNames:   shortNames,
		Namespaced:   namespaced,
		ListKind:     kind + "List",
		PrintColumns: cols,
		Storage:      true,
	}
}

// Types returns the registry description of the built-in types. Each call
// returns fresh values the caller may modify.
func Types() []registry.Type {
	ns := builtin("Namespace", "namespaces", false, []string{"ns"},
		nameColumn,
		registry.PrintColumn{Name: "STATUS", Type: "string", JSONPath: ".status.phase",
			Description: "Phase is the current lifecycle phase of the namespace."},
		ageColumn)
	ns.StatusSubresource = true
	ns.SelectableFields = []string{".status.phase"}

	cm := builtin("ConfigMap", "configmaps", true, []string{"cm"},
		nameColumn,
		registry.PrintColumn{Name: "DATA", Type: "integer", JSONPath: "count(.data, .binaryData)",
			Description: "Number of entries in data and binaryData."},
		ageColumn)

	secret := builtin("Secret", "secrets", true, nil,
		nameColumn,
		registry.PrintColumn{Name: "TYPE", Type: "string", JSONPath: ".type",
			Description: "Used to facilitate programmatic handling of secret data."},
		registry.PrintColumn{Name: "DATA", Type: "integer", JSONPath: "count(.data)",
			Description: "Number of entries in data."},
		ageColumn)
	secret.SelectableFields = []string{".type"}

	sa := builtin("ServiceAccount", "serviceaccounts", true, []string{"sa"},
		nameColumn,
		registry.PrintColumn{Name: "SECRETS", Type: "integer", JSONPath: "count(.secrets)",
			Description: "Number of secrets the service account may use."},
		ageColumn)

	ev := builtin("Event", "events", true, []string{"ev"},
		registry.PrintColumn{Name: "LAST SEEN", Type: "date",
			JSONPath:    "coalesce(.series.lastObservedTime, .lastTimestamp, .firstTimestamp, .eventTime)",
			Description: "The time at which the most recent occurrence of this event was recorded."},
		registry.PrintColumn{Name: "TYPE", Type: "string", JSONPath: ".type",
			Description: "Type of this event (Normal, Warning)."},
		registry.PrintColumn{Name: "REASON", Type: "string", JSONPath: ".reason",
			Description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."},
		registry.PrintColumn{Name: "OBJECT", Type: "string", JSONPath: "kindname(.involvedObject)",
			Description: "The object that this event is about."},
		registry.PrintColumn{Name: "SUBOBJECT", Type: "string", JSONPath: ".involvedObject.fieldPath", Priority: 1,
			Description: "The field of the object that this event is about."},
		registry.PrintColumn{Name: "SOURCE", Type: "string", JSONPath: "eventsource()", Priority: 1,
			Description: "The component reporting this event."},
		registry.PrintColumn{Name: "MESSAGE", Type: "string", JSONPath: "trim(.message)",
			Description: "A human-readable description of the status of this operation."},
		registry.PrintColumn{Name: "FIRST SEEN", Type: "date", JSONPath: "coalesce(.firstTimestamp, .eventTime)", Priority: 1,
			Description: "The time at which the event was first recorded."},
		registry.PrintColumn{Name: "COUNT", Type: "integer", JSONPath: "coalesce(.series.count, .count, 1)", Priority: 1,
			Description: "The number of times this event has occurred."},
		registry.PrintColumn{Name: "NAME", Type: "string", JSONPath: ".metadata.name", Priority: 1,
			Description: "Name must be unique within a namespace."},
	)
	ev.SelectableFields = []string{
		".involvedObject.kind", ".involvedObject.namespace", ".involvedObject.name",
		".involvedObject.uid", ".involvedObject.apiVersion", ".involvedObject.resourceVersion",
		".involvedObject.fieldPath", ".reason", ".reportingComponent", ".source.component", ".type",
	}

	return []registry.Type{ns, cm, secret, sa, ev}
}

// IsCoreType reports whether gvk is one of the built-in kinds or their
// lists.
func IsCoreType(gvk schema.GroupVersionKind) bool {
	if gvk.GroupVersion() != GroupVersion {
		return false
	}
	switch gvk.Kind {
	case "Namespace", "NamespaceList", "ConfigMap", "ConfigMapList", "Secret", "SecretList",
		"ServiceAccount", "ServiceAccountList", "Event", "EventList":
		return true
	}
	return false
}

// SelectorPath returns the JSON path a field selector key selects on for
// kind gvk: "."+key, except for the keys the API server maps elsewhere
// (Event's "source" selects .source.component).
func SelectorPath(gvk schema.GroupVersionKind, key string) string {
	if gvk == GroupVersion.WithKind("Event") && key == "source" {
		return ".source.component"
	}
	return "." + key
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
