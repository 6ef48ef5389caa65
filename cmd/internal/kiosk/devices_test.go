package kiosk

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"postmeter/devices"
	"postmeter/devices/cups"
	"postmeter/devices/scale"
)

func configWith(extra string) string {
	return `{"data_dir":"/var/lib/postmeter","data_center_url":"https://dc.example.com","serial":"PM1","data_center_key":"` +
		zeroKey + `","account_number":"12345678"` + extra + `}`
}

func TestKioskConfigRefusesWronglyNamedDevices(t *testing.T) {
	for _, tt := range []struct{ extra, want string }{
		{`,"scale":"/dev/ttyUSB0"`, `scale "/dev/ttyUSB0": want serial:/dev/ttyUSB0?baud=9600&protocol=nci, hid:/dev/hidraw0 or none`},
		{`,"scale":"usb:/dev/ttyUSB0"`, `unknown kind "usb"`},
		{`,"scale":"serial:ttyUSB0"`, "absolute path"},
		{`,"scale":"serial:/dev/ttyUSB0?baud=9601"`, `baud "9601"; want 1200`},
		{`,"scale":"serial:/dev/ttyUSB0?format=9X1"`, "such as 8N1 or 7E1"},
		{`,"scale":"serial:/dev/ttyUSB0?protocol=8213"`, `protocol "8213"`},
		{`,"scale":"serial:/dev/ttyUSB0?mode=sometimes"`, "want poll or continuous"},
		{`,"scale":"serial:/dev/ttyUSB0?speed=9600"`, `unknown setting "speed"`},
		{`,"scale":"hid:/dev/hidraw0?baud=9600"`, "takes no settings"},
		{`,"print_engine":"lpr://printer"`, "want a printer queue such as ipp://"},
		{`,"print_engine":"tray:output"`, "absolute folder"},
		{`,"print_engine":"ipp://kiosk:s3cret@printer/printers/Env"`, "carries no user or password"},
		{`,"print_engine":"tray:/x","output_tray":"/y"`, "output_tray and print_engine both name the print engine"},
	} {
		_, err := LoadConfig(writeConfig(t, configWith(tt.extra)))
		require.Error(t, err, tt.extra)
		assert.Contains(t, err.Error(), tt.want, tt.extra)
		assert.NotContains(t, err.Error(), "s3cret", "a password in the configuration is not repeated in the log")
	}
}

func TestKioskConfigNamesItsDevices(t *testing.T) {
	for _, tt := range []struct {
		extra  string
		engine any
		scale  any
	}{
		{``, &devices.TrayEngine{}, nil},
		{`,"scale":"none","print_engine":"tray:/srv/tray"`, &devices.TrayEngine{}, nil},
		{`,"scale":"serial:/dev/serial/by-id/usb-scale?baud=4800&format=7E1&protocol=nci&mode=continuous"`, &devices.TrayEngine{}, &scale.Serial{}},
		{`,"scale":"hid:/dev/hidraw0","print_engine":"ipp://localhost:631/printers/Envelopes"`, &cups.Engine{}, &scale.HID{}},
	} {
		c, err := LoadConfig(writeConfig(t, configWith(tt.extra)))
		require.NoError(t, err, tt.extra)
		d, err := OpenDevices(c, nil)
		require.NoError(t, err, tt.extra)
		assert.IsType(t, tt.engine, d.Engine, tt.extra)
		if tt.scale == nil {
			assert.Nil(t, d.Scale, tt.extra)
		} else {
			assert.IsType(t, tt.scale, d.Scale, tt.extra)
		}
	}
	c, err := LoadConfig(writeConfig(t, configWith(`,"scale":"serial:/dev/ttyS0?baud=4800&format=7e1&mode=continuous"`)))
	require.NoError(t, err)
	d, err := OpenDevices(c, nil)
	require.NoError(t, err)
	s := d.Scale.(*scale.Serial)
	assert.Equal(t, "/dev/ttyS0", s.Path)
	assert.Equal(t, 4800, s.Baud)
	assert.Equal(t, "7E1", s.Format.String())
	assert.True(t, s.Continuous)
	c, err = LoadConfig(writeConfig(t, configWith(``)))
	require.NoError(t, err)
	d, err = OpenDevices(c, nil)
	require.NoError(t, err)
	assert.Equal(t, "/var/lib/postmeter/output-tray", d.Engine.(*devices.TrayEngine).Tray.Dir)
}
