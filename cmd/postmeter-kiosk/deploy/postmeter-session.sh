#!/bin/bash
# The X session of the postmeter kiosk, started by xinit from postmeter-kiosk.service. There is no
# window manager: postmeter-kiosk makes its window full screen by itself, and when it stops the session
# ends, xinit stops the X server and systemd starts everything again (Restart=always).
set -u

export LANG="${LANG:-en_US.UTF-8}"
export FYNE_SCALE="${FYNE_SCALE:-1}"   # pixel-exact, as the screens were designed and tested
config="${POSTMETER_CONFIG:-/etc/postmeter/kiosk.json}"
binary="${POSTMETER_BIN:-/usr/local/bin/postmeter-kiosk}"

# The screen never blanks nor powers down: the clerk must always see the meter.
xset s off -dpms s noblank || echo "postmeter-session: xset failed; the screen may blank" >&2
# A touchscreen needs no pointer; Xorg already runs with -nocursor, this covers a server without it.
if command -v unclutter >/dev/null 2>&1; then
	unclutter -idle 0 -root &
fi

exec "$binary" -config "$config"
