// Package fieldmanager gives the write path of k1s server-side apply and
// managedFields, as kube-apiserver has them: the FieldManager of
// k8s.io/apimachinery's managedfields over structured-merge-diff, with the
// type information kube-apiserver uses — for k8s.io/api kinds the schema
// client-go's applyconfigurations carry (zz_generated.schema.go, parsed
// per kind on first use), for custom resources their OpenAPI v3 schema
// converted as the API server converts a CRD's.
//
// Nothing here runs at package initialisation: the schema is static data,
// and a kind's type converter is built on the first write of that kind,
// so that reads (`k1s get`) pay nothing for it.
package fieldmanager

//go:generate go run ./internal/gen
