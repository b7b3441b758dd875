package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/k1s-dev/k1s/admission"
	"github.com/k1s-dev/k1s/client"
	"github.com/k1s-dev/k1s/registry"
	"github.com/k1s-dev/k1s/storage"
)

// subresource says which part of an object a write may change.
type subresource int

const (
	mainResource subresource = iota
	statusResource
)

// now is the server time set on objects, at the one-second resolution
// it is stored with, so that what a write returns equals what a read
// returns.
func now() metav1.Time { return metav1.NewTime(time.Now().Truncate(time.Second)) }

// Create implements client.Client.
func (c *Client) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	return c.create(ctx, obj, (&client.CreateOptions{}).ApplyOptions(opts), false)
}

// create is Create; applied says obj is the result of a server-side apply
// to an object not stored, whose managedFields are final.
func (c *Client) create(ctx context.Context, obj client.Object, o *client.CreateOptions, applied bool) error {
	if err := checkManager(o.FieldManager, "CreateOptions"); err != nil {
		return err
	}
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	if obj.GetResourceVersion() != "" {
		return apierrors.NewBadRequest(fmt.Sprintf("%s %q: resourceVersion should not be set on objects to be created", t.QualifiedResource(), obj.GetName()))
	}
	fc, err := newFieldCheck(o.FieldValidation, "CreateOptions")
	if err != nil {
		return err
	}
	defer fc.warnAll(ctx, c)
	if gvk == namespaceGVK && obj.GetName() == metav1NamespaceDefault {
		// It exists, stored or not (see ensureDefaultNamespace).
		return apierrors.NewAlreadyExists(t.GroupResource(), metav1NamespaceDefault)
	}
	generated := obj.GetName() == "" && obj.GetGenerateName() != ""
	for attempt := 0; ; attempt++ {
		fc.reset()
		w, err := c.newWork(obj, gvk, fc)
		if err != nil {
			return err
		}
		if generated {
			w.SetName(generateName(w.GetGenerateName()))
		}
		if err := c.checkNamespace(ctx, t, w); err != nil {
			return err
		}
		c.prepareCreate(w, t, gvk)
		if err := c.admit(ctx, w, nil, t, gvk, fc); err != nil {
			return err
		}
		if !applied {
			if w, err = c.trackUpdate(w, nil, t, gvk, mainResource, c.managerOf(o.FieldManager)); err != nil {
				return err
			}
		}
		data, err := encodeFor(w, t, gvk)
		if err != nil {
			return err
		}
		key := c.key(t, w.GetNamespace(), w.GetName())
		if o.IsDryRun() {
			// The API server's dry run stops short of the write only: a
			// name that is taken is still AlreadyExists.
			if _, err := c.store.Get(ctx, key); err == nil {
				return storage.NewAlreadyExists(key)
			} else if !apierrors.IsNotFound(err) {
				return err
			}
			return output(obj, w, data, 0, gvk)
		}
		ops, err := c.indexOps(ctx, w, key, nil)
		if err != nil {
			return err
		}
		if err := c.recordType(ctx, t); err != nil {
			return err
		}
		var rev int64
		if len(ops) == 0 {
			rev, err = c.store.Create(ctx, key, data)
		} else {
			rev, err = c.store.Txn(ctx, append([]storage.Op{{Type: storage.OpCreate, Key: key, Value: data}}, ops...))
		}
		if err != nil {
			if generated && apierrors.IsAlreadyExists(err) && attempt < maxAttempts {
				continue
			}
			return err
		}
		c.wrote(ctx)
		if err := output(obj, w, data, rev, gvk); err != nil {
			return err
		}
		// The create committed, so it succeeded whatever the collection
		// finds; a failure to collect is left to the next sweep.
		_ = c.collectIfOrphaned(ctx, key, ops)
		return nil
	}
}

