package trainer

import "postmeter/ui"

// The trainer panel's buttons, by ID: tests and scenes find them by these, never by their captions.
const (
	PanelTabControls ui.ID = "panel.tab.controls"
	PanelTabTray     ui.ID = "panel.tab.tray"
	PanelTabLessons  ui.ID = "panel.tab.lessons"

	PanelLinkUp       ui.ID = "panel.link-up"
	PanelLinkDown     ui.ID = "panel.link-down"
	PanelDCNormal     ui.ID = "panel.dc-normal"
	PanelDCSlow       ui.ID = "panel.dc-slow"
	PanelDCDown       ui.ID = "panel.dc-down"
	PanelDCLoseAnswer ui.ID = "panel.dc-lose-answer"

	PanelDeposit    ui.ID = "panel.account-deposit"
	PanelCreditLine ui.ID = "panel.account-credit"
	PanelLock       ui.ID = "panel.account-lock" // Lock, or Unlock when the account is locked

	PanelEnvelope ui.ID = "panel.engine-envelope"
	PanelTape     ui.ID = "panel.engine-tape"
	PanelJam      ui.ID = "panel.engine-jam"
	PanelInkOK    ui.ID = "panel.ink-ok"
	PanelInkLow   ui.ID = "panel.ink-low"
	PanelInkOut   ui.ID = "panel.ink-out"

	PanelUnplugEngine  ui.ID = "panel.unplug-engine"
	PanelUnplugPrinter ui.ID = "panel.unplug-printer"
	PanelUnplugScale   ui.ID = "panel.unplug-scale"

	PanelScaleDown ui.ID = "panel.scale-down"
	PanelScaleUp   ui.ID = "panel.scale-up"

	// The clock: a day on, and straight to the contact profile's warning and lock (their captions
	// follow the profile: "Day 21" and "Day 28" for Canada, "Hour 24" and "Hour 72" for IMI).
	PanelNextDay      ui.ID = "panel.clock-next-day"
	PanelClockWarning ui.ID = "panel.clock-warning"
	PanelClockLock    ui.ID = "panel.clock-lock"

	PanelSignInSupervisor ui.ID = "panel.sign-in-supervisor"
	PanelSignInOperator   ui.ID = "panel.sign-in-operator"
	PanelReset            ui.ID = "panel.reset"

	PanelStopLesson ui.ID = "panel.lesson-stop"
	PanelTrayNewer  ui.ID = "panel.tray-newer"
	PanelTrayOlder  ui.ID = "panel.tray-older"
	PanelTrayBack   ui.ID = "panel.tray-back"
)

// PanelLesson is the button that starts the lesson with id (its file's name without the number).
func PanelLesson(id string) ui.ID { return ui.ID("panel.lesson." + id) }
