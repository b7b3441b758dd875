package plugins

import (
	"errors"
	"fmt"
)

// The time limit of a call is enforced by the module itself: before it is
// compiled, every loop of every function gets a check of a flag the host
// raises when the call's time is up (see addStopChecks). wazero's own way,
// RuntimeConfig.WithCloseOnContextDone, leaves native code at every loop
// iteration to look at the context from Go, which made a Go-built guest
// twenty times slower: a Go function's body is itself a loop (the wasm
// port's resumption dispatch). A loop is the only way back in WebAssembly
// code (recursion ends at the stack limit), so a check at the head of
// every loop bounds how long a module runs past its flag.
//
// Native code cannot be preempted by the Go scheduler, and a garbage
// collection stops the world: a module spinning in a loop would hold the
// collection, and with it the goroutine that is to raise the flag,
// forever. So every few thousand loop iterations (a countdown in a second
// global) the check also leaves native code, by a memory.grow of 0 pages,
// which wazero serves in Go: the collection gets its safe point there, as
// wazero's own check gives it one at every iteration.

// stopExport is the name under which the instrumented module exports
// the flag; a module that exports the name itself is refused.
const stopExport = "k1s:stop"

// Section ids.
const (
	secCustom = 0
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secCode   = 10
)

// sectionRank is the order non-custom sections must come in
// (data count, 12, sits between element, 9, and code, 10).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}

var errTruncated = errors.New("unexpected end")

type wasmReader struct {
	b   []byte
	off int
}

func (r *wasmReader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *wasmReader) skip(n int) error {
	if n < 0 || len(r.b)-r.off < n {
		return errTruncated
	}
	r.off += n
	return nil
}

// u32 reads an unsigned LEB128 number of at most 32 bits.
func (r *wasmReader) u32() (uint32, error) {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, errors.New("a number longer than 5 bytes")
}

// leb skips a (signed or unsigned) LEB128 number of at most max bytes.
func (r *wasmReader) leb(maxBytes int) error {
	for range maxBytes {
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c&0x80 == 0 {
			return nil
		}
	}
	return fmt.Errorf("a number longer than %d bytes", maxBytes)
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendSection(out []byte, id byte, payload []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(payload)))
	return append(out, payload...)
}

// addStopChecks returns wasm with two mutable i32 globals, the first
// exported as stopExport (0 at instantiation), and stopCheck at the head
// of every loop: setting the flag to non-zero makes the running code trap
// within a few thousand loop iterations. The module's own indices are
// unchanged (the globals are the last ones). An
// instruction it does not know, or a module that already uses the
// global's index or name, is an error: the module is not run.
func addStopChecks(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, errors.New("not a WebAssembly 1.0 binary module")
	}
	r := &wasmReader{b: wasm, off: 8}
	out := make([]byte, 0, len(wasm)+len(wasm)/16)
	out = append(out, wasm[:8]...)
	var importedGlobals uint32
	stopIndex := uint32(0)
	haveGlobals, haveExports, hasMemory := false, false, false
	rank := 0
	// flush adds the sections the module lacks once the sections after
	// them start.
	flush := func(next int) {
		if !haveGlobals && next > sectionRank[secGlobal] {
			haveGlobals = true
			stopIndex = importedGlobals
			out = appendSection(out, secGlobal, appendStopGlobal(appendU32(nil, 2)))
		}
		if !haveExports && next > sectionRank[secExport] {
			haveExports = true
			out = appendSection(out, secExport, appendStopExport(appendU32(nil, 1), stopIndex))
		}
	}
	for r.off < len(wasm) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		start := r.off
		if err := r.skip(int(size)); err != nil {
			return nil, fmt.Errorf("section %d: %w", id, err)
		}
		payload := wasm[start:r.off]
		if id == secCustom {
			out = appendSection(out, id, payload)
			continue
		}
		next, ok := sectionRank[id]
		if !ok || next <= rank {
			return nil, fmt.Errorf("section %d is unknown or out of order", id)
		}
		rank = next
		flush(next)
		switch id {
		case secMemory:
			hasMemory = hasMemory || (len(payload) > 0 && payload[0] != 0)
		case secImport:
			if importedGlobals, hasMemory, err = countImports(payload); err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
		case secGlobal:
			haveGlobals = true
			pr := &wasmReader{b: payload}
			n, err := pr.u32()
			if err != nil {
				return nil, fmt.Errorf("global section: %w", err)
			}
			stopIndex = importedGlobals + n
			payload = appendStopGlobal(append(appendU32(nil, n+2), payload[pr.off:]...))
		case secExport:
			haveExports = true
			if payload, err = addStopExport(payload, stopIndex); err != nil {
				return nil, fmt.Errorf("export section: %w", err)
			}
		case secCode:
			if payload, err = instrumentCode(payload, stopIndex, hasMemory); err != nil {
				return nil, fmt.Errorf("code section: %w", err)
			}
		}
		out = appendSection(out, id, payload)
	}
	flush(len(sectionRank) + 1)
	return out, nil
}

