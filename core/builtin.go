package core

import (
	"reflect"

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

// validateBuiltin checks the rules of built-in kinds (old is nil on
// create).
func validateBuiltin(w, old client.Object) field.ErrorList {
	var errs field.ErrorList
	switch o := w.(type) {
	case *corev1.ConfigMap:
		for k := range o.Data {
			errs = append(errs, keyErrs(field.NewPath("data"), k)...)
			if _, dup := o.BinaryData[k]; dup {
				errs = append(errs, field.Invalid(field.NewPath("data").Key(k), k, "duplicate of key present in binaryData"))
			}
		}
		for k := range o.BinaryData {
			errs = append(errs, keyErrs(field.NewPath("binaryData"), k)...)
		}
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
	case *corev1.Secret:
		for k := range o.Data {
			errs = append(errs, keyErrs(field.NewPath("data"), k)...)
		}
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
