package cliruntime

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/spf13/cobra"

	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/cliruntime/printers"
	"github.com/k1s-dev/k1s/cliruntime/resource"
	"github.com/k1s-dev/k1s/registry"
)

var eventGVK = schema.GroupVersionKind{Version: "v1", Kind: "Event"}

// EventsFor returns the core/v1 Events about obj, oldest first; nil when
// the registry has no Event type.
func EventsFor(ctx context.Context, c client.Client, reg *registry.Registry, obj *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	t, err := reg.TypeFor(eventGVK)
	if err != nil {
		return nil, nil
	}
	items, _, err := resource.List(ctx, c, t, resource.ListRequest{Namespace: obj.GetNamespace(), AllNamespaces: obj.GetNamespace() == ""})
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, e := range items {
		if str(e.Object, "involvedObject", "name") != obj.GetName() ||
			str(e.Object, "involvedObject", "kind") != obj.GetKind() ||
			str(e.Object, "involvedObject", "namespace") != obj.GetNamespace() {
			continue
		}
		if uid := str(e.Object, "involvedObject", "uid"); uid != "" && uid != string(obj.GetUID()) {
			continue
		}
		out = append(out, e)
	}
	sortEvents(out)
	return out, nil
}

// eventTime is the time kubectl sorts events by: the series' last
// observation, else the last timestamp, else the event time.
func eventTime(e *unstructured.Unstructured) time.Time {
	for _, path := range [][]string{{"series", "lastObservedTime"}, {"lastTimestamp"}, {"eventTime"}, {"firstTimestamp"}} {
		if v := str(e.Object, path...); v != "" {
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				return t
			}
		}
	}
	return e.GetCreationTimestamp().Time
}

func sortEvents(events []*unstructured.Unstructured) {
	sort.SliceStable(events, func(i, j int) bool { return eventTime(events[i]).Before(eventTime(events[j])) })
}

// prefixWriter writes describe output: levels indent by two spaces and
// tabs align as kubectl's describe tab writer (min width 0, tab width 8,
// padding 2).
type prefixWriter struct{ w *tabwriter.Writer }

func (p prefixWriter) write(level int, format string, args ...any) {
	_, _ = terminalEscaper.WriteString(p.w, fmt.Sprintf(strings.Repeat("  ", level)+format, args...))
}

// terminalEscaper replaces what would drive the terminal (escape
// sequences, carriage returns) in text from objects, as kubectl's
// describe output does.
var terminalEscaper = strings.NewReplacer("\x1b", "^[", "\r", "\\r")

// builtinDescriber writes kubectl's description of one built-in kind.
type builtinDescriber struct {
	describe func(p prefixWriter, u *unstructured.Unstructured) error
	// events says whether kubectl's describer lists the object's events
	// (after what describe writes).
	events bool
}

// builtinDescribers are kubectl's own describers (k8s.io/kubectl/pkg/
// describe) for the built-in kinds k1s serves; any other kind gets the
// generic description.
var builtinDescribers = map[schema.GroupKind]builtinDescriber{
	{Kind: "ConfigMap"}:      {describeConfigMap, true},
	{Kind: "Secret"}:         {describeSecret, false},
	{Kind: "Namespace"}:      {describeNamespace, false},
	{Kind: "ServiceAccount"}: {describeServiceAccount, true},
}

// DescribesEvents reports whether the description of objects of kind gk
// lists their events, as kubectl's describer for the kind does: Secrets
// and Namespaces have none.
func DescribesEvents(gk schema.GroupKind) bool {
	d, ok := builtinDescribers[gk]
	return !ok || d.events
}

