// Package scaletest emulates an NCI shipping scale on a pseudo-terminal pair, for the scale driver's
// tests and the kiosk's real-window test: the driver opens the terminal's far end as it would open
// /dev/ttyUSB0, through a symbolic link like the ones udev makes in /dev/serial/by-id, so the scale can
// be unplugged (the terminal closed, the link removed) and plugged in again (a new terminal, the link
// moved). Only tests import it, so the kiosk binary never links it.
package scaletest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Status is the emulated scale's status bits (SCP-01).
type Status struct {
	Motion, AtZero, UnderCapacity, OverCapacity     bool
	RAMError, EEPROMError, ROMError, BadCalibration bool
}

func bit(b bool, n uint) byte {
	if b {
		return 1 << n
	}
	return 0
}

// Bytes are the two status bytes as the scale sends them: bits 4 and 5 always set.
func (s Status) Bytes() []byte {
	return []byte{0x30 | bit(s.Motion, 0) | bit(s.AtZero, 1) | bit(s.RAMError, 2) | bit(s.EEPROMError, 3),
		0x30 | bit(s.UnderCapacity, 0) | bit(s.OverCapacity, 1) | bit(s.ROMError, 2) | bit(s.BadCalibration, 3)}
}

// Emulator is an NCI scale on a pseudo-terminal.
type Emulator struct {
	// Path is the scale's device as the driver names it: a link to the terminal.
	Path string

	mu         sync.Mutex
	display    string // the weight line: "0001.25lb"
	status     Status
	garbled    bool // answer noise instead of NCI
	silent     bool // answer nothing
	continuous time.Duration
	commands   []string
	master     *os.File
	slave      *os.File
	done       chan struct{}
}

// Start plugs an emulated scale in, at zero in pounds, reachable at Path in dir.
func Start(dir string) (*Emulator, error) {
	e := &Emulator{Path: filepath.Join(dir, "scale-ttyUSB0"), display: "0000.00lb", status: Status{AtZero: true}}
	return e, e.Plug()
}

// Plug connects the scale: a new terminal pair, and Path pointing to it.
func (e *Emulator) Plug() error {
	master, slave, err := pty.Open()
	if err != nil {
		return fmt.Errorf("scale emulator: %w", err)
	}
	// Raw on the terminal itself, so nothing the scale sends is echoed back to it before the driver
	// opens its end (the driver sets raw mode again, as it must on a real line).
	if err := raw(slave); err != nil {
		master.Close()
		slave.Close()
		return fmt.Errorf("scale emulator: %w", err)
	}
	tmp := e.Path + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(slave.Name(), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, e.Path); err != nil {
		return err
	}
	e.mu.Lock()
	e.master, e.slave, e.done = master, slave, make(chan struct{})
	every := e.continuous
	e.mu.Unlock()
	go e.serve(master, e.done)
	if every > 0 {
		go e.stream(master, every, e.done)
	}
	return nil
}

// Unplug disconnects the scale: the terminal closes and Path disappears.
func (e *Emulator) Unplug() {
	e.mu.Lock()
	master, slave, done := e.master, e.slave, e.done
	e.master, e.slave = nil, nil
	e.mu.Unlock()
	_ = os.Remove(e.Path)
	if master != nil {
		close(done)
		master.Close()
		slave.Close()
	}
}

// Close unplugs the scale for good.
func (e *Emulator) Close() { e.Unplug() }

// Set puts a weight on the display ("0001.25lb", "02lb 03.5oz") with the status.
func (e *Emulator) Set(display string, st Status) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.display, e.status = display, st
}

// Garble makes the scale answer noise (as with the wrong baud rate), or NCI again.
func (e *Emulator) Garble(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.garbled = on
}

// Silence makes the scale answer nothing (a cable with no scale at its end), or answer again.
func (e *Emulator) Silence(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.silent = on
}

// Stream makes the scale send its weight every interval without being asked, from the next Plug.
func (e *Emulator) Stream(every time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.continuous = every
}

// Commands are the commands received so far.
func (e *Emulator) Commands() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.commands...)
}

func (e *Emulator) serve(master *os.File, done chan struct{}) {
	var line []byte
	buf := make([]byte, 64)
	for {
		n, err := master.Read(buf)
		if err != nil {
			return // unplugged
		}
		for _, c := range buf[:n] {
			if c != '\r' {
				line = append(line, c)
				continue
			}
			answer := e.answer(string(bytes.TrimSpace(line)))
			line = line[:0]
			select {
			case <-done:
				return
			default:
			}
			if answer != nil {
				_, _ = master.Write(answer)
			}
		}
	}
}

func (e *Emulator) stream(master *os.File, every time.Duration, done chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			e.mu.Lock()
			frame := e.frame(true)
			e.mu.Unlock()
			if _, err := master.Write(frame); err != nil {
				return
			}
		}
	}
}

// answer is the scale's answer to one command.
func (e *Emulator) answer(cmd string) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.commands = append(e.commands, cmd)
	switch {
	case e.silent:
		return nil
	case e.garbled:
		return []byte{0xfe, 'x', 0x81, '7', 0x1b, '#', 0xc3, 0x00, 'W', 0x9c}
	}
	switch cmd {
	case "W":
		return e.frame(true)
	case "S":
		return e.frame(false)
	case "Z":
		if !e.status.Motion {
			e.display, e.status = "0000.00"+unitOf(e.display), Status{AtZero: true}
		}
		return e.frame(false)
	}
	return []byte("\n?\r\x03")
}

// frame is an answer: <LF>weight<CR><LF>status<CR><ETX>, or <LF>status<CR><ETX>.
func (e *Emulator) frame(weight bool) []byte {
	var b bytes.Buffer
	if weight {
		b.WriteString("\n" + e.display + "\r")
	}
	b.WriteString("\n")
	b.Write(e.status.Bytes())
	b.WriteString("\r\x03")
	return b.Bytes()
}

func unitOf(display string) string {
	i := len(display)
	for i > 0 && (display[i-1] < '0' || display[i-1] > '9') && display[i-1] != '.' {
		i--
	}
	return display[i:]
}

// raw puts a terminal in raw mode.
func raw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var terr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if err != nil {
			terr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		terr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	return errors.Join(err, terr)
}
