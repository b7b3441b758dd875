package client

import (
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// The option vocabulary follows controller-runtime's pkg/client one to one,
// so call sites read the same against either library and the tier 2
// adapter can translate options field by field.

// CreateOption changes a Create.
type CreateOption interface{ ApplyToCreate(*CreateOptions) }

// DeleteOption changes a Delete.
type DeleteOption interface{ ApplyToDelete(*DeleteOptions) }

// GetOption changes a Get.
type GetOption interface{ ApplyToGet(*GetOptions) }

// ListOption changes a List or a Watch.
type ListOption interface{ ApplyToList(*ListOptions) }

// UpdateOption changes an Update.
type UpdateOption interface{ ApplyToUpdate(*UpdateOptions) }

// PatchOption changes a Patch.
type PatchOption interface{ ApplyToPatch(*PatchOptions) }

// DeleteAllOfOption changes a DeleteAllOf.
type DeleteAllOfOption interface{ ApplyToDeleteAllOf(*DeleteAllOfOptions) }

// SubResourceCreateOption changes a subresource Create.
type SubResourceCreateOption interface {
	ApplyToSubResourceCreate(*SubResourceCreateOptions)
}

// SubResourceUpdateOption changes a subresource Update.
type SubResourceUpdateOption interface {
	ApplyToSubResourceUpdate(*SubResourceUpdateOptions)
}

// SubResourcePatchOption changes a subresource Patch.
type SubResourcePatchOption interface {
	ApplyToSubResourcePatch(*SubResourcePatchOptions)
}

// DryRunAll asks for every stage of a write but the write itself: the
// request is validated and the would-be result returned, nothing stored.
var DryRunAll = dryRunAll{}

type dryRunAll struct{}

func (dryRunAll) ApplyToCreate(o *CreateOptions)           { o.DryRun = []string{metav1.DryRunAll} }
func (dryRunAll) ApplyToUpdate(o *UpdateOptions)           { o.DryRun = []string{metav1.DryRunAll} }
func (dryRunAll) ApplyToPatch(o *PatchOptions)             { o.DryRun = []string{metav1.DryRunAll} }
func (dryRunAll) ApplyToDelete(o *DeleteOptions)           { o.DryRun = []string{metav1.DryRunAll} }
func (dryRunAll) ApplyToDeleteAllOf(o *DeleteAllOfOptions) { o.DryRun = []string{metav1.DryRunAll} }
func (dryRunAll) ApplyToSubResourceCreate(o *SubResourceCreateOptions) {
	o.DryRun = []string{metav1.DryRunAll}
}
func (dryRunAll) ApplyToSubResourceUpdate(o *SubResourceUpdateOptions) {
	o.DryRun = []string{metav1.DryRunAll}
}
func (dryRunAll) ApplyToSubResourcePatch(o *SubResourcePatchOptions) {
	o.DryRun = []string{metav1.DryRunAll}
}

// FieldOwner names the actor making a write (the field manager).
type FieldOwner string

// ApplyToCreate implements CreateOption.
func (f FieldOwner) ApplyToCreate(o *CreateOptions) { o.FieldManager = string(f) }

// ApplyToUpdate implements UpdateOption.
func (f FieldOwner) ApplyToUpdate(o *UpdateOptions) { o.FieldManager = string(f) }

// ApplyToPatch implements PatchOption.
func (f FieldOwner) ApplyToPatch(o *PatchOptions) { o.FieldManager = string(f) }

// ApplyToSubResourceCreate implements SubResourceCreateOption.
func (f FieldOwner) ApplyToSubResourceCreate(o *SubResourceCreateOptions) {
	o.FieldManager = string(f)
}

// ApplyToSubResourceUpdate implements SubResourceUpdateOption.
func (f FieldOwner) ApplyToSubResourceUpdate(o *SubResourceUpdateOptions) {
	o.FieldManager = string(f)
}

// ApplyToSubResourcePatch implements SubResourcePatchOption.
func (f FieldOwner) ApplyToSubResourcePatch(o *SubResourcePatchOptions) {
	o.FieldManager = string(f)
}

// FieldValidation says what a Create, Update or Patch does with fields of
// the object that its type does not have (and fields given twice), as
// the API server's fieldValidation parameter does and controller-runtime's
// client.FieldValidation sets it:
//
//   - "Strict": the request fails, BadRequest, `strict decoding error:
//     unknown field "spec.bogus"`.
//   - "Warn" (what a request that sets nothing gets, as on the API
//     server): the fields are dropped and each is reported as a warning,
//     `unknown field "spec.bogus"`.
//   - "Ignore": the fields are dropped silently.
type FieldValidation string

// The fieldValidation values, as metav1 spells them.
const (
	FieldValidationStrict = FieldValidation(metav1.FieldValidationStrict)
	FieldValidationWarn   = FieldValidation(metav1.FieldValidationWarn)
	FieldValidationIgnore = FieldValidation(metav1.FieldValidationIgnore)
)

// ApplyToCreate implements CreateOption.
func (f FieldValidation) ApplyToCreate(o *CreateOptions) { o.FieldValidation = string(f) }

// ApplyToUpdate implements UpdateOption.
func (f FieldValidation) ApplyToUpdate(o *UpdateOptions) { o.FieldValidation = string(f) }

// ApplyToPatch implements PatchOption.
func (f FieldValidation) ApplyToPatch(o *PatchOptions) { o.FieldValidation = string(f) }

// ApplyToSubResourceCreate implements SubResourceCreateOption.
func (f FieldValidation) ApplyToSubResourceCreate(o *SubResourceCreateOptions) {
	o.FieldValidation = string(f)
}

// ApplyToSubResourceUpdate implements SubResourceUpdateOption.
func (f FieldValidation) ApplyToSubResourceUpdate(o *SubResourceUpdateOptions) {
	o.FieldValidation = string(f)
}

// ApplyToSubResourcePatch implements SubResourcePatchOption.
func (f FieldValidation) ApplyToSubResourcePatch(o *SubResourcePatchOptions) {
	o.FieldValidation = string(f)
}

// ForceOwnership lets an apply patch take fields owned by other managers.
var ForceOwnership = forceOwnership{}

type forceOwnership struct{}

func (forceOwnership) ApplyToPatch(o *PatchOptions) {
	force := true
	o.Force = &force
}

func (forceOwnership) ApplyToSubResourcePatch(o *SubResourcePatchOptions) {
	force := true
	o.Force = &force
}

// CreateOptions are the options of a Create.
type CreateOptions struct {
	// DryRun, when it holds metav1.DryRunAll, stores nothing.
	DryRun []string
	// FieldManager names the writer.
	FieldManager string
	// FieldValidation is Strict, Warn or Ignore (see FieldValidation);
	// empty means Warn, as on the API server.
	FieldValidation string
}

// ApplyOptions applies opts in order and returns o.
func (o *CreateOptions) ApplyOptions(opts []CreateOption) *CreateOptions {
	for _, opt := range opts {
		opt.ApplyToCreate(o)
	}
	return o
}

// ApplyToCreate implements CreateOption by copying the set fields of o.
func (o *CreateOptions) ApplyToCreate(to *CreateOptions) {
	if o.DryRun != nil {
		to.DryRun = o.DryRun
	}
	if o.FieldManager != "" {
		to.FieldManager = o.FieldManager
	}
	if o.FieldValidation != "" {
		to.FieldValidation = o.FieldValidation
	}
}

// IsDryRun reports whether the options ask for a dry run.
func (o *CreateOptions) IsDryRun() bool { return isDryRun(o.DryRun) }

// UpdateOptions are the options of an Update.
type UpdateOptions struct {
	DryRun       []string
	FieldManager string
	// FieldValidation is Strict, Warn or Ignore; empty means Warn.
	FieldValidation string
}

// ApplyOptions applies opts in order and returns o.
func (o *UpdateOptions) ApplyOptions(opts []UpdateOption) *UpdateOptions {
	for _, opt := range opts {
		opt.ApplyToUpdate(o)
	}
	return o
}

// ApplyToUpdate implements UpdateOption by copying the set fields of o.
func (o *UpdateOptions) ApplyToUpdate(to *UpdateOptions) {
	if o.DryRun != nil {
		to.DryRun = o.DryRun
	}
	if o.FieldManager != "" {
		to.FieldManager = o.FieldManager
	}
	if o.FieldValidation != "" {
		to.FieldValidation = o.FieldValidation
	}
}

// IsDryRun reports whether the options ask for a dry run.
func (o *UpdateOptions) IsDryRun() bool { return isDryRun(o.DryRun) }

// PatchOptions are the options of a Patch.
type PatchOptions struct {
	DryRun       []string
	FieldManager string
	// Force is for apply patches: take fields owned by other managers.
	Force *bool
	// FieldValidation is Strict, Warn or Ignore; empty means Warn.
	FieldValidation string
}

// ApplyOptions applies opts in order and returns o.
func (o *PatchOptions) ApplyOptions(opts []PatchOption) *PatchOptions {
	for _, opt := range opts {
		opt.ApplyToPatch(o)
	}
	return o
}

// ApplyToPatch implements PatchOption by copying the set fields of o.
func (o *PatchOptions) ApplyToPatch(to *PatchOptions) {
	if o.DryRun != nil {
		to.DryRun = o.DryRun
	}
	if o.FieldManager != "" {
		to.FieldManager = o.FieldManager
	}
	if o.Force != nil {
		to.Force = o.Force
	}
	if o.FieldValidation != "" {
		to.FieldValidation = o.FieldValidation
	}
}

// IsDryRun reports whether the options ask for a dry run.
func (o *PatchOptions) IsDryRun() bool { return isDryRun(o.DryRun) }

// DeleteOptions are the options of a Delete.
type DeleteOptions struct {
	// GracePeriodSeconds is accepted for compatibility; with no kubelet
	// there is nothing to wait for, so deletion is immediate.
	GracePeriodSeconds *int64
	// Preconditions must hold (UID, resourceVersion) or the delete is a
	// Conflict.
	Preconditions *metav1.Preconditions
	// PropagationPolicy says what happens to dependents (ownerReferences):
	// Background (the default) and Foreground delete them, Orphan keeps
	// them and removes the owner reference.
	PropagationPolicy *metav1.DeletionPropagation
	DryRun            []string
}

// ApplyOptions applies opts in order and returns o.
func (o *DeleteOptions) ApplyOptions(opts []DeleteOption) *DeleteOptions {
	for _, opt := range opts {
		opt.ApplyToDelete(o)
	}
	return o
}

// ApplyToDelete implements DeleteOption by copying the set fields of o.
func (o *DeleteOptions) ApplyToDelete(to *DeleteOptions) {
	if o.GracePeriodSeconds != nil {
		to.GracePeriodSeconds = o.GracePeriodSeconds
	}
	if o.Preconditions != nil {
		to.Preconditions = o.Preconditions
	}
	if o.PropagationPolicy != nil {
		to.PropagationPolicy = o.PropagationPolicy
	}
	if o.DryRun != nil {
		to.DryRun = o.DryRun
	}
}

// IsDryRun reports whether the options ask for a dry run.
func (o *DeleteOptions) IsDryRun() bool { return isDryRun(o.DryRun) }

// GracePeriodSeconds sets DeleteOptions.GracePeriodSeconds.
type GracePeriodSeconds int64

// ApplyToDelete implements DeleteOption.
func (s GracePeriodSeconds) ApplyToDelete(o *DeleteOptions) {
	secs := int64(s)
	o.GracePeriodSeconds = &secs
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (s GracePeriodSeconds) ApplyToDeleteAllOf(o *DeleteAllOfOptions) {
	s.ApplyToDelete(&o.DeleteOptions)
}

// Preconditions sets DeleteOptions.Preconditions.
type Preconditions metav1.Preconditions

// ApplyToDelete implements DeleteOption.
func (p Preconditions) ApplyToDelete(o *DeleteOptions) {
	pre := metav1.Preconditions(p)
	o.Preconditions = &pre
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (p Preconditions) ApplyToDeleteAllOf(o *DeleteAllOfOptions) {
	p.ApplyToDelete(&o.DeleteOptions)
}

// PropagationPolicy sets DeleteOptions.PropagationPolicy.
type PropagationPolicy metav1.DeletionPropagation

// ApplyToDelete implements DeleteOption.
func (p PropagationPolicy) ApplyToDelete(o *DeleteOptions) {
	policy := metav1.DeletionPropagation(p)
	o.PropagationPolicy = &policy
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (p PropagationPolicy) ApplyToDeleteAllOf(o *DeleteAllOfOptions) {
	p.ApplyToDelete(&o.DeleteOptions)
}

// GetOptions are the options of a Get. There are none that change what a
// Get of the embedded store returns; the type exists for the signature.
type GetOptions struct{}

// ApplyOptions applies opts in order and returns o.
func (o *GetOptions) ApplyOptions(opts []GetOption) *GetOptions {
	for _, opt := range opts {
		opt.ApplyToGet(o)
	}
	return o
}

// ApplyToGet implements GetOption.
func (o *GetOptions) ApplyToGet(*GetOptions) {}

// ListOptions are the options of a List or Watch.
type ListOptions struct {
	// LabelSelector keeps objects whose labels match.
	LabelSelector labels.Selector
	// FieldSelector keeps objects whose fields match (metadata.name,
	// metadata.namespace and the fields a type declares).
	FieldSelector fields.Selector
	// Namespace restricts to one namespace; "" is all namespaces.
	Namespace string
	// Limit caps the items returned; Continue then reads the next page.
	Limit    int64
	Continue string
	// ResourceVersion: for a List, the revision to read at ("" or "0" for
	// the latest); for a Watch, the revision after which to start.
	ResourceVersion string
	// SendInitialEvents asks a Watch to start with an ADDED event for every
	// existing object.
	SendInitialEvents *bool
}

// ApplyOptions applies opts in order and returns o.
func (o *ListOptions) ApplyOptions(opts []ListOption) *ListOptions {
	for _, opt := range opts {
		opt.ApplyToList(o)
	}
	return o
}

// ApplyToList implements ListOption by copying the set fields of o.
func (o *ListOptions) ApplyToList(to *ListOptions) {
	if o.LabelSelector != nil {
		to.LabelSelector = o.LabelSelector
	}
	if o.FieldSelector != nil {
		to.FieldSelector = o.FieldSelector
	}
	if o.Namespace != "" {
		to.Namespace = o.Namespace
	}
	if o.Limit > 0 {
		to.Limit = o.Limit
	}
	if o.Continue != "" {
		to.Continue = o.Continue
	}
	if o.ResourceVersion != "" {
		to.ResourceVersion = o.ResourceVersion
	}
	if o.SendInitialEvents != nil {
		to.SendInitialEvents = o.SendInitialEvents
	}
}

// AsListOptions returns o as metav1.ListOptions, for ListerWatchers.
func (o *ListOptions) AsListOptions() *metav1.ListOptions {
	lo := &metav1.ListOptions{
		Limit:             o.Limit,
		Continue:          o.Continue,
		ResourceVersion:   o.ResourceVersion,
		SendInitialEvents: o.SendInitialEvents,
	}
	if o.LabelSelector != nil {
		lo.LabelSelector = o.LabelSelector.String()
	}
	if o.FieldSelector != nil {
		lo.FieldSelector = o.FieldSelector.String()
	}
	return lo
}

// ListOptionsFromMeta translates list options in their wire form — what a
// client-go reflector sends, or what controller-runtime carries in
// ListOptions.Raw — into ListOptions for namespace ("" for all). It is the
// one such translation in k1s: the informers' ListerWatcher and the
// controller-runtime adapter both use it.
//
// Selectors are parsed as the API server parses the labelSelector and
// fieldSelector parameters: one that does not parse is a BadRequest with
// the parser's text, the API server's answer, never a wider selection. A
// selector that parses is kept even when it selects everything (a
// whitespace-only label selector, a field selector of empty terms), as on
// the API server (a label selector holding a NUL byte is the exception,
// see below). Fields k1s has no use for (watch, allowWatchBookmarks,
// timeoutSeconds, resourceVersionMatch, shardSelector) are dropped.
func ListOptionsFromMeta(opts metav1.ListOptions, namespace string) (*ListOptions, error) {
	lo := &ListOptions{
		Namespace:         namespace,
		Limit:             opts.Limit,
		Continue:          opts.Continue,
		ResourceVersion:   opts.ResourceVersion,
		SendInitialEvents: opts.SendInitialEvents,
	}
	if opts.LabelSelector != "" {
		// labels.Parse reads a NUL byte as the end of the input, so
		// "a=b\x00,c=d" would select by a=b alone: the one input where
		// k1s answers BadRequest and the API server widens.
		if i := strings.IndexByte(opts.LabelSelector, 0); i >= 0 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: NUL character at offset %d of the label selector", i))
		}
		sel, err := labels.Parse(opts.LabelSelector)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		lo.LabelSelector = sel
	}
	if opts.FieldSelector != "" {
		sel, err := fields.ParseSelector(opts.FieldSelector)
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		lo.FieldSelector = sel
	}
	return lo, nil
}

// MatchingLabels keeps objects whose labels equal all of these.
type MatchingLabels map[string]string

// ApplyToList implements ListOption.
func (m MatchingLabels) ApplyToList(o *ListOptions) {
	o.LabelSelector = labels.SelectorFromValidatedSet(labels.Set(m))
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (m MatchingLabels) ApplyToDeleteAllOf(o *DeleteAllOfOptions) { m.ApplyToList(&o.ListOptions) }

// HasLabels keeps objects that have all of these label keys.
type HasLabels []string

// ApplyToList implements ListOption.
func (m HasLabels) ApplyToList(o *ListOptions) {
	sel := labels.NewSelector()
	if o.LabelSelector != nil {
		if reqs, ok := o.LabelSelector.Requirements(); ok {
			sel = sel.Add(reqs...)
		}
	}
	for _, key := range m {
		if r, err := labels.NewRequirement(key, selection.Exists, nil); err == nil {
			sel = sel.Add(*r)
		}
	}
	o.LabelSelector = sel
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (m HasLabels) ApplyToDeleteAllOf(o *DeleteAllOfOptions) { m.ApplyToList(&o.ListOptions) }

// MatchingLabelsSelector keeps objects matched by a label selector.
type MatchingLabelsSelector struct{ labels.Selector }

// ApplyToList implements ListOption.
func (m MatchingLabelsSelector) ApplyToList(o *ListOptions) { o.LabelSelector = m.Selector }

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (m MatchingLabelsSelector) ApplyToDeleteAllOf(o *DeleteAllOfOptions) {
	m.ApplyToList(&o.ListOptions)
}

// MatchingFields keeps objects whose fields equal all of these.
type MatchingFields fields.Set

// ApplyToList implements ListOption.
func (m MatchingFields) ApplyToList(o *ListOptions) {
	o.FieldSelector = fields.SelectorFromSet(fields.Set(m))
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (m MatchingFields) ApplyToDeleteAllOf(o *DeleteAllOfOptions) { m.ApplyToList(&o.ListOptions) }

// MatchingFieldsSelector keeps objects matched by a field selector.
type MatchingFieldsSelector struct{ fields.Selector }

// ApplyToList implements ListOption.
func (m MatchingFieldsSelector) ApplyToList(o *ListOptions) { o.FieldSelector = m.Selector }

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (m MatchingFieldsSelector) ApplyToDeleteAllOf(o *DeleteAllOfOptions) {
	m.ApplyToList(&o.ListOptions)
}

// InNamespace restricts to one namespace.
type InNamespace string

// ApplyToList implements ListOption.
func (n InNamespace) ApplyToList(o *ListOptions) { o.Namespace = string(n) }

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (n InNamespace) ApplyToDeleteAllOf(o *DeleteAllOfOptions) { n.ApplyToList(&o.ListOptions) }

// Limit caps the number of items a List returns.
type Limit int64

// ApplyToList implements ListOption.
func (l Limit) ApplyToList(o *ListOptions) { o.Limit = int64(l) }

// Continue reads the page after a previous limited List.
type Continue string

// ApplyToList implements ListOption.
func (c Continue) ApplyToList(o *ListOptions) { o.Continue = string(c) }

// DeleteAllOfOptions are the options of a DeleteAllOf: which objects
// (ListOptions) and how each is deleted (DeleteOptions).
type DeleteAllOfOptions struct {
	ListOptions
	DeleteOptions
}

// ApplyOptions applies opts in order and returns o.
func (o *DeleteAllOfOptions) ApplyOptions(opts []DeleteAllOfOption) *DeleteAllOfOptions {
	for _, opt := range opts {
		opt.ApplyToDeleteAllOf(o)
	}
	return o
}

// ApplyToDeleteAllOf implements DeleteAllOfOption.
func (o *DeleteAllOfOptions) ApplyToDeleteAllOf(to *DeleteAllOfOptions) {
	o.ApplyToList(&to.ListOptions)
	o.ApplyToDelete(&to.DeleteOptions)
}

// SubResourceCreateOptions are the options of a subresource Create.
type SubResourceCreateOptions struct{ CreateOptions }

// ApplyOptions applies opts in order and returns o.
func (o *SubResourceCreateOptions) ApplyOptions(opts []SubResourceCreateOption) *SubResourceCreateOptions {
	for _, opt := range opts {
		opt.ApplyToSubResourceCreate(o)
	}
	return o
}

// ApplyToSubResourceCreate implements SubResourceCreateOption.
func (o *SubResourceCreateOptions) ApplyToSubResourceCreate(to *SubResourceCreateOptions) {
	o.ApplyToCreate(&to.CreateOptions)
}

// SubResourceUpdateOptions are the options of a subresource Update.
type SubResourceUpdateOptions struct {
	UpdateOptions
	// SubResourceBody is accepted for compatibility with
	// controller-runtime; status updates take the status from obj.
	SubResourceBody Object
}

// ApplyOptions applies opts in order and returns o.
func (o *SubResourceUpdateOptions) ApplyOptions(opts []SubResourceUpdateOption) *SubResourceUpdateOptions {
	for _, opt := range opts {
		opt.ApplyToSubResourceUpdate(o)
	}
	return o
}

// ApplyToSubResourceUpdate implements SubResourceUpdateOption.
func (o *SubResourceUpdateOptions) ApplyToSubResourceUpdate(to *SubResourceUpdateOptions) {
	o.ApplyToUpdate(&to.UpdateOptions)
	if o.SubResourceBody != nil {
		to.SubResourceBody = o.SubResourceBody
	}
}

// SubResourcePatchOptions are the options of a subresource Patch.
type SubResourcePatchOptions struct {
	PatchOptions
	SubResourceBody Object
}

// ApplyOptions applies opts in order and returns o.
func (o *SubResourcePatchOptions) ApplyOptions(opts []SubResourcePatchOption) *SubResourcePatchOptions {
	for _, opt := range opts {
		opt.ApplyToSubResourcePatch(o)
	}
	return o
}

// ApplyToSubResourcePatch implements SubResourcePatchOption.
func (o *SubResourcePatchOptions) ApplyToSubResourcePatch(to *SubResourcePatchOptions) {
	o.ApplyToPatch(&to.PatchOptions)
	if o.SubResourceBody != nil {
		to.SubResourceBody = o.SubResourceBody
	}
}

func isDryRun(dryRun []string) bool {
	for _, d := range dryRun {
		if d == metav1.DryRunAll {
			return true
		}
	}
	return false
}
