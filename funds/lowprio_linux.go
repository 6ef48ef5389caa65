package funds

import "syscall"

// lowerThreadPriority gives the calling thread (locked to its goroutine) the lowest scheduling priority:
// on Linux, setpriority with a thread id changes only that thread. A thread whose goroutine exits while
// still locked is destroyed by the Go runtime, never reused.
func lowerThreadPriority() {
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19) // best effort: a check at normal priority is still correct
}
