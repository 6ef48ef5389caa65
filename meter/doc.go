// Package meter is the meter's core: every rule a screen shows lives here, so the touchscreen only
// asks and displays. It holds sign-in and rights, the refill options and the refill run, Run Mail (rates,
// dates, account codes, printing postage), the low-funds and insufficient-funds warnings, the inspection
// clock, settings, report models and the device interfaces (their implementations are in devices).
//
// Money goes through funds (the vault and the refill protocol); meter never imports Fyne.
package meter
