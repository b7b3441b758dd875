//go:build linux || darwin

package sqlite

import "syscall"

// lowOnSpace reports whether the file system holding dir has less than
// 1 MiB left for this process: then an I/O error there is most likely
// the disk being full.
func lowOnSpace(dir string) bool {
	var st syscall.Statfs_t
	return syscall.Statfs(dir, &st) == nil && st.Bavail*uint64(st.Bsize) < 1<<20
}

// fileSizeLimit returns this process's limit on the size of the files it
// writes (RLIMIT_FSIZE, ulimit -f), if it has one: past it, writes fail
// with EFBIG, which SQLite reports as a plain write error.
func fileSizeLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return 0, false
	}
	if lim.Cur == ^uint64(0) { // RLIM_INFINITY
		return 0, false
	}
	return lim.Cur, true
}