// generateName appends five random characters to prefix, as the API
// server's name generator does, shortening prefix so that the name stays
// within 63 characters.
func generateName(prefix string) string {
	const maxPrefix = 63 - 5
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	return prefix + utilrand.String(5)
}

// checkNamespace requires a namespaced object's namespace to exist and not
// to be terminating, as the NamespaceLifecycle admission plugin does.
func (c *Client) checkNamespace(ctx context.Context, t *registry.Type, w client.Object) error {
	ns := w.GetNamespace()
	if c.nsType == nil || !t.Namespaced || ns == "" {
		return nil
	}
	kv, err := c.store.Get(ctx, c.key(c.nsType, "", ns))
	if err != nil {
		if apierrors.IsNotFound(err) && ns == metav1NamespaceDefault {
			// Not stored before the tenant's first write, which a dry run
			// is not: it exists all the same.
			return nil
		}
		if apierrors.IsNotFound(err) {
			return apierrors.NewNotFound(c.nsType.GroupResource(), ns)
		}
		return err
	}
	if bytes.Contains(kv.Value, []byte(`"deletionTimestamp"`)) && isTerminating(kv.Value) {
		return apierrors.NewForbidden(t.GroupResource(), w.GetName(), fmt.Errorf(
			"unable to create new content in namespace %s because it is being terminated", ns))
	}
	return nil
}

func isTerminating(data []byte) bool {
	var m struct {
		Metadata struct {
			DeletionTimestamp *string `json:"deletionTimestamp"`
		} `json:"metadata"`
	}
	return jsonUnmarshal(data, &m) == nil && m.Metadata.DeletionTimestamp != nil
}

// prepareCreate sets the metadata the server owns and resets what a
// create may not set.
func (c *Client) prepareCreate(w client.Object, t *registry.Type, gvk schema.GroupVersionKind) {
	w.SetUID(uuid.NewUUID())
	w.SetCreationTimestamp(now())
	if t.NoGeneration {
		w.SetGeneration(0)
	} else {
		w.SetGeneration(1)
	}
	w.SetResourceVersion("")
	w.SetDeletionTimestamp(nil)
	w.SetDeletionGracePeriodSeconds(nil)
	w.SetSelfLink("")
	if t.StatusSubresource {
		c.clearStatus(w)
	}
}

// admit runs a work object about to be written (old is nil on create)
// through the API server's steps (package admission lists them): the
// decoder's pruning and schema defaulting, mutating admission, then the
// schema's pruning and defaults again over what the hooks added, the
// built-in, metadata and schema validation, every problem reported at
// once as one Invalid error, and validating admission. A Strict fc
// refuses the request, before anything else, for the unknown fields the
// pruning found.
func (c *Client) admit(ctx context.Context, w, old client.Object, t *registry.Type, gvk schema.GroupVersionKind, fc *fieldCheck) error {
	hasSchema := t.Schema != nil || t.LoadSchema != nil // plugin schemas load lazily
	pruned := false
	if u, ok := w.(*unstructured.Unstructured); ok && hasSchema && fc.reports() {
		fc.unknown(pruneUnknown(t, u.Object)...)
		pruned = true
	}
	if err := fc.strictErr(gvk); err != nil {
		return err
	}
	mutating, validating := c.admission.HasMutating(gvk), c.admission.HasValidating(gvk)
	if mutating || validating {
		attrs := c.attributes(w, old, t, gvk)
		attrs.Warn = func(text string) { c.warn(ctx, text) }
		ctx = admission.NewContext(ctx, attrs)
	}
	if mutating {
		if err := c.mutate(ctx, w, t, gvk, hasSchema, pruned); err != nil {
			return err
		}
		// What a hook added beyond the schema is pruned silently, as
		// the API server prunes what mutating admission added.
		pruned = false
	}
	if err := c.validate(w, old, t, gvk, hasSchema, pruned); err != nil {
		return err
	}
	if !validating {
		return nil
	}
	var warnings []string
	var err error
	if old == nil {
		warnings, err = c.admission.ValidateCreate(ctx, w)
	} else {
		warnings, err = c.admission.ValidateUpdate(ctx, old, w)
	}
	// The API server sends a webhook's warnings with its answer, a
	// denial too.
	for _, text := range warnings {
		c.warn(ctx, text)
	}
	return err
}

