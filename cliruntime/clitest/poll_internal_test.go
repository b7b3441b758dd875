package clitest

import (
	"testing"
	"time"
)

// TestPoll covers both ends of poll without depending on timing: a check
// that succeeds on its third call, and a deadline already past.
func TestPoll(t *testing.T) {
	calls := 0
	if !poll(time.Now().Add(time.Hour), time.Microsecond, func() bool { calls++; return calls == 3 }) || calls != 3 {
		t.Errorf("poll = false or %d calls, want true after 3", calls)
	}
	calls = 0
	if poll(time.Now().Add(-time.Second), time.Microsecond, func() bool { calls++; return false }) || calls != 1 {
		t.Errorf("poll past its deadline = true or %d calls, want false after 1", calls)
	}
}
