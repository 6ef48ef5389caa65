package xwin

import (
	"fmt"
	"image"
	"time"

	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/xproto"
)

// WatchChanges makes the server report every change of the screen's contents (the DAMAGE extension on
// the root window, which covers the windows on it) over the screenshots' connection, so that a caller
// can take a screenshot when something was drawn rather than polling: a screenshot of the meter's
// screen takes 5–25 ms of the server's and the caller's CPU, and polling every few milliseconds took
// about one of a meter's two cores away from the very program being timed. NextChange reports the
// changes; calling WatchChanges again does nothing.
func (x *Server) WatchChanges() error {
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if x.changes != nil {
		return nil
	}
	if err := x.connect(); err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	if err := damage.Init(x.conn); err != nil {
		return fmt.Errorf("watch changes: the X server has no DAMAGE extension: %w", err)
	}
	// The protocol wants the client's version first.
	if _, err := damage.QueryVersion(x.conn, 1, 1).Reply(); err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	id, err := damage.NewDamageId(x.conn)
	if err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	// NonEmpty: one event when the damaged region stops being empty; Subtract empties it again.
	if err := damage.CreateChecked(x.conn, id, xproto.Drawable(root), damage.ReportLevelNonEmpty).Check(); err != nil {
		return fmt.Errorf("watch changes: %w", err)
	}
	x.damage = id
	x.changes = make(chan time.Time, 1)
	go x.readEvents()
	return nil
}

// readEvents keeps the time of the earliest change not yet taken by NextChange. It also drains the
// connection's events, which would otherwise fill its queue and stall the screenshots' replies.
func (x *Server) readEvents() {
	for {
		ev, err := x.conn.WaitForEvent()
		if ev == nil && err == nil {
			return // the connection is closed
		}
		if _, ok := ev.(damage.NotifyEvent); ok {
			select {
			case x.changes <- time.Now():
			default: // an earlier change is still waiting: keep its time
			}
		}
	}
}

// NextChange waits up to timeout for a change of the screen reported since the last call (or since
// ForgetChanges) and returns when it was reported. It asks the server to report the next change
// before returning, so a screenshot taken afterwards shows at least this change and nothing drawn
// later goes unreported.
func (x *Server) NextChange(timeout time.Duration) (time.Time, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case at := <-x.changes:
		x.rearm()
		return at, true
	case <-t.C:
		return time.Time{}, false
	}
}

// WaitStill waits until the screen has not changed for still, at most max, and drops the changes
// reported meanwhile; it reports whether the screen was still.
func (x *Server) WaitStill(still, max time.Duration) bool {
	deadline := time.Now().Add(max)
	x.ForgetChanges()
	for time.Now().Before(deadline) {
		if _, changed := x.NextChange(still); !changed {
			return true
		}
	}
	return false
}

// ForgetChanges drops the changes reported so far, e.g. before a click whose effect is to be timed.
func (x *Server) ForgetChanges() {
	select {
	case <-x.changes:
	default:
	}
	x.rearm()
}

func (x *Server) rearm() {
	x.connMu.Lock()
	defer x.connMu.Unlock()
	damage.Subtract(x.conn, x.damage, 0, 0)
}

// ScreenshotRect grabs the part r of the screen (clipped to it); the picture keeps the screen's
// coordinates (its Rect is r). A part of the screen costs the server and the caller less than all of it.
func (x *Server) ScreenshotRect(r image.Rectangle) (*image.RGBA, error) {
	r = r.Intersect(image.Rect(0, 0, x.w, x.h))
	if r.Empty() {
		return nil, fmt.Errorf("screenshot: %v is off the %d×%d screen", r, x.w, x.h)
	}
	x.connMu.Lock()
	defer x.connMu.Unlock()
	if err := x.connect(); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	reply, err := xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, xproto.Drawable(root),
		int16(r.Min.X), int16(r.Min.Y), uint16(r.Dx()), uint16(r.Dy()), 0xffffffff).Reply()
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	// Depth 24 comes as 32 bits a pixel, blue first (the server's byte order is little-endian).
	if reply.Depth != 24 || len(reply.Data) != r.Dx()*r.Dy()*4 {
		return nil, fmt.Errorf("screenshot: depth %d, %d bytes, want depth 24 and %d×%d×4", reply.Depth, len(reply.Data), r.Dx(), r.Dy())
	}
	img := &image.RGBA{Pix: reply.Data, Stride: 4 * r.Dx(), Rect: r}
	for i := 0; i+3 < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+2], img.Pix[i+3] = img.Pix[i+2], img.Pix[i], 0xff
	}
	return img, nil
}