// attributes describe a write to the admission hooks.
func (c *Client) attributes(w, old client.Object, t *registry.Type, gvk schema.GroupVersionKind) admission.Attributes {
	a := admission.Attributes{
		Operation: admission.Create,
		Kind:      gvk,
		Resource:  t.GroupVersionResource(),
		Namespace: w.GetNamespace(),
		Name:      w.GetName(),
	}
	if old != nil {
		a.Operation, a.OldObject = admission.Update, old
	}
	return a
}

// mutate runs mutating admission on w, after the schema defaulting the
// API server's decoder does before it (pruned: the unknown fields are
// gone already).
func (c *Client) mutate(ctx context.Context, w client.Object, t *registry.Type, gvk schema.GroupVersionKind, hasSchema, pruned bool) error {
	if hasSchema {
		if err := c.defaultBySchema(w, t, pruned); err != nil {
			return err
		}
	}
	if err := c.admission.Default(ctx, w); err != nil {
		return err
	}
	w.GetObjectKind().SetGroupVersionKind(gvk)
	return nil
}

// validate applies the schema to w (pruning unless pruned, defaulting,
// validating) and the built-in and metadata rules, and returns every
// problem at once as one Invalid error.
func (c *Client) validate(w, old client.Object, t *registry.Type, gvk schema.GroupVersionKind, hasSchema, pruned bool) error {
	var errs field.ErrorList
	if hasSchema {
		schemaErrs, err := c.applySchema(w, old, t, pruned)
		if err != nil {
			return err
		}
		errs = append(errs, schemaErrs...)
	}
	mutateBuiltin(w)
	nameFn := apivalidation.NameIsDNSSubdomain
	if gvk == namespaceGVK {
		nameFn = apivalidation.NameIsDNSLabel
		mutateNamespace(w, old)
	}
	metaErrs := apivalidation.ValidateObjectMetaAccessor(w, t.Namespaced, nameFn, field.NewPath("metadata"))
	errs = append(metaErrs, errs...)
	if old != nil && old.GetDeletionTimestamp() != nil {
		errs = append(errs, apivalidation.ValidateNoNewFinalizers(w.GetFinalizers(), old.GetFinalizers(), field.NewPath("metadata", "finalizers"))...)
	}
	errs = append(errs, validateBuiltin(w, old)...)
	if len(errs) > 0 {
		return apierrors.NewInvalid(gvk.GroupKind(), w.GetName(), errs)
	}
	return nil
}

// Update implements client.Client.
func (c *Client) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	o := (&client.UpdateOptions{}).ApplyOptions(opts)
	return c.update(ctx, obj, mainResource, o)
}

func (c *Client) update(ctx context.Context, obj client.Object, sub subresource, o *client.UpdateOptions) error {
	dryRun := o.IsDryRun()
	gvk, t, err := c.resolve(obj)
	if err != nil {
		return err
	}
	fc, err := newFieldCheck(o.FieldValidation, "UpdateOptions")
	if err != nil {
		return err
	}
	if err := checkManager(o.FieldManager, "UpdateOptions"); err != nil {
		return err
	}
	fc.manager = c.managerOf(o.FieldManager)
	defer fc.warnAll(ctx, c)
	gr := t.GroupResource()
	if sub == statusResource && !t.StatusSubresource {
		return noStatusSubresource(t, obj.GetName())
	}
	rv := obj.GetResourceVersion()
	var want int64
	if rv != "" {
		if want, err = parseRV(rv); err != nil {
			return err
		}
	}
	key, err := c.objectKey(t, obj.GetNamespace(), obj.GetName())
	if err != nil {
		return err
	}
	return c.write(ctx, obj, gvk, t, key, sub, dryRun, rv != "", fc, func(kv storage.KeyValue) (client.Object, error) {
		if rv == "" && t.IsCustomResource() {
			// Custom resources refuse unconditional updates — of an
			// object that exists: a missing one is NotFound first, as
			// the API server's store finds out before it validates.
			return nil, apierrors.NewInvalid(gvk.GroupKind(), obj.GetName(), field.ErrorList{
				field.Invalid(field.NewPath("metadata", "resourceVersion"), rv, "must be specified for an update")})
		}
		if rv != "" && want != kv.Revision {
			return nil, conflictStale(gr, obj.GetName())
		}
		return obj, nil
	})
}

