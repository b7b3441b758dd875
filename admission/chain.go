package admission

import (
	"context"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Chain is the admission of a Client: its mutating hooks and its
// validating hooks, each for one kind or for all kinds, run in the order
// they were added (see the package documentation for where the chain
// sits in a write). A Chain is a Defaulter and a Validator itself.
//
// The zero Chain has no hooks and is ready for use. A Chain is safe for
// concurrent use; hooks added while writes run apply to the writes that
// start afterwards. Hooks cannot be removed: build a new Client for a
// different set.
type Chain struct {
	mu    sync.Mutex // serializes the Add methods
	hooks atomic.Pointer[hookSet]
}

// hookSet is one immutable generation of a Chain's hooks: readers load it
// once per call and never lock.
type hookSet struct {
	mutating   []hook[Defaulter]
	validating []hook[Validator]
}

// hook is a registration: for kind gvk, or for every kind when all is set.
type hook[H any] struct {
	gvk schema.GroupVersionKind
	all bool
	h   H
}

func (h hook[H]) applies(gvk schema.GroupVersionKind) bool { return h.all || h.gvk == gvk }

// NewChain returns an empty Chain, for chained registrations:
// admission.NewChain().AddMutating(gvk, d).AddValidating(gvk, v).
func NewChain() *Chain { return &Chain{} }

// AddMutating adds d as a mutating hook for objects of kind gvk and
// returns c.
func (c *Chain) AddMutating(gvk schema.GroupVersionKind, d Defaulter) *Chain {
	return c.update(func(s *hookSet) { s.mutating = append(s.mutating, hook[Defaulter]{gvk: gvk, h: d}) })
}

// AddMutatingForAll adds d as a mutating hook for objects of every kind
// and returns c.
func (c *Chain) AddMutatingForAll(d Defaulter) *Chain {
	return c.update(func(s *hookSet) { s.mutating = append(s.mutating, hook[Defaulter]{all: true, h: d}) })
}

// AddValidating adds v as a validating hook for objects of kind gvk and
// returns c.
func (c *Chain) AddValidating(gvk schema.GroupVersionKind, v Validator) *Chain {
	return c.update(func(s *hookSet) { s.validating = append(s.validating, hook[Validator]{gvk: gvk, h: v}) })
}

// AddValidatingForAll adds v as a validating hook for objects of every
// kind and returns c.
func (c *Chain) AddValidatingForAll(v Validator) *Chain {
	return c.update(func(s *hookSet) { s.validating = append(s.validating, hook[Validator]{all: true, h: v}) })
}

// update publishes a copy of c's hooks changed by fn.
func (c *Chain) update(fn func(*hookSet)) *Chain {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := &hookSet{}
	if cur := c.hooks.Load(); cur != nil {
		next.mutating = append(next.mutating, cur.mutating...)
		next.validating = append(next.validating, cur.validating...)
	}
	fn(next)
	c.hooks.Store(next)
	return c
}

func (c *Chain) load() *hookSet {
	if c == nil {
		return nil
	}
	return c.hooks.Load()
}

// HasMutating reports whether a mutating hook applies to objects of kind
// gvk, so that a caller skips the work that only feeds hooks. A nil
// Chain has none.
func (c *Chain) HasMutating(gvk schema.GroupVersionKind) bool {
	if s := c.load(); s != nil {
		return anyApplies(s.mutating, gvk)
	}
	return false
}

// HasValidating reports whether a validating hook applies to objects of
// kind gvk. A nil Chain has none.
func (c *Chain) HasValidating(gvk schema.GroupVersionKind) bool {
	if s := c.load(); s != nil {
		return anyApplies(s.validating, gvk)
	}
	return false
}

func anyApplies[H any](hooks []hook[H], gvk schema.GroupVersionKind) bool {
	for _, h := range hooks {
		if h.applies(gvk) {
			return true
		}
	}
	return false
}

var (
	_ Defaulter = (*Chain)(nil)
	_ Validator = (*Chain)(nil)
)

// Default implements Defaulter: it runs every mutating hook that applies
// to obj's kind, in order, and stops at the first error. Each hook sees
// what the ones before it did.
func (c *Chain) Default(ctx context.Context, obj runtime.Object) error {
	s := c.load()
	if s == nil {
		return nil
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	for _, h := range s.mutating {
		if !h.applies(gvk) {
			continue
		}
		err := h.h.Default(ctx, obj)
		// A typed hook may clear apiVersion and kind; the next hook
		// dispatches on them.
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		if err != nil {
			return err
		}
	}
	return nil
}

// ValidateCreate implements Validator: it runs every validating hook
// that applies to obj's kind, in order, and stops at the first error. The
// warnings are those of every hook that ran.
func (c *Chain) ValidateCreate(ctx context.Context, obj runtime.Object) ([]string, error) {
	return c.validate(obj, func(v Validator) ([]string, error) { return v.ValidateCreate(ctx, obj) })
}

// ValidateUpdate implements Validator as ValidateCreate does, dispatching
// on newObj's kind.
func (c *Chain) ValidateUpdate(ctx context.Context, oldObj, newObj runtime.Object) ([]string, error) {
	return c.validate(newObj, func(v Validator) ([]string, error) { return v.ValidateUpdate(ctx, oldObj, newObj) })
}

// ValidateDelete implements Validator as ValidateCreate does.
func (c *Chain) ValidateDelete(ctx context.Context, obj runtime.Object) ([]string, error) {
	return c.validate(obj, func(v Validator) ([]string, error) { return v.ValidateDelete(ctx, obj) })
}

func (c *Chain) validate(obj runtime.Object, call func(Validator) ([]string, error)) ([]string, error) {
	s := c.load()
	if s == nil {
		return nil, nil
	}
	gvk := obj.GetObjectKind().GroupVersionKind()
	var warnings []string
	for _, h := range s.validating {
		if !h.applies(gvk) {
			continue
		}
		w, err := call(h.h)
		warnings = append(warnings, w...)
		if err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}
