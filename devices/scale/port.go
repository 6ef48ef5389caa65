package scale

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// LineFormat is the serial line's data bits, parity and stop bits.
type LineFormat struct {
	DataBits int  // 7 or 8
	Parity   byte // 'N', 'E' or 'O'
	StopBits int  // 1 or 2
}

// ParseLineFormat reads "8N1", "7E1" and the like.
func ParseLineFormat(s string) (LineFormat, error) {
	if len(s) != 3 || (s[0] != '7' && s[0] != '8') || !(s[1] == 'N' || s[1] == 'E' || s[1] == 'O') || (s[2] != '1' && s[2] != '2') {
		return LineFormat{}, fmt.Errorf("line format %q: want data bits, parity and stop bits, such as 8N1 or 7E1", s)
	}
	return LineFormat{DataBits: int(s[0] - '0'), Parity: s[1], StopBits: int(s[2] - '0')}, nil
}

func (f LineFormat) String() string { return fmt.Sprintf("%d%c%d", f.DataBits, f.Parity, f.StopBits) }

// bauds are the line speeds a shipping scale offers.
var bauds = map[int]uint32{1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200}

// openPort opens a serial device raw at baud and format. The file is non-blocking under Go's poller,
// so reads take deadlines.
func openPort(path string, baud int, f LineFormat) (*os.File, error) {
	speed, ok := bauds[baud]
	if !ok {
		return nil, fmt.Errorf("baud %d is not a serial line speed", baud)
	}
	file, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return nil, err
	}
	var terr error
	if err := rc.Control(func(fd uintptr) { terr = setRaw(int(fd), speed, f) }); err != nil {
		terr = err
	}
	if terr != nil {
		file.Close()
		return nil, fmt.Errorf("%s is not a serial line: %w", path, terr)
	}
	return file, nil
}

// setRaw puts the line in raw mode: no echo, no line editing, no CR/LF translation, reads return what
// has arrived; then sets speed and format.
func setRaw(fd int, speed uint32, f LineFormat) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.INPCK
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.PARODD | unix.CSTOPB | unix.CBAUD | unix.CRTSCTS
	t.Cflag |= unix.CREAD | unix.CLOCAL | speed
	if f.DataBits == 7 {
		t.Cflag |= unix.CS7
	} else {
		t.Cflag |= unix.CS8
	}
	switch f.Parity {
	case 'E':
		t.Cflag |= unix.PARENB
	case 'O':
		t.Cflag |= unix.PARENB | unix.PARODD
	}
	if f.StopBits == 2 {
		t.Cflag |= unix.CSTOPB
	}
	t.Ispeed, t.Ospeed = speed, speed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// flushInput drops what the scale sent before the question, so an old answer is never read as new.
func flushInput(file *os.File) error {
	rc, err := file.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = unix.IoctlSetInt(int(fd), unix.TCFLSH, unix.TCIFLUSH) }); err != nil {
		return err
	}
	return ferr
}

// gone reports whether err means the device went away (unplugged USB-serial adapter, closed pty).
func gone(err error) bool {
	return errors.Is(err, unix.EIO) || errors.Is(err, unix.ENXIO) || errors.Is(err, unix.ENODEV) ||
		errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrClosed)
}