// wrote is called after each successful write: the tenant's first one
// stores its default Namespace (see ensureDefaultNamespace). A failure
// there does not fail the write that succeeded; the next write tries
// again.
func (c *Client) wrote(ctx context.Context) {
	_ = c.ensureDefaultNamespace(ctx)
}

// writeDefaultNamespace is write for the default Namespace of a tenant
// that has not stored it yet: the update applies to the Namespace as
// reads present it, and stores it only if it passes.
func (c *Client) writeDefaultNamespace(ctx context.Context, obj client.Object, gvk schema.GroupVersionKind, t *registry.Type, key string,
	sub subresource, dryRun, conditional bool, fc *fieldCheck, produce produceFunc) error {
	cur := storage.KeyValue{Key: key, Value: c.defaultNamespace()}
	w, _, err := c.nextObject(ctx, cur, gvk, t, sub, fc, produce)
	if err != nil {
		return err
	}
	if ts := w.GetCreationTimestamp(); ts.IsZero() {
		w.SetCreationTimestamp(now())
	}
	data, err := encode(w, gvk)
	if err != nil {
		return err
	}
	if dryRun {
		return output(obj, w, data, 0, gvk)
	}
	rev, err := c.store.Create(ctx, key, data)
	if apierrors.IsAlreadyExists(err) {
		// Stored meanwhile, by another process: update that.
		return c.write(ctx, obj, gvk, t, key, sub, dryRun, conditional, fc, produce)
	}
	if err != nil {
		return err
	}
	c.defaultStored.Store(true)
	return output(obj, w, data, rev, gvk)
}

// produceFunc returns the object a write wants stored, given the current
// stored value.
type produceFunc func(kv storage.KeyValue) (client.Object, error)

// Outcomes of the single-call update path that need something other than
// a plain write; they end the store's Update without writing.
var (
	errNoChange   = errors.New("nothing to write")
	errFinalize   = errors.New("the update removes the last finalizer")
	errIndexWrite = errors.New("the update changes owner references")
)

