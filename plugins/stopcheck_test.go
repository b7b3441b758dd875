package plugins

import (
	"bytes"
	"strings"
	"testing"
)

// TestInstrumentBody checks that the stop check lands right after each
// loop's block type and nowhere else, over instructions with every kind
// of immediate.
func TestInstrumentBody(t *testing.T) {
	check := []byte{0x23, 5, 0x04, 0x40, 0x00, 0x0b}
	instr := bytes.Join([][]byte{
		{0x02, 0x40},                   // block
		{0x03, 0x7f},                   // loop (result i32)
		{0x41, 0xff, 0x7f},             // i32.const -1 (two bytes)
		{0x42, 0x80, 0x80, 0x01},       // i64.const
		{0x43, 0x03, 0x03, 0x03, 0x03}, // f32.const whose bytes look like loops
		{0x44, 3, 3, 3, 3, 3, 3, 3, 3}, // f64.const
		{0x0e, 2, 0, 1, 0},             // br_table
		{0x11, 3, 0},                   // call_indirect
		{0x1c, 1, 0x7f},                // select t
		{0x28, 2, 0x83, 0x01},          // i32.load
		{0x3f, 0}, {0x40, 0},           // memory.size, memory.grow
		{0xd0, 0x70}, {0xd1}, {0xd2, 3}, // ref.null, ref.is_null, ref.func
		{0x23, 4}, {0x24, 4}, // global.get/set of the last global of the module
		{0xfc, 0}, {0xfc, 8, 1, 0}, {0xfc, 9, 1}, {0xfc, 10, 0, 0}, {0xfc, 11, 0}, {0xfc, 12, 1, 0}, {0xfc, 13, 1}, {0xfc, 14, 0, 0}, {0xfc, 15, 0}, {0xfc, 16, 0}, {0xfc, 17, 0},
		{0xfd, 0, 4, 0}, {0xfd, 12}, bytes.Repeat([]byte{3}, 16), {0xfd, 21, 3}, {0xfd, 84, 0, 0, 1}, {0xfd, 92, 0, 0}, {0xfd, 100},
		{0x03, 0x05}, // loop of type 5
		{0x0b, 0x0b, 0x0b},
	}, nil)
	body := append([]byte{1, 2, 0x7f}, instr...) // two i32 locals
	got, err := instrumentBody(nil, body, check, 5)
	if err != nil {
		t.Fatal(err)
	}
	first := bytes.Index(body, []byte{0x03, 0x7f}) + 2
	second := bytes.LastIndex(body, []byte{0x03, 0x05}) + 2
	want := append(append(append(append(append([]byte{}, body[:first]...), check...), body[first:second]...), check...), body[second:]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("instrumented body\n got %x\nwant %x", got, want)
	}
}

func TestInstrumentRefuses(t *testing.T) {
	check := []byte{0x23, 5, 0x04, 0x40, 0x00, 0x0b}
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"unknown opcode", []byte{0, 0x06, 0x0b}, "does not know"},
		{"the stop flag", []byte{0, 0x24, 5, 0x0b}, "global 5 does not exist"},
		{"the countdown", []byte{0, 0x23, 6, 0x0b}, "global 6 does not exist"},
		{"threads", []byte{0, 0xfe, 0, 0x0b}, "does not know"},
		{"misc", []byte{0, 0xfc, 40, 0x0b}, "0xfc 40"},
		{"simd", []byte{0, 0xfd, 0x80, 0x04, 0x0b}, "0xfd 512"},
		{"memory index", []byte{0, 0x28, 0x40, 0, 0, 0x0b}, "multiple memories"},
		{"truncated", []byte{0, 0x41}, "unexpected end"},
		{"long number", []byte{0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0b}, "longer than 5 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := instrumentBody(nil, tc.body, check, 5)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestAddStopChecksRefuses(t *testing.T) {
	header := []byte("\x00asm\x01\x00\x00\x00")
	section := func(id byte, payload ...byte) []byte { return appendSection(nil, id, payload) }
	for _, tc := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"not wasm", []byte("\x00asm\x02\x00\x00\x00"), "not a WebAssembly 1.0"},
		{"order", append(append(append([]byte{}, header...), section(7, 0)...), section(2, 0)...), "out of order"},
		{"reserved export", append(append([]byte{}, header...), section(7, 1, 8, 'k', '1', 's', ':', 's', 't', 'o', 'p', 3, 0)...), "reserves"},
		{"import kind", append(append([]byte{}, header...), section(2, 1, 1, 'a', 1, 'b', 9)...), "import kind"},
		{"shared memory", append(append([]byte{}, header...), section(2, 1, 1, 'a', 1, 'b', 2, 3, 1, 1)...), "shared or 64-bit"},
		{"truncated section", append(append([]byte{}, header...), 10, 9, 0), "unexpected end"},
		{"code", append(append([]byte{}, header...), section(10, 1, 3, 0, 0x06, 0x0b)...), "function 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := addStopChecks(tc.wasm)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestAddStopChecksImports counts the imported globals: the flag's index
// comes after them.
func TestAddStopChecksImports(t *testing.T) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	imports := []byte{4,
		1, 'm', 1, 'f', 0, 0, // a function
		1, 'm', 1, 't', 1, 0x70, 1, 0, 1, // a table with a maximum
		1, 'm', 1, 'm', 2, 0, 1, // a memory
		1, 'm', 1, 'g', 3, 0x7f, 0, // a global
	}
	wasm = appendSection(wasm, 2, imports)
	out, err := addStopChecks(wasm)
	if err != nil {
		t.Fatal(err)
	}
	// A global section of one global, then an export of global 1.
	tail := appendSection(nil, secGlobal, append([]byte{2}, stopGlobals...))
	tail = appendSection(tail, secExport, appendStopExport([]byte{1}, 1))
	if !bytes.HasSuffix(out, tail) {
		t.Fatalf("instrumented module %x does not end with %x", out, tail)
	}
}
