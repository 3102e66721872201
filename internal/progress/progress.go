// Package progress reports the progress of long work: a bar redrawn in
// place on a terminal, plain log lines otherwise (files, CI logs).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Bar tracks done out of total units of work.
type Bar struct {
	w        io.Writer
	label    string
	total    int
	start    time.Time
	tty      bool
	lastDraw time.Time
	every    time.Duration
	width    int
}

// New starts a bar on w. On a terminal it redraws at most ten times a
// second; elsewhere it writes a line at most every logEvery.
func New(w io.Writer, label string, total int, logEvery time.Duration) *Bar {
	return &Bar{w: w, label: label, total: total, start: time.Now(), tty: IsTerminal(w), every: logEvery}
}

// IsTerminal reports whether w is a character device such as a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Update reports that done units are finished; info is appended to the line.
func (b *Bar) Update(done int, info string) {
	if b == nil || b.w == nil {
		return
	}
	now := time.Now()
	final := done >= b.total
	if b.tty {
		if !final && now.Sub(b.lastDraw) < 100*time.Millisecond {
			return
		}
	} else if !final && now.Sub(b.lastDraw) < b.every {
		return
	}
	b.lastDraw = now
	line := b.line(done, info, now)
	if b.tty {
		pad := ""
		if n := b.width - len(line); n > 0 {
			pad = strings.Repeat(" ", n)
		}
		b.width = len(line)
		fmt.Fprintf(b.w, "\r%s%s", line, pad)
		if final {
			fmt.Fprintln(b.w)
		}
	} else {
		fmt.Fprintln(b.w, line)
	}
}

func (b *Bar) line(done int, info string, now time.Time) string {
	frac := 0.0
	if b.total > 0 {
		frac = float64(done) / float64(b.total)
	}
	elapsed := now.Sub(b.start)
	eta := "?"
	if done > 0 && frac > 0 {
		eta = formatDuration(time.Duration(float64(elapsed) * (1 - frac) / frac))
	}
	var sb strings.Builder
	sb.WriteString(b.label)
	if b.tty {
		const width = 24
		filled := int(frac * width)
		sb.WriteString(" [" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "]")
	}
	fmt.Fprintf(&sb, " %d/%d %s", done, b.total, info)
	fmt.Fprintf(&sb, " elapsed %s left %s", formatDuration(elapsed), eta)
	return sb.String()
}

func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= time.Hour {
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