// write is the read-modify-write of Update, Status().Update and Patch.
// conditional writes (the caller named a resourceVersion) fail with a
// Conflict when they lose a race; the others are retried on the new value.
//
// The common case is one store Update (the backend's GuaranteedUpdate,
// one statement on SQLite). Writes that must also change the dependents
// index, or that complete a deletion, take the general path: a read, then
// a transaction guarded by the revision read.
func (c *Client) write(ctx context.Context, obj client.Object, gvk schema.GroupVersionKind, t *registry.Type, key string,
	sub subresource, dryRun, conditional bool, fc *fieldCheck, produce produceFunc) error {
	var (
		w    client.Object
		data []byte
		read storage.KeyValue
	)
	kv, err := c.store.Update(ctx, key, func(cur storage.KeyValue) ([]byte, error) {
		read = cur
		var old client.Object
		var err error
		if w, old, err = c.nextObject(ctx, cur, gvk, t, sub, fc, produce); err != nil {
			return nil, err
		}
		if old.GetDeletionTimestamp() != nil && len(w.GetFinalizers()) == 0 {
			return nil, errFinalize
		}
		if data, err = encodeFor(w, t, gvk); err != nil {
			return nil, err
		}
		if bytes.Equal(data, cur.Value) || dryRun {
			return nil, errNoChange
		}
		if len(w.GetOwnerReferences()) > 0 || len(old.GetOwnerReferences()) > 0 {
			now, err := c.refSegments(ctx, w.GetOwnerReferences(), w.GetNamespace())
			if err != nil {
				return nil, err
			}
			before, err := c.refSegments(ctx, old.GetOwnerReferences(), w.GetNamespace())
			if err != nil {
				return nil, err
			}
			if !slices.Equal(now, before) {
				return nil, errIndexWrite
			}
		}
		return data, nil
	})
	switch {
	case err == nil:
		if !dryRun {
			c.wrote(ctx)
		}
		return output(obj, w, data, kv.Revision, gvk)
	case apierrors.IsNotFound(err) && c.isDefaultNamespaceKey(key):
		return c.writeDefaultNamespace(ctx, obj, gvk, t, key, sub, dryRun, conditional, fc, produce)
	case errors.Is(err, errNoChange):
		// Nothing changed (or a dry run): the API server writes nothing
		// and the resourceVersion stays.
		return output(obj, w, data, read.Revision, gvk)
	case errors.Is(err, errFinalize), errors.Is(err, errIndexWrite):
		return c.writeTxn(ctx, obj, gvk, t, key, sub, dryRun, conditional, fc, produce)
	}
	return err
}

// nextObject computes the object an update stores over cur: the
// request's object with server-owned fields carried over, defaulted,
// validated, with its generation. It returns the decoded old object too.
func (c *Client) nextObject(ctx context.Context, cur storage.KeyValue, gvk schema.GroupVersionKind, t *registry.Type,
	sub subresource, fc *fieldCheck, produce produceFunc) (w, old client.Object, err error) {
	fc.reset()
	if old, err = c.decodeWork(cur.Value, cur.Revision, gvk); err != nil {
		return nil, nil, err
	}
	in, err := produce(cur)
	if err != nil {
		return nil, nil, err
	}
	if w, err = c.prepareUpdate(in, old, t, gvk, sub, fc); err != nil {
		return nil, nil, err
	}
	if fc.applied {
		w.SetManagedFields(in.GetManagedFields())
	}
	if err := c.admit(ctx, w, old, t, gvk, fc); err != nil {
		return nil, nil, err
	}
	if !fc.applied {
		if w, err = c.trackUpdate(w, old, t, gvk, sub, fc.manager); err != nil {
			return nil, nil, err
		}
	}
	gen := old.GetGeneration()
	if sub == mainResource && !t.NoGeneration && !c.specEqual(w, old, t.StatusSubresource) {
		gen++
	}
	w.SetGeneration(gen)
	return w, old, nil
}

// writeTxn is the general path of write: read, compute, then commit the
// object with its index changes, or the deletion it completes, in one
// transaction guarded by the revision read.
func (c *Client) writeTxn(ctx context.Context, obj client.Object, gvk schema.GroupVersionKind, t *registry.Type, key string,
	sub subresource, dryRun, conditional bool, fc *fieldCheck, produce produceFunc) error {
	for attempt := 1; ; attempt++ {
		kv, err := c.store.Get(ctx, key)
		if err != nil {
			return err
		}
		w, old, err := c.nextObject(ctx, kv, gvk, t, sub, fc, produce)
		if err != nil {
			return err
		}
		var rev int64
		if old.GetDeletionTimestamp() != nil && len(w.GetFinalizers()) == 0 {
			// The last finalizer is gone: the update completes the deletion.
			var data []byte
			rev, data, err = c.removeFinalized(ctx, w, kv, t, gvk, dryRun)
			if err == nil {
				return output(obj, w, data, rev, gvk)
			}
		} else {
			data, encErr := encodeFor(w, t, gvk)
			if encErr != nil {
				return encErr
			}
			if bytes.Equal(data, kv.Value) || dryRun {
				return output(obj, w, data, kv.Revision, gvk)
			}
			ops, ierr := c.indexOps(ctx, w, key, old)
			if ierr != nil {
				return ierr
			}
			rev, err = c.store.Txn(ctx, append([]storage.Op{{Type: storage.OpPut, Key: key, Value: data, ExpectedRevision: kv.Revision}}, ops...))
			if err == nil {
				c.wrote(ctx)
				if err := output(obj, w, data, rev, gvk); err != nil {
					return err
				}
				_ = c.collectIfOrphaned(ctx, key, ops) // committed: see Create
				return nil
			}
		}
		if conditional || attempt >= maxAttempts || !retriable(err) {
			if apierrors.IsConflict(err) {
				return conflictStale(t.GroupResource(), obj.GetName())
			}
			return err
		}
	}
}

