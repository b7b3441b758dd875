// Package coretypes registers the built-in resource types of k1s — the
// core/v1 Namespace, ConfigMap, Secret, ServiceAccount and Event from
// k8s.io/api — in a runtime.Scheme (AddToScheme) and describes them for the
// type registry (Types): names, short names, scope, print columns and
// selectable fields as kubectl and the API server present them.
//
// # Print columns
//
// Types() returns, for each type, the complete list of columns kubectl
// prints for it, in order, NAME included (kubectl's built-in tables have no
// implicit NAME column: Event has none at all). Column names are given in
// upper case, as kubectl prints headers. A column with Priority > 0 is shown
// only with -o wide. A printer must compute each cell from the column's
// JSONPath and Type as follows.
//
// A JSONPath starting with "." is an ordinary kubectl JSONPath, evaluated
// exactly as for a CRD's additionalPrinterColumns (client-go's jsonpath on
// "{" + path + "}"). Type "date" renders the RFC 3339 timestamp found as an
// age in kubectl's short form (duration.HumanDuration: "5m", "3d4h"); a
// missing timestamp renders "<unknown>" for built-in types, as kubectl's
// translateTimestampSince does. A missing value of another type renders
// "<none>".
//
// A JSONPath of the form name(arg, ...) is a computed column: kubectl's
// built-in printers compute these cells in Go, and no JSONPath expresses
// them. Arguments are simple field paths (".a.b.c": dot-separated map keys,
// no brackets or filters) or decimal integer literals. Compute evaluates
// them; a printer should call it rather than re-implement it. The
// functions are:
//
//   - count(p1, p2, ...): the sum over the paths of the number of entries
//     (map keys or list items) found there; a missing or null path counts 0.
//     ConfigMap DATA is count(.data, .binaryData), Secret DATA is
//     count(.data) and ServiceAccount SECRETS is count(.secrets), as kubectl
//     prints them.
//   - kindname(p): the object at p has "kind" and "name": the result is the
//     lower-cased kind, a "/" and the name, or the lower-cased kind alone
//     when the name is empty. Event OBJECT is kindname(.involvedObject).
//   - coalesce(a1, a2, ...): the first argument whose value is present and
//     not a zero value (null, "", 0, false, empty map or list); an integer
//     literal is its own value. No such argument means the value is missing.
//     Event LAST SEEN is coalesce(.series.lastObservedTime, .lastTimestamp,
//     .firstTimestamp, .eventTime), a date; Event COUNT is
//     coalesce(.series.count, .count, 1).
//   - trim(p): the string at p with leading and trailing white space
//     removed (kubectl trims event messages).
//   - eventsource(): an Event's source as kubectl prints it: the component
//     (.source.component, else .reportingComponent), followed by ", " and the
//     host (.source.host, else .reportingInstance) when there is one.
//
// Other packages add functions with Register: kubetypes registers those of
// every kind of k8s.io/api under names of the form "kind.column"
// ("deployment.ready()"), so that printers calling Compute print those
// kinds' tables too. A function name is lower-case letters and dots.
//
// # Selectable fields
//
// SelectableFields are the JSON paths the API server accepts in field
// selectors for the type besides metadata.name and metadata.namespace; the
// selector key is the path without its leading dot. The one exception is
// Event's "source" selector, which the API server maps to
// source.component: it is listed as ".source.component", and SelectorPath
// maps the selector key "source" to it.
package coretypes
