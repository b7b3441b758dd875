//go:build !linux && !darwin

package sqlite

// Elsewhere than on Linux and macOS, describe relies on SQLITE_FULL alone
// to say that the disk is full.

// lowOnSpace is not known here.
func lowOnSpace(string) bool { return false }

// fileSizeLimit: no such limit here.
func fileSizeLimit() (uint64, bool) { return 0, false }
