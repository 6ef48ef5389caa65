// Package ui is postmeter's touchscreen: the Home, Run Mail, Funds and refill screens, sign-in, the
// keypad and the dialogs, drawn with Fyne in a kiosk theme. It shows what the meter core decides and
// holds no business rule: every action asks package meter, which checks rights and limits itself.
//
// Meter calls that touch the disk or the network run on a background goroutine; their results come back
// to the widgets through fyne.Do.
package ui
