package kiosk

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"postmeter/devices"
	"postmeter/devices/cups"
	"postmeter/devices/scale"
	"postmeter/meter"
	"postmeter/meter/parts"
	"postmeter/printer"
)

// The configuration names each device in one string (the README's "Devices" lists them):
//
//	scale:        serial:/dev/ttyUSB0?baud=9600&format=8N1&protocol=nci&mode=poll (or mode=continuous)
//	              hid:/dev/hidraw0
//	              none (or absent): weights are keyed in
//	print_engine: ipp://host:631/printers/NAME (also ipps://, http://, https://): a CUPS queue
//	              tray:DIR: impressions as images in DIR (absent: tray:data_dir/output-tray)

// scaleSpec is a parsed scale name.
type scaleSpec struct {
	kind       string // "serial", "hid", "none"
	path       string
	baud       int
	format     scale.LineFormat
	continuous bool
}

var scaleForms = "serial:/dev/ttyUSB0?baud=9600&protocol=nci, hid:/dev/hidraw0 or none"

// parseScale reads the scale's name; every error says what is wrong and what is accepted.
func parseScale(s string) (scaleSpec, error) {
	if s == "" || s == "none" {
		return scaleSpec{kind: "none"}, nil
	}
	kind, rest, ok := strings.Cut(s, ":")
	if !ok {
		return scaleSpec{}, fmt.Errorf("scale %q: want %s", s, scaleForms)
	}
	path, query, _ := strings.Cut(rest, "?")
	if !strings.HasPrefix(path, "/") {
		return scaleSpec{}, fmt.Errorf("scale %q: the device must be an absolute path such as /dev/ttyUSB0", s)
	}
	spec := scaleSpec{kind: kind, path: path, baud: 9600, format: scale.LineFormat{DataBits: 8, Parity: 'N', StopBits: 1}}
	q, err := url.ParseQuery(query)
	if err != nil {
		return scaleSpec{}, fmt.Errorf("scale %q: %v", s, err)
	}
	switch kind {
	case "hid":
		if len(q) > 0 {
			return scaleSpec{}, fmt.Errorf("scale %q: a HID scale takes no settings", s)
		}
		return spec, nil
	case "serial":
	default:
		return scaleSpec{}, fmt.Errorf("scale %q: unknown kind %q; want %s", s, kind, scaleForms)
	}
	for key, vals := range q {
		v := vals[len(vals)-1]
		switch key {
		case "baud":
			b, err := strconv.Atoi(v)
			if err != nil || !slices.Contains([]int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}, b) {
				return scaleSpec{}, fmt.Errorf("scale %q: baud %q; want 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200", s, v)
			}
			spec.baud = b
		case "format":
			f, err := scale.ParseLineFormat(strings.ToUpper(v))
			if err != nil {
				return scaleSpec{}, fmt.Errorf("scale %q: %v", s, err)
			}
			spec.format = f
		case "protocol":
			if v != "nci" {
				return scaleSpec{}, fmt.Errorf("scale %q: protocol %q; the serial scales supported speak nci", s, v)
			}
		case "mode":
			switch v {
			case "poll":
			case "continuous":
				spec.continuous = true
			default:
				return scaleSpec{}, fmt.Errorf("scale %q: mode %q; want poll or continuous", s, v)
			}
		default:
			return scaleSpec{}, fmt.Errorf("scale %q: unknown setting %q; want baud, format, protocol or mode", s, key)
		}
	}
	return spec, nil
}

// engineSpec is a parsed print engine name.
type engineSpec struct {
	kind string // "ipp", "tray"
	uri  string
	dir  string
}

// parseEngine reads the print engine's name; trayDir is the folder of an engine not named.
func parseEngine(s, trayDir string) (engineSpec, error) {
	if s == "" {
		return engineSpec{kind: "tray", dir: trayDir}, nil
	}
	if dir, ok := strings.CutPrefix(s, "tray:"); ok {
		if !filepath.IsAbs(dir) {
			return engineSpec{}, fmt.Errorf("print_engine %q: the tray must be an absolute folder, such as tray:/var/lib/postmeter/output-tray", s)
		}
		return engineSpec{kind: "tray", dir: dir}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !slices.Contains([]string{"ipp", "ipps", "http", "https"}, u.Scheme) {
		return engineSpec{}, fmt.Errorf("print_engine %q: want a printer queue such as ipp://localhost:631/printers/Envelopes, or tray:DIR", s)
	}
	if u.User != nil {
		return engineSpec{}, fmt.Errorf("print_engine %q: a printer address carries no user or password", redact(u))
	}
	return engineSpec{kind: "ipp", uri: s}, nil
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// checkDevices refuses a configuration whose devices are named wrongly, before anything starts.
func checkDevices(path string, c Config) error {
	if c.OutputTray != "" && c.PrintEngine != "" {
		return fmt.Errorf("kiosk config %s: output_tray and print_engine both name the print engine; keep print_engine (tray:%s for the tray)",
			path, c.OutputTray)
	}
	if _, err := parseScale(c.Scale); err != nil {
		return fmt.Errorf("kiosk config %s: %w", path, err)
	}
	if _, err := parseEngine(c.PrintEngine, ""); err != nil {
		return fmt.Errorf("kiosk config %s: %w", path, err)
	}
	return nil
}

// OpenDevices connects the devices the configuration names. Nothing is opened yet: each driver opens
// its device at first use and again after it disappeared.
func OpenDevices(c Config, log *slog.Logger) (parts.Devices, error) {
	trayDir := c.OutputTray
	if trayDir == "" {
		trayDir = filepath.Join(c.DataDir, "output-tray")
	}
	es, err := parseEngine(c.PrintEngine, trayDir)
	if err != nil {
		return parts.Devices{}, err
	}
	var d parts.Devices
	switch es.kind {
	case "ipp":
		d.Engine = cups.NewEngine(es.uri, log)
	default:
		d.Engine = devices.NewTrayEngine(es.dir, meter.SystemClock{})
	}
	if c.PrinterURI != "" {
		d.Printer = cups.Printer{P: &printer.IPPPrinter{URI: c.PrinterURI, Logger: log}}
	}
	ss, err := parseScale(c.Scale)
	if err != nil {
		return parts.Devices{}, err
	}
	switch ss.kind {
	case "serial":
		s := scale.NewSerial(ss.path)
		s.Baud, s.Format, s.Continuous, s.Log = ss.baud, ss.format, ss.continuous, log
		d.Scale = s
	case "hid":
		h := scale.NewHID(ss.path)
		h.Log = log
		d.Scale = h
	}
	return d, nil
}
