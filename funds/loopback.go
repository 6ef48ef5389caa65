package funds

import (
	"net/netip"
	"strings"
)

// IsLoopbackHost says whether host (a URL's or listen address's host, brackets allowed) names this
// machine's loopback interface: localhost, 127.0.0.0/8 or ::1. Plain HTTP is allowed only there.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && ip.Unmap().IsLoopback()
}