// stopGlobals are the flag, (global (mut i32) (i32.const 0)), and the
// countdown of loop iterations to the next visit to Go, (global (mut
// i32) (i32.const 4096)).
var stopGlobals = []byte{0x7f, 0x01, 0x41, 0x00, 0x0b, 0x7f, 0x01, 0x41, 0x80, 0x20, 0x0b}

func appendStopGlobal(b []byte) []byte { return append(b, stopGlobals...) }

// stopCheck is what goes at the head of a loop, $stop and $fuel being the
// globals stop and stop+1:
//
//	global.get $fuel  i32.const -1  i32.add  global.set $fuel
//	global.get $fuel  i32.eqz
//	if
//	  i32.const 0  memory.grow  drop      (when the module has a memory)
//	  i32.const 4096  global.set $fuel
//	  global.get $stop  if  unreachable  end
//	end
func stopCheck(stop uint32, hasMemory bool) []byte {
	f := appendU32(nil, stop+1)
	b := append([]byte{0x23}, f...)
	b = append(b, 0x41, 0x7f, 0x6a, 0x24)
	b = append(b, f...)
	b = append(b, 0x23)
	b = append(b, f...)
	b = append(b, 0x45, 0x04, 0x40)
	if hasMemory {
		b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1a)
	}
	b = append(b, 0x41, 0x80, 0x20, 0x24)
	b = append(b, f...)
	b = append(b, 0x23)
	b = appendU32(b, stop)
	return append(b, 0x04, 0x40, 0x00, 0x0b, 0x0b)
}

func appendStopExport(b []byte, index uint32) []byte {
	b = appendU32(b, uint32(len(stopExport)))
	b = append(b, stopExport...)
	b = append(b, 0x03) // a global
	return appendU32(b, index)
}

// countImports returns how many globals the module imports and whether
// it imports a memory.
func countImports(payload []byte) (globals uint32, memory bool, err error) {
	r := &wasmReader{b: payload}
	n, err := r.u32()
	if err != nil {
		return 0, false, err
	}
	for range n {
		for range 2 { // module and field names
			l, err := r.u32()
			if err != nil {
				return 0, false, err
			}
			if err := r.skip(int(l)); err != nil {
				return 0, false, err
			}
		}
		kind, err := r.byte()
		if err != nil {
			return 0, false, err
		}
		switch kind {
		case 0x00: // function: type index
			_, err = r.u32()
		case 0x01: // table: reference type, limits
			if _, err = r.byte(); err == nil {
				err = skipLimits(r)
			}
		case 0x02: // memory: limits
			memory = true
			err = skipLimits(r)
		case 0x03: // global: value type, mutability
			globals++
			err = r.skip(2)
		default:
			return 0, false, fmt.Errorf("import kind %#x", kind)
		}
		if err != nil {
			return 0, false, err
		}
	}
	return globals, memory, nil
}

