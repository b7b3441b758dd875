package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sample is one run of one command: wall time, CPU time (user + system,
// from wait4), and memory as the kernel saw it when the process exited:
// peak RSS (VmHWM), and the anonymous and file-backed parts of the RSS
// at exit (RssAnon, RssFile; a short-lived Go process returns nothing to
// the kernel before it exits, so these are its peak split).
type sample struct {
	wall, cpu             time.Duration
	hwm, rssAnon, rssFile int64 // KB
	out                   []byte
}

// runTraced runs argv in dir with env and reads /proc/PID/status at the
// moment the process exits: it starts the child under ptrace with
// PTRACE_O_TRACEEXIT, so the kernel stops it in exit_group with its
// memory still mapped, reads the status file, and lets it go. ptrace
// adds two stops (exec and exit) to the run, the same for every command.
func runTraced(dir string, env []string, argv ...string) (sample, error) {
	runtime.LockOSThread() // ptrace requests must come from the tracing thread
	defer runtime.UnlockOSThread()
	// A file, not a buffer: with an *os.File the child writes to it
	// directly and no copying goroutine needs cmd.Wait, which cannot run
	// here since the child is reaped by the wait4 below.
	out, err := os.CreateTemp("", "k1s-clibench-out-")
	if err != nil {
		return sample{}, err
	}
	defer func() { _ = os.Remove(out.Name()); _ = out.Close() }()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Ptrace: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	pid := cmd.Process.Pid
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	// The child is stopped at its execve (SIGTRAP).
	if _, err := syscall.Wait4(pid, &ws, 0, nil); err != nil {
		return sample{}, err
	}
	if err := syscall.PtraceSetOptions(pid, syscall.PTRACE_O_TRACEEXIT); err != nil {
		return sample{}, fmt.Errorf("ptrace: %w", err)
	}
	var s sample
	sig := 0
	for {
		if err := syscall.PtraceCont(pid, sig); err != nil {
			return sample{}, fmt.Errorf("ptrace cont: %w", err)
		}
		if _, err := syscall.Wait4(pid, &ws, 0, &ru); err != nil {
			return sample{}, err
		}
		if ws.Exited() || ws.Signaled() {
			break
		}
		sig = 0
		if ws.Stopped() && ws.TrapCause() == syscall.PTRACE_EVENT_EXIT {
			s.hwm, s.rssAnon, s.rssFile = procStatus(pid)
			continue
		}
		if ws.Stopped() && ws.StopSignal() != syscall.SIGTRAP {
			sig = int(ws.StopSignal()) // pass the child's own signals on (Go's runtime uses SIGURG)
		}
	}
	s.wall = time.Since(start)
	s.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if s.hwm == 0 {
		s.hwm = ru.Maxrss
	}
	_ = cmd.Process.Release()
	if s.out, err = os.ReadFile(out.Name()); err != nil {
		return s, err
	}
	if !ws.Exited() || ws.ExitStatus() != 0 {
		return s, fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), ws, s.out)
	}
	return s, nil
}

// procStatus returns VmHWM, RssAnon and RssFile (KB) of a process.
func procStatus(pid int) (hwm, anon, file int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmHWM:":
			hwm = v
		case "RssAnon:":
			anon = v
		case "RssFile:":
			file = v
		}
	}
	return hwm, anon, file
}
