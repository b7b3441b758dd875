// Package k1s is the front door of k1s, the Kubernetes resource model for
// command-line tools: typed and custom resources, kubectl-style reads and
// writes, watches, informers, events and controllers over an embedded
// store, with no API server and no cluster.
//
// Two tiers hand out the same client.Client:
//
//   - NewCoreClient (tier 1) is for one-shot commands. It starts in about a
//     millisecond, holds storage, scheme, registry, schema and admission
//     (package admission), and runs nothing in the background.
//   - The ManagedRuntime (tier 2) adds informers, events, work tracking and
//     controller-runtime controllers, with a Start/Shutdown lifecycle.
//
// Code written against client.Client does not care which tier it got.
package k1s