func skipLimits(r *wasmReader) error {
	flag, err := r.byte()
	if err != nil {
		return err
	}
	if flag > 1 {
		return fmt.Errorf("limits flag %#x (shared or 64-bit memory)", flag)
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag == 1 {
		_, err = r.u32()
	}
	return err
}

func addStopExport(payload []byte, index uint32) ([]byte, error) {
	r := &wasmReader{b: payload}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	entries := r.off
	for range n {
		l, err := r.u32()
		if err != nil {
			return nil, err
		}
		nameStart := r.off
		if err := r.skip(int(l)); err != nil {
			return nil, err
		}
		if string(payload[nameStart:r.off]) == stopExport {
			return nil, fmt.Errorf("the module exports %q, a name the host reserves", stopExport)
		}
		if err := r.skip(1); err != nil {
			return nil, err
		}
		if _, err := r.u32(); err != nil {
			return nil, err
		}
	}
	if r.off != len(payload) {
		return nil, errors.New("bytes after the last export")
	}
	out := append(appendU32(nil, n+1), payload[entries:]...)
	return appendStopExport(out, index), nil
}

// instrumentCode rewrites every function body of a code section.
func instrumentCode(payload []byte, stopIndex uint32, hasMemory bool) ([]byte, error) {
	r := &wasmReader{b: payload}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	check := stopCheck(stopIndex, hasMemory)
	out := make([]byte, 0, len(payload)+len(payload)/16)
	out = appendU32(out, n)
	var body []byte
	for i := range n {
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		start := r.off
		if err := r.skip(int(size)); err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		body, err = instrumentBody(body[:0], payload[start:r.off], check, stopIndex)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if r.off != len(payload) {
		return nil, errors.New("bytes after the last function")
	}
	return out, nil
}

// instrumentBody appends body to out with check after the block type of
// every loop. It reads every instruction: an immediate it cannot skip
// would put a check inside another instruction.
func instrumentBody(out, body, check []byte, stopIndex uint32) ([]byte, error) {
	r := &wasmReader{b: body}
	groups, err := r.u32()
	if err != nil {
		return nil, err
	}
	for range groups {
		if _, err := r.u32(); err != nil {
			return nil, err
		}
		if err := r.skip(1); err != nil {
			return nil, err
		}
	}
	copied := 0
	for r.off < len(body) {
		op, _ := r.byte()
		if err := skipImmediates(r, op, stopIndex); err != nil {
			return nil, fmt.Errorf("instruction %#x at %d: %w", op, r.off, err)
		}
		if op == 0x03 { // loop
			out = append(out, body[copied:r.off]...)
			out = append(out, check...)
			copied = r.off
		}
	}
	return append(out, body[copied:]...), nil
}

// What follows an opcode.
const (
	immUnknown = iota // not an instruction the host enables
	immNone
	immBlockType
	immU32
	immGlobal
	immBrTable
	immU32U32
	immValTypes
	immMemArg
	immByte
	immS32
	immS64
	immBytes4
	immBytes8
	immMisc
	immSIMD
)

// immediates maps every opcode to what follows it.
var immediates = func() (t [256]byte) {
	set := func(kind byte, ops ...byte) {
		for _, op := range ops {
			t[op] = kind
		}
	}
	set(immNone, 0x00, 0x01, 0x05, 0x0b, 0x0f, 0x1a, 0x1b, 0xd1)
	for op := 0x45; op <= 0xc4; op++ { // numeric instructions
		t[op] = immNone
	}
	set(immBlockType, 0x02, 0x03, 0x04)
	set(immU32, 0x0c, 0x0d, 0x10, 0x20, 0x21, 0x22, 0x25, 0x26, 0xd2)
	set(immGlobal, 0x23, 0x24)
	set(immBrTable, 0x0e)
	set(immU32U32, 0x11)
	set(immValTypes, 0x1c)
	for op := 0x28; op <= 0x3e; op++ { // loads and stores
		t[op] = immMemArg
	}
	set(immByte, 0x3f, 0x40, 0xd0)
	set(immS32, 0x41)
	set(immS64, 0x42)
	set(immBytes4, 0x43)
	set(immBytes8, 0x44)
	set(immMisc, 0xfc)
	set(immSIMD, 0xfd)
	return t
}()

func skipImmediates(r *wasmReader, op byte, stopIndex uint32) error {
	switch immediates[op] {
	case immNone:
		return nil
	case immBlockType:
		c, err := r.byte()
		if err != nil {
			return err
		}
		if c == 0x40 || c >= 0x6f && c <= 0x7f {
			return nil
		}
		r.off--
		return r.leb(5) // a type index (s33)
	case immU32:
		_, err := r.u32()
		return err
	case immGlobal:
		idx, err := r.u32()
		if err == nil && idx >= stopIndex {
			return fmt.Errorf("global %d does not exist", idx)
		}
		return err
	case immBrTable:
		n, err := r.u32()
		for i := uint32(0); err == nil && i <= n; i++ {
			_, err = r.u32()
		}
		return err
	case immU32U32:
		if _, err := r.u32(); err != nil {
			return err
		}
		_, err := r.u32()
		return err
	case immValTypes:
		n, err := r.u32()
		if err != nil {
			return err
		}
		return r.skip(int(n))
	case immMemArg:
		return skipMemArg(r)
	case immByte:
		return r.skip(1)
	case immS32:
		return r.leb(5)
	case immS64:
		return r.leb(10)
	case immBytes4:
		return r.skip(4)
	case immBytes8:
		return r.skip(8)
	case immMisc:
		return skipMisc(r)
	case immSIMD:
		return skipSIMD(r)
	}
	return errors.New("an instruction the host does not know (a feature it does not enable)")
}

func skipMemArg(r *wasmReader) error {
	align, err := r.u32()
	if err != nil {
		return err
	}
	if align >= 0x40 {
		return errors.New("a memory index (multiple memories)")
	}
	_, err = r.u32()
	return err
}

func skipMisc(r *wasmReader) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 7: // saturating truncations
		return nil
	case sub == 8: // memory.init
		if _, err := r.u32(); err != nil {
			return err
		}
		return r.skip(1)
	case sub == 9 || sub == 13 || (sub >= 15 && sub <= 17):
		_, err := r.u32()
		return err
	case sub == 10:
		return r.skip(2)
	case sub == 11:
		return r.skip(1)
	case sub == 12 || sub == 14:
		if _, err := r.u32(); err != nil {
			return err
		}
		_, err := r.u32()
		return err
	}
	return fmt.Errorf("0xfc %d: an instruction the host does not know", sub)
}

func skipSIMD(r *wasmReader) error {
	sub, err := r.u32()
	if err != nil {
		return err
	}
	switch {
	case sub <= 11 || sub == 92 || sub == 93:
		return skipMemArg(r)
	case sub == 12 || sub == 13:
		return r.skip(16)
	case sub >= 21 && sub <= 34:
		return r.skip(1)
	case sub >= 84 && sub <= 91:
		if err := skipMemArg(r); err != nil {
			return err
		}
		return r.skip(1)
	case sub <= 0xff:
		return nil
	}
	return fmt.Errorf("0xfd %d: an instruction the host does not know", sub)
}
