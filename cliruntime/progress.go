package cliruntime

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// progress draws a bar on stderr while many objects are written. It
// draws only when stdout and stderr are terminals and the objects are
// more than fit on one screen; otherwise every method does nothing, so piped output
// and logs stay clean.
type progress struct {
	w       io.Writer
	total   int
	verb    string
	n       int
	shown   bool
	enabled bool
}

func (c *CLI) errTerminal() (bool, int) {
	if c.ErrIsTerminal != nil {
		return c.ErrIsTerminal()
	}
	// Both streams must be terminals: with stdout piped or redirected the
	// user is not watching, and a bar would only land in captured stderr.
	fd := int(os.Stderr.Fd())
	if c.ErrOut != os.Stderr || c.Out != os.Stdout || !term.IsTerminal(fd) || !term.IsTerminal(int(os.Stdout.Fd())) {
		return false, 0
	}
	_, rows, err := term.GetSize(fd)
	if err != nil {
		return false, 0
	}
	return true, rows
}

func (c *CLI) newProgress(total int, verb string) *progress {
	p := &progress{w: c.ErrOut, total: total, verb: verb}
	if tty, rows := c.errTerminal(); tty && total > rows {
		p.enabled = true
	}
	return p
}

func (p *progress) set(n int) {
	if !p.enabled {
		return
	}
	p.n = n
	if n%16 != 0 && n != p.total {
		return
	}
	const width = 40
	filled := width * n / p.total
	bar := strings.Repeat("=", filled)
	if filled < width {
		bar += ">" + strings.Repeat(" ", width-filled-1)
	}
	_, _ = fmt.Fprintf(p.w, "\r%s [%s] %d/%d", p.verb, bar, n, p.total)
	p.shown = true
}

// clear removes the bar before a line is printed; the next set redraws it.
func (p *progress) clear() {
	if p.shown {
		_, _ = fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *progress) done() { p.clear() }