// Describe writes kubectl's description of obj: for ConfigMaps, Secrets,
// Namespaces and ServiceAccounts that of kubectl's describer for the
// kind (a Secret's values never: each key shows its size in bytes); for
// any other kind the generic one — name, namespace, labels, annotations,
// every other field by nested sections. Then, when withEvents and the
// kind's describer has them, the Events section.
func Describe(w io.Writer, obj *unstructured.Unstructured, events []*unstructured.Unstructured, withEvents bool) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	p := prefixWriter{tw}
	gvk := obj.GroupVersionKind()
	if d, ok := builtinDescribers[gvk.GroupKind()]; ok && gvk.Version == "v1" {
		if err := d.describe(p, obj); err != nil {
			return err
		}
		if withEvents && d.events {
			describeEvents(p, events)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	describeMeta(p, obj)
	printUnstructuredContent(p, 0, obj.Object, "", ".metadata.managedFields", ".metadata.name",
		".metadata.namespace", ".metadata.labels", ".metadata.annotations")
	if withEvents {
		describeEvents(p, events)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func printMapMultiline(p prefixWriter, title string, m map[string]string) {
	p.write(0, "%s:\t", title)
	if len(m) == 0 {
		p.write(0, "<none>\n")
		return
	}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i != 0 {
			p.write(0, "\t")
		}
		p.write(0, "%s=%s\n", k, m[k])
	}
}

// maxAnnotationLen is where describe cuts long annotation values.
const maxAnnotationLen = 140

// printAnnotationsMultiline prints annotations as kubectl describe does:
// "key: value", long or multi-line values on lines of their own, the
// last-applied configuration left out.
func printAnnotationsMultiline(p prefixWriter, title string, annotations map[string]string) {
	p.write(0, "%s:\t", title)
	keys := slices.Sorted(maps.Keys(annotations))
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == LastAppliedAnnotation })
	if len(keys) == 0 {
		p.write(0, "<none>\n")
		return
	}
	for i, key := range keys {
		if i != 0 {
			p.write(0, "\t")
		}
		value := strings.TrimSuffix(annotations[key], "\n")
		if len(value)+len(key)+2 > maxAnnotationLen || strings.Contains(value, "\n") {
			p.write(0, "%s:\n", key)
			for _, line := range strings.Split(value, "\n") {
				if len(line) > maxAnnotationLen-2 {
					line = line[:maxAnnotationLen-2] + "..."
				}
				p.write(0, "\t  %s\n", line)
			}
			continue
		}
		p.write(0, "%s: %s\n", key, value)
	}
}

