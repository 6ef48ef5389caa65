//go:build !linux

package funds

// lowerThreadPriority does nothing where a thread's priority cannot be set alone.
func lowerThreadPriority() {}
