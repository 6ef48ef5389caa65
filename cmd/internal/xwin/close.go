package xwin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// CloseWindow asks the visible window whose name contains name to close, as a window manager's close
// button does: from a connection of its own (another X client), it sends the window a WM_PROTOCOLS
// client message carrying WM_DELETE_WINDOW. What the program then does is up to the program.
func (x *Server) CloseWindow(name string) error {
	out, err := x.Run(5*time.Second, "xdotool", "search", "--onlyvisible", "--name", name)
	if err != nil {
		return fmt.Errorf("close window %q: %w", name, err)
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return fmt.Errorf("close window %q: no such visible window", name)
	}
	id, err := strconv.ParseUint(ids[0], 10, 32)
	if err != nil {
		return fmt.Errorf("close window %q: window id %q: %w", name, ids[0], err)
	}
	conn, err := xgb.NewConnDisplay(x.display)
	if err != nil {
		return fmt.Errorf("close window %q: connect to %s: %w", name, x.display, err)
	}
	defer conn.Close()
	atom := func(n string) (xproto.Atom, error) {
		r, err := xproto.InternAtom(conn, false, uint16(len(n)), n).Reply()
		if err != nil {
			return 0, fmt.Errorf("close window %q: atom %s: %w", name, n, err)
		}
		return r.Atom, nil
	}
	protocols, err := atom("WM_PROTOCOLS")
	if err != nil {
		return err
	}
	deleteWindow, err := atom("WM_DELETE_WINDOW")
	if err != nil {
		return err
	}
	ev := xproto.ClientMessageEvent{
		Format: 32,
		Window: xproto.Window(id),
		Type:   protocols,
		Data:   xproto.ClientMessageDataUnionData32New([]uint32{uint32(deleteWindow), xproto.TimeCurrentTime, 0, 0, 0}),
	}
	if err := xproto.SendEventChecked(conn, false, xproto.Window(id), xproto.EventMaskNoEvent, string(ev.Bytes())).Check(); err != nil {
		return fmt.Errorf("close window %q: send WM_DELETE_WINDOW: %w", name, err)
	}
	return nil
}
