package core

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"

	"github.com/k1s-dev/k1s/client"
)

// The rules below are those of the API server's strategies for the
// built-in kinds that have rules beyond metadata: Secret and ConfigMap.
// Work objects of these kinds are always typed (the scheme knows them), so
// the rules are written once, on Go types.

var secretGVK = corev1.SchemeGroupVersion.WithKind("Secret")

const immutableMsg = "field is immutable when `immutable` is set"

// mutateBuiltin applies the changes the API server makes on every write.
func mutateBuiltin(w client.Object) {
	if s, ok := w.(*corev1.Secret); ok {
		// stringData is a write-only convenience: it is merged into data
		// and never stored.
		if len(s.StringData) > 0 && s.Data == nil {
			s.Data = make(map[string][]byte, len(s.StringData))
		}
		for k, v := range s.StringData {
			s.Data[k] = []byte(v)
		}
		s.StringData = nil
		if s.Type == "" {
			s.Type = corev1.SecretTypeOpaque
		}
	}
}

// maxSecretSize bounds the data of a Secret or ConfigMap, as the API
// server's core.MaxSecretSize.
const maxSecretSize = 1 * 1024 * 1024

// redacted stands for a Secret value in error messages, as the API
// server never echoes one.
const redacted = "<secret contents redacted>"

// validateBuiltin checks the rules of built-in kinds (old is nil on
// create), in the order of the API server's ValidateSecret(Update) and
// ValidateConfigMap(Update), with their messages; map keys are visited
// sorted so that the same object always gets the same message.
func validateBuiltin(w, old client.Object) field.ErrorList {
	switch o := w.(type) {
	case *corev1.ConfigMap:
		var errs field.ErrorList
		if prev, ok := old.(*corev1.ConfigMap); ok && isTrue(prev.Immutable) {
			if !isTrue(o.Immutable) {
				errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
			}
			if !reflect.DeepEqual(o.Data, prev.Data) {
				errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMsg))
			}
			if !reflect.DeepEqual(o.BinaryData, prev.BinaryData) {
				errs = append(errs, field.Forbidden(field.NewPath("binaryData"), immutableMsg))
			}
		}
		return append(errs, validateConfigMap(o)...)
	case *corev1.Secret:
		var errs field.ErrorList
		if prev, ok := old.(*corev1.Secret); ok {
			if o.Type != prev.Type {
				errs = append(errs, field.Invalid(field.NewPath("type"), o.Type, "field is immutable"))
			}
			if isTrue(prev.Immutable) {
				if !isTrue(o.Immutable) {
					errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
				}
				if !reflect.DeepEqual(o.Data, prev.Data) {
					errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMsg))
				}
			}
		}
		return append(errs, validateSecret(o)...)
	case *corev1.Event:
		return validateEvent(o)
	}
	return nil
}

// The API server's limits on an Event's fields (pkg/apis/core/validation).
const (
	eventReportingInstanceLimit = 128
	eventActionLimit            = 128
	eventReasonLimit            = 128
	eventNoteLimit              = 1024
)

// validateEvent is the API server's legacyValidateEvent for a core/v1
// Event, the only rules that version has, on create and update alike:
// an event of the old style (no eventTime) is in its involved object's
// namespace ("default" for a cluster-scoped one); one of the new style
// names its reporter, action and reason.
func validateEvent(e *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		if e.InvolvedObject.Namespace == "" {
			if e.Namespace != "" && e.Namespace != "default" {
				errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
			}
		} else if e.Namespace != e.InvolvedObject.Namespace {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		return errs
	}
	if e.InvolvedObject.Namespace == "" && e.Namespace != "default" && e.Namespace != "kube-system" {
		errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
	}
	rc := field.NewPath("reportingComponent")
	if e.ReportingController == "" {
		errs = append(errs, field.Required(rc, ""))
	}
	for _, msg := range validation.IsQualifiedName(e.ReportingController) {
		errs = append(errs, field.Invalid(rc, e.ReportingController, msg))
	}
	errs = append(errs, requiredMax(field.NewPath("reportingInstance"), e.ReportingInstance, eventReportingInstanceLimit)...)
	errs = append(errs, requiredMax(field.NewPath("action"), e.Action, eventActionLimit)...)
	errs = append(errs, requiredMax(field.NewPath("reason"), e.Reason, eventReasonLimit)...)
	if len(e.Message) > eventNoteLimit {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %v characters", eventNoteLimit)))
	}
	return errs
}

// requiredMax is the API server's pair of checks on an Event's string
// field: set, and at most limit characters (the value is not echoed).
func requiredMax(p *field.Path, v string, limit int) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(v) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", limit))}
	}
	return nil
}

func validateConfigMap(o *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for _, k := range slices.Sorted(maps.Keys(o.Data)) {
		errs = append(errs, keyErrs(field.NewPath("data"), k)...)
		if _, dup := o.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
		}
		size += len(o.Data[k])
	}
	for _, k := range slices.Sorted(maps.Keys(o.BinaryData)) {
		errs = append(errs, keyErrs(field.NewPath("binaryData"), k)...)
		size += len(o.BinaryData[k])
	}
	if size > maxSecretSize {
		// The API server reports it on the whole object: an empty path,
		// which prints as "[]".
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxSecretSize))
	}
	return errs
}

// validateSecret is the API server's ValidateSecret: key names, total
// size, and the keys each built-in type requires.
func validateSecret(o *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	data := field.NewPath("data")
	size := 0
	for _, k := range slices.Sorted(maps.Keys(o.Data)) {
		errs = append(errs, keyErrs(data, k)...)
		size += len(o.Data[k])
	}
	if size > maxSecretSize {
		errs = append(errs, field.TooLong(data, "", maxSecretSize))
	}
	requireJSON := func(key string) {
		v, ok := o.Data[key]
		if !ok {
			errs = append(errs, field.Required(data.Key(key), ""))
			return
		}
		if err := json.Unmarshal(v, &map[string]any{}); err != nil {
			errs = append(errs, field.Invalid(data.Key(key), redacted, err.Error()))
		}
	}
	switch o.Type {
	case corev1.SecretTypeServiceAccountToken:
		// Only the account's name is required: its uid and the token
		// are the token controller's to fill in.
		if o.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		requireJSON(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		requireJSON(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		// Either may be empty, but one of them must be there.
		_, user := o.Data[corev1.BasicAuthUsernameKey]
		_, password := o.Data[corev1.BasicAuthPasswordKey]
		if !user && !password {
			errs = append(errs, field.Required(data.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(data.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		if len(o.Data[corev1.SSHAuthPrivateKey]) == 0 {
			errs = append(errs, field.Required(data.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		for _, k := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if _, ok := o.Data[k]; !ok {
				errs = append(errs, field.Required(data.Key(k), ""))
			}
		}
	}
	return errs
}

func keyErrs(path *field.Path, key string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(path.Key(key), key, msg))
	}
	return errs
}

func isTrue(b *bool) bool { return b != nil && *b }

// jsonUnmarshal decodes data case-sensitively, as the API server does.
func jsonUnmarshal(data []byte, v any) error {
	return sigsjson.UnmarshalCaseSensitivePreserveInts(data, v)
}
