package sqlite

import (
	"database/sql"
	"fmt"
	"hash/crc32"
)

// SQLite has no page checksums: a damaged page can change a stored value
// with no error. Every log row therefore carries, in log.sum, a checksum
// of its key and value, and every read of a value checks it, so that a
// read returns the bytes that were written or an error naming the object
// and the file (PRAGMA integrity_check, which checks the structure of
// the B-trees, does not see a changed byte inside a value).
//
// The checksum is CRC-32C (Castagnoli), from the standard library:
// computed with the CPU's CRC32 instruction on amd64 and arm64 (tens of
// GB/s, so ~50 ns for a 1 KiB value next to an update's ~60 µs; see
// BENCHMARKS.md, "SQLite integrity"), and, unlike a general-purpose hash
// such as xxhash, it detects every error burst of up to 32 bits and every
// change of up to 3 bits in values of any size k1s stores (up to 1.5
// MiB, well under the length below which CRC-32C keeps Hamming distance
// 4), which is what a damaged sector or a flipped bit does. Other changes
// go unnoticed with probability 2^-32. It guards against accidents, not
// an attacker, who can rewrite the checksum too.

// castagnoli is the CRC-32C table; crc32 uses the CPU's instruction
// behind it where there is one.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// valueSum is what log.sum holds for a row of key with value (nil for a
// deletion): the CRC-32C of the key, a NUL byte and the value. The key
// is in it so that a damaged key is caught as well.
func valueSum(key string, value []byte) int64 {
	var buf [128]byte
	b := append(append(buf[:0], key...), 0)
	return int64(crc32.Update(crc32.Update(0, castagnoli, b), castagnoli, value))
}

// checkRow verifies a log row read for key: that the row exists (rowKey
// is NULL when the row a key points at is missing), is the key's, and
// holds the value its checksum was computed over. rev names the row in
// the error.
func checkRow(key string, rowKey sql.NullString, value []byte, sum sql.NullInt64, rev int64) error {
	switch {
	case !rowKey.Valid:
		return fmt.Errorf("the file is damaged: the log row of %s at revision %d is missing", key, rev)
	case rowKey.String != key:
		return fmt.Errorf("the file is damaged: the log row of %s at revision %d belongs to %q", key, rev, rowKey.String)
	case !sum.Valid || sum.Int64 != valueSum(key, value):
		return fmt.Errorf("the file is damaged: the stored value of %s at revision %d fails its checksum", key, rev)
	}
	return nil
}
