// Package v1alpha1 holds the Go types of the inventory example's API,
// group inventory.example.com, version v1alpha1: Item and Category. They
// are plain Kubernetes API types (apimachinery only) so the same types
// work with k1s and with a real cluster.
package v1alpha1
