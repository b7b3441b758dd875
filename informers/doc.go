// Package informers runs client-go's own SharedIndexInformers (the genuine
// reflector, DeltaFIFO and indexers of k8s.io/client-go/tools/cache) over a
// k1s client.Client instead of an API server.
//
// NewListerWatcher adapts the Client's List and Watch to cache.ListerWatcher:
// label and field selectors, limit/continue and resourceVersion are passed
// through, and a watch from a compacted revision ends with 410 Gone so the
// reflector relists. A Factory hands out one informer per kind and shape
// (typed Go struct or unstructured), creates it on first request, and
// starts it with the factory (or at once when the factory already runs).
package informers
