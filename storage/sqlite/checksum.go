package sqlite

import (
	"fmt"
	"hash/crc32"
	"unsafe"
)

// SQLite has no page checksums: a damaged page can change a stored value
// with no error. Every log row therefore carries, in log.sum, a checksum
// of its key and value, and every read of a value checks it, so that a
// read returns the bytes that were written or an error naming the object
// and the file (PRAGMA integrity_check, which checks the structure of
// the B-trees, does not see a changed byte inside a value).
//
// The checksum is CRC-32C (Castagnoli), from the standard library:
// computed with the CPU's CRC32 instruction on amd64 and arm64
// (0.1-0.2 µs for a 1 KiB value and its key on the build machine, 5-10
// GB/s, no allocation; reads and writes of the store take 15-90 µs of
// CPU, see BENCHMARKS.md, "SQLite integrity"), and, unlike a general-purpose hash such as
// xxhash, it detects every error burst of up to 32 bits and every change
// of up to 3 bits in values of the sizes k1s stores (up to 1.5 MiB),
// which is what a damaged sector or a flipped bit does. Other changes go
// unnoticed with probability 2^-32. It guards against accidents, not an
// attacker, who can rewrite the checksum too.

// castagnoli is the CRC-32C table; crc32 uses the CPU's instruction
// behind it where there is one.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// nul separates the key from the value in what valueSum covers.
var nul = []byte{0}

// valueSum is what log.sum holds for a row of key with value (nil for a
// deletion): the CRC-32C of the key, a NUL byte and the value. The key
// is in it so that a damaged key is caught as well. crc32 only reads the
// key's bytes; taking them in place (unsafe.Slice) spares a copy and an
// allocation on every write and read (a buffer passed to crc32's
// assembly escapes to the heap).
func valueSum(key string, value []byte) int64 {
	crc := crc32.Update(0, castagnoli, unsafe.Slice(unsafe.StringData(key), len(key)))
	return int64(crc32.Update(crc32.Update(crc, castagnoli, nul), castagnoli, value))
}

// rowCheck is the SQL that reads, for log row alias l, what checkRow
// needs: the row's sum, or rowMissing when there is no row (a LEFT JOIN
// found none) or it has no sum. One integer column is the cheapest way to
// carry it: the row's key needs no column of its own, since the sum is
// checked against the key the row was looked up by, which a row of
// another key fails. Sums are 32-bit, so never negative.
func rowCheck(l string) string { return `coalesce(` + l + `.sum, -1)` }

// rowMissing is rowCheck's code for a missing row or checksum.
const rowMissing = -1

// checkRow verifies a log row read for key: chk, from rowCheck, must be
// the checksum of key and value. rev names the row in the error.
func checkRow(key string, chk int64, value []byte, rev int64) error {
	switch {
	case chk == rowMissing:
		return fmt.Errorf("the file is damaged: the log row of %s at revision %d is missing, or has no checksum", key, rev)
	case chk != valueSum(key, value):
		return fmt.Errorf("the file is damaged: the stored value of %s at revision %d fails its checksum (or the row is another key's)", key, rev)
	}
	return nil
}
