//go:build wasip1

package sdk

import (
	"context"
	"errors"
	"unsafe"

	"github.com/k1s-dev/k1s/plugins/abi"
)

// The module's side of the ABI (see package abi). Nothing here runs
// outside a wasip1 build; the logic it calls (Admit, ReconcileJSON,
// Client) is host-testable.

//go:wasmimport k1s call
func hostCall(ptr, size uint32) uint32

//go:wasmimport k1s take
func hostTake(ptr uint32)

// pinned keeps the buffers the host holds pointers into alive: the
// request buffer between k1s_alloc and the entry point, and the last
// answer until the next call.
var pinned = map[uint32][]byte{}

var lastAnswer []byte

func ptrOf(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

//go:wasmexport k1s_abi_version
func abiVersion() uint32 { return abi.Version }

//go:wasmexport k1s_alloc
func alloc(size uint32) uint32 {
	b := make([]byte, size)
	p := ptrOf(b)
	pinned[p] = b
	return p
}

func request(ptr, size uint32) []byte {
	b := pinned[ptr]
	delete(pinned, ptr)
	if uint32(len(b)) < size {
		return nil
	}
	return b[:size]
}

func answer(b []byte) uint64 {
	lastAnswer = b
	return uint64(ptrOf(b))<<32 | uint64(len(b))
}

//go:wasmexport k1s_admit
func admit(ptr, size uint32) uint64 {
	p := registered
	if p == nil {
		p = &Plugin{}
	}
	return answer(p.Admit(context.Background(), request(ptr, size)))
}

//go:wasmexport k1s_reconcile
func reconcile(ptr, size uint32) uint64 {
	p := registered
	if p == nil {
		p = &Plugin{}
	}
	return answer(p.ReconcileJSON(context.Background(), request(ptr, size)))
}

func wasmTransport(_ context.Context, req []byte) ([]byte, error) {
	if len(req) > abi.MaxMessageBytes {
		return nil, errors.New("the request exceeds the ABI's message limit")
	}
	n := hostCall(ptrOf(req), uint32(len(req)))
	out := make([]byte, n)
	if n > 0 {
		hostTake(ptrOf(out))
	}
	return out, nil
}

// NewClient returns the client of the host the module runs in.
func NewClient() *Client { return NewClientWithTransport(wasmTransport) }
