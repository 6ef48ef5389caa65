package funds

// SetPlantedBug plants one of the Bug* mistakes for the crash harness to find; pause, if set, runs
// between the two commits of BugSplitApply. Only the test binary can call it.
func SetPlantedBug(bug string, pause func()) {
	plantedBug = bug
	splitApplyPause = pause
}
