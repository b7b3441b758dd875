// Package registry holds what k1s knows about each resource type: its
// kind and resource names (plural, singular, short names, categories),
// scope, print columns, status subresource, selectable fields and schema.
// It resolves what a user types ("items", "itm", "items.inventory.example.com",
// a category) to types, and serves as the RESTMapper of both tiers.
//
// Built-in types are added at start; plugin types come from a Source
// (plugin discovery) that is consulted only when a lookup misses, so a
// command that touches only built-in types never scans plugin manifests.
package registry
