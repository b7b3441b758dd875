package discovery

import (
	"encoding/binary"
	"errors"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/k1s-dev/k1s/registry"
)

// The cache index is a small binary encoding rather than JSON: decoding
// it is all a warm start does besides listing directories, and
// encoding/json took three quarters of that time (see BENCHMARKS.md).
// Strings are a uvarint length and bytes, lists a uvarint count and
// items, integers varints, booleans one byte. TestCacheCodecCoversTypes
// fails when registry.Type gains a field this encoding does not carry.

type encoder struct{ buf []byte }

func (e *encoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) int(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) str(s string)  { e.uint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}
func (e *encoder) strs(list []string) {
	e.uint(uint64(len(list)))
	for _, s := range list {
		e.str(s)
	}
}

func encodeIndex(files []fileEntry) []byte {
	e := &encoder{buf: make([]byte, 0, 8192)}
	e.uint(uint64(len(files)))
	for i := range files {
		f := &files[i]
		e.str(f.Path)
		e.int(f.Size)
		e.int(f.ModTime)
		e.strs(f.Warnings)
		e.uint(uint64(len(f.Types)))
		for j := range f.Types {
			ct := &f.Types[j]
			t := &ct.Type
			e.str(t.Kind.Group)
			e.str(t.Kind.Version)
			e.str(t.Kind.Kind)
			e.str(t.Resource)
			e.str(t.Singular)
			e.strs(t.ShortNames)
			e.strs(t.Categories)
			e.bool(t.Namespaced)
			e.str(t.ListKind)
			e.uint(uint64(len(t.PrintColumns)))
			for _, c := range t.PrintColumns {
				e.str(c.Name)
				e.str(c.Type)
				e.str(c.Format)
				e.str(c.Description)
				e.str(c.JSONPath)
				e.int(int64(c.Priority))
			}
			e.bool(t.StatusSubresource)
			e.strs(t.SelectableFields)
			e.bool(t.Storage)
			e.str(t.Source)
			e.uint(uint64(ct.SchemaOffset))
			e.uint(uint64(ct.SchemaLength))
			e.str(ct.SchemaOrigin)
			e.str(ct.SchemaPath)
		}
	}
	return e.buf
}

var errCorrupt = errors.New("corrupt discovery cache index")

type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

// count reads a list length, refusing ones the remaining bytes cannot
// hold (every item takes at least one byte) so that a damaged file cannot
// make us allocate gigabytes.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err != nil {
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

func (d *decoder) bool() bool {
	if d.err != nil || len(d.buf) == 0 {
		d.err = errCorrupt
		return false
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b == 1
}

func (d *decoder) strs() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func decodeIndex(buf []byte) ([]fileEntry, error) {
	d := &decoder{buf: buf}
	files := make([]fileEntry, d.count())
	for i := range files {
		f := &files[i]
		f.Path = d.str()
		f.Size = d.int()
		f.ModTime = d.int()
		f.Warnings = d.strs()
		if n := d.count(); n > 0 {
			f.Types = make([]cachedType, n)
		}
		for j := range f.Types {
			ct := &f.Types[j]
			t := &ct.Type
			t.Kind = schema.GroupVersionKind{Group: d.str(), Version: d.str(), Kind: d.str()}
			t.Resource = d.str()
			t.Singular = d.str()
			t.ShortNames = d.strs()
			t.Categories = d.strs()
			t.Namespaced = d.bool()
			t.ListKind = d.str()
			if n := d.count(); n > 0 {
				t.PrintColumns = make([]registry.PrintColumn, n)
			}
			for k := range t.PrintColumns {
				c := &t.PrintColumns[k]
				c.Name, c.Type, c.Format, c.Description, c.JSONPath = d.str(), d.str(), d.str(), d.str(), d.str()
				c.Priority = int32(d.int())
			}
			t.StatusSubresource = d.bool()
			t.SelectableFields = d.strs()
			t.Storage = d.bool()
			t.Source = d.str()
			ct.SchemaOffset = int(d.uint())
			ct.SchemaLength = int(d.uint())
			ct.SchemaOrigin = d.str()
			ct.SchemaPath = d.str()
		}
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = errCorrupt
	}
	return files, d.err
}