func printUnstructuredContent(p prefixWriter, level int, content map[string]any, skipPrefix string, skip ...string) {
	for _, field := range slices.Sorted(maps.Keys(content)) {
		expr := skipPrefix + "." + field
		if contains(skip, expr) {
			continue
		}
		switch v := content[field].(type) {
		case map[string]any:
			p.write(level, "%s:\n", smartLabelFor(field))
			printUnstructuredContent(p, level+1, v, expr, skip...)
		case []any:
			p.write(level, "%s:\n", smartLabelFor(field))
			for _, child := range v {
				if m, ok := child.(map[string]any); ok {
					printUnstructuredContent(p, level+1, m, expr, skip...)
				} else {
					p.write(level+1, "%v\n", child)
				}
			}
		default:
			p.write(level, "%s:\t%v\n", smartLabelFor(field), v)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// smartLabelFor turns a field name into a describe label as kubectl does:
// "creationTimestamp" -> "Creation Timestamp", "uid" -> "UID".
func smartLabelFor(field string) string {
	if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) != -1 {
		return field
	}
	acronyms := []string{"API", "URL", "UID", "OSB", "GUID"}
	parts := splitCamel(field)
	out := make([]string, 0, len(parts))
	for _, part := range parts {
		if part == "_" {
			continue
		}
		if contains(acronyms, strings.ToUpper(part)) {
			part = strings.ToUpper(part)
		} else if part != "" {
			part = strings.ToUpper(part[:1]) + part[1:]
		}
		out = append(out, part)
	}
	return strings.Join(out, " ")
}

// splitCamel splits "apiVersion" into "api", "Version" and keeps runs of
// capitals together ("UIDs" -> "UI", "Ds" is avoided by treating a run
// followed by lower case as starting a new word).
func splitCamel(s string) []string {
	runes := []rune(s)
	var parts []string
	start := 0
	for i := 1; i < len(runes); i++ {
		prev, cur := runes[i-1], runes[i]
		switch {
		case unicode.IsLower(prev) && unicode.IsUpper(cur):
			parts = append(parts, string(runes[start:i]))
			start = i
		case unicode.IsUpper(prev) && unicode.IsUpper(cur) && i+1 < len(runes) && unicode.IsLower(runes[i+1]):
			parts = append(parts, string(runes[start:i]))
			start = i
		case unicode.IsLetter(prev) != unicode.IsLetter(cur):
			parts = append(parts, string(runes[start:i]))
			start = i
		}
	}
	return append(parts, string(runes[start:]))
}

func describeEvents(p prefixWriter, events []*unstructured.Unstructured) {
	if len(events) == 0 {
		p.write(0, "Events:\t<none>\n")
		return
	}
	p.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	p.write(1, "----\t------\t----\t----\t-------\n")
	for _, e := range events {
		first := printers.Since(str(e.Object, "eventTime"))
		if str(e.Object, "eventTime") == "" {
			first = printers.Since(str(e.Object, "firstTimestamp"))
		}
		interval := first
		count, _, _ := unstructured.NestedInt64(e.Object, "count")
		if sc, ok, _ := unstructured.NestedInt64(e.Object, "series", "count"); ok {
			interval = fmt.Sprintf("%s (x%d over %s)", printers.Since(str(e.Object, "series", "lastObservedTime")), sc, first)
		} else if count > 1 {
			interval = fmt.Sprintf("%s (x%d over %s)", printers.Since(str(e.Object, "lastTimestamp")), count, first)
		}
		source := str(e.Object, "source", "component")
		if source == "" {
			source = str(e.Object, "reportingComponent")
		}
		message := strings.TrimSpace(str(e.Object, "message"))
		if fp := str(e.Object, "involvedObject", "fieldPath"); fp != "" {
			message = fp + ": " + message
		}
		p.write(1, "%v\t%v\t%s\t%v\t%v\n", str(e.Object, "type"), str(e.Object, "reason"), interval, source, message)
	}
}

// describeOptions are describe's flags.
type describeOptions struct {
	selector   string
	all        bool
	showEvents bool
	files      resource.FilenameOptions
}

func (c *CLI) newDescribeCommand() *cobra.Command {
	o := &describeOptions{}
	cmd := &cobra.Command{
		Use:   "describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
		Short: "Show details of a specific resource or group of resources",
		Long: `Show details of a specific resource or group of resources.

Print a detailed description of the selected resources, including related resources such as events. An exact NAME is shown alone; otherwise every object whose name starts with NAME_PREFIX is described.`,
		Example:           "  # Describe an item\n  " + c.Name + " describe item hammer",
		ValidArgsFunction: c.completeResources,
		RunE: c.run(func(cmd *cobra.Command, args []string) error {
			return c.runDescribe(cmd, o, args)
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&o.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.")
	f.BoolVarP(&o.all, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces.")
	f.BoolVar(&o.showEvents, "show-events", true, "If true, display events related to the described object.")
	f.StringSliceVarP(&o.files.Filenames, "filename", "f", nil, "Filename, directory, or URL to files containing the resource to describe")
	return cmd
}

func (c *CLI) runDescribe(cmd *cobra.Command, o *describeOptions, args []string) error {
	ctx := cmd.Context()
	if len(args) == 0 && len(o.files.Filenames) == 0 {
		return fmt.Errorf("You must specify the type of resource to describe. Use \"%s api-resources\" for a complete list of supported resources.", c.Name) //nolint:staticcheck // kubectl's sentence
	}
	s, rctx, cancel, err := c.sessionRequest(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	var objs []*unstructured.Unstructured
	var errs []error
	if len(o.files.Filenames) > 0 {
		targets, err := c.targets(ctx, s, nil, o.files, cmd.CommandPath())
		if err != nil {
			return err
		}
		for _, tg := range targets {
			u, err := resource.Get(rctx, s.Client, tg.Type, tg.Object.GetNamespace(), tg.Object.GetName())
			if err != nil {
				errs = append(errs, err)
				continue
			}
			objs = append(objs, u)
		}
	} else {
		refs, err := resource.ParseArgs(s.Registry, args)
		if err != nil {
			return err
		}
		if objs, errs, err = c.describedByArgs(rctx, o, s, refs); err != nil {
			return err
		}
		if len(objs) == 0 && len(errs) == 0 {
			c.noResources(c.ErrOut, refs, o.all)
			return nil
		}
	}
	if err := c.printDescriptions(rctx, s, objs, o.showEvents); err != nil {
		return err
	}
	return utilerrors.NewAggregate(errs)
}

// describedByArgs returns the objects refs name: those of a type named
// without names (by o's selector), or by each name, exactly or else as a
// prefix. errs are the names that found nothing; err ends the command.
func (c *CLI) describedByArgs(ctx context.Context, o *describeOptions, s *Session, refs []resource.Ref) (objs []*unstructured.Unstructured, errs []error, err error) {
	ns := c.Flags.NamespaceOrDefault()
	for _, ref := range refs {
		for _, t := range ref.Types {
			if len(ref.Names) == 0 {
				items, _, err := resource.List(ctx, s.Client, t, resource.ListRequest{Namespace: ns, AllNamespaces: o.all, LabelSelector: o.selector})
				if err != nil {
					return nil, nil, err
				}
				objs = append(objs, items...)
				continue
			}
			for _, n := range ref.Names {
				found, err := describedByName(ctx, s, t, ns, n)
				if err != nil {
					errs = append(errs, err)
				}
				objs = append(objs, found...)
			}
		}
	}
	return objs, errs, nil
}

// describedByName returns the object named name, or those whose names
// start with name, or the NotFound error when there are none.
func describedByName(ctx context.Context, s *Session, t *registry.Type, ns, name string) ([]*unstructured.Unstructured, error) {
	u, err := resource.Get(ctx, s.Client, t, ns, name)
	if err == nil {
		return []*unstructured.Unstructured{u}, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	items, _, lerr := resource.List(ctx, s.Client, t, resource.ListRequest{Namespace: ns})
	if lerr != nil {
		return nil, lerr
	}
	var found []*unstructured.Unstructured
	for _, it := range items {
		if strings.HasPrefix(it.GetName(), name) {
			found = append(found, it)
		}
	}
	if len(found) == 0 {
		return nil, err
	}
	return found, nil
}

// printDescriptions describes every object, with its events when
// showEvents, separated by blank lines.
func (c *CLI) printDescriptions(ctx context.Context, s *Session, objs []*unstructured.Unstructured, showEvents bool) error {
	sep := ""
	for _, u := range objs {
		var events []*unstructured.Unstructured
		if showEvents && DescribesEvents(u.GroupVersionKind().GroupKind()) {
			var err error
			if events, err = EventsFor(ctx, s.Client, s.Registry, u); err != nil {
				return err
			}
		}
		_, _ = fmt.Fprint(c.Out, sep)
		if err := Describe(c.Out, u, events, showEvents); err != nil {
			return err
		}
		sep = "\n\n"
	}
	return nil
}

// str is the field at fields of obj as text: "" when absent.
func str(obj map[string]any, fields ...string) string {
	s, _, _ := unstructured.NestedFieldNoCopy(obj, fields...)
	if v, ok := s.(string); ok {
		return v
	}
	if s == nil {
		return ""
	}
	return fmt.Sprint(s)
}