// retriable reports whether a failed read-modify-write should start over:
// the object (or an index entry) changed under it.
func retriable(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsNotFound(err) || apierrors.IsAlreadyExists(err)
}

// prepareUpdate returns the work object to store for an update of old
// with in: server-owned metadata is carried over from old, and the status
// subresource split is applied.
func (c *Client) prepareUpdate(in, old client.Object, t *registry.Type, gvk schema.GroupVersionKind, sub subresource, fc *fieldCheck) (client.Object, error) {
	gr := t.GroupResource()
	if uid := in.GetUID(); uid != "" && uid != old.GetUID() {
		return nil, conflictUID(gr, in.GetName(), string(uid), string(old.GetUID()))
	}
	if sub == statusResource {
		// Only the status of the request counts; everything else stays.
		src, err := c.newWork(in, gvk, fc)
		if err != nil {
			return nil, err
		}
		w := old.DeepCopyObject().(client.Object)
		c.copyStatus(w, src)
		return w, nil
	}
	w, err := c.newWork(in, gvk, fc)
	if err != nil {
		return nil, err
	}
	w.SetUID(old.GetUID())
	w.SetCreationTimestamp(old.GetCreationTimestamp())
	w.SetDeletionTimestamp(old.GetDeletionTimestamp())
	w.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	w.SetGeneration(old.GetGeneration())
	// The request's managedFields, when it has any, replace the stored
	// ones before this write is recorded (an empty list resets them), as
	// on the API server; without, the stored ones are kept.
	w.SetManagedFields(in.GetManagedFields())
	w.SetSelfLink("")
	w.SetResourceVersion(old.GetResourceVersion())
	if t.StatusSubresource {
		c.copyStatus(w, old)
	}
	if gvk == namespaceGVK {
		keepNamespaceFinalizers(w, old)
	}
	return w, nil
}

// statusWriter is the client's Status().
type statusWriter struct{ c *Client }

// Status implements client.Client.
func (c *Client) Status() client.SubResourceWriter { return statusWriter{c} }

// Create implements client.SubResourceWriter. The status subresource
// cannot be created, as on the API server.
func (s statusWriter) Create(_ context.Context, obj client.Object, _ client.Object, _ ...client.SubResourceCreateOption) error {
	return apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "status"}, "create")
}

// Update implements client.SubResourceWriter: only .status of obj is
// written.
func (s statusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	o := (&client.SubResourceUpdateOptions{}).ApplyOptions(opts)
	if o.SubResourceBody != nil {
		obj = o.SubResourceBody
	}
	return s.c.update(ctx, obj, statusResource, &o.UpdateOptions)
}

// Patch implements client.SubResourceWriter: only .status of the patched
// object is written.
func (s statusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	o := (&client.SubResourcePatchOptions{}).ApplyOptions(opts)
	return s.c.patch(ctx, obj, patch, statusResource, &o.PatchOptions)
}

// rvString formats a revision as a resourceVersion ("" for 0: not stored).
func rvString(rev int64) string {
	if rev == 0 {
		return ""
	}
	return strconv.FormatInt(rev, 10)
}
