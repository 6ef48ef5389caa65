package meter

import (
	"errors"

	"postmeter/printer/when"
)

// The words of the mailroom's job presets, test prints and date corrections, kept apart from the main
// catalogue so each feature's words sit together; init adds them to it.

// Catalogue IDs of presets and zero-value impressions.
const (
	MsgPresetTitle         MessageID = "preset.title"
	MsgPresetName          MessageID = "preset.name"
	MsgPresetNameTaken     MessageID = "preset.name-taken"
	MsgPresetTooMany       MessageID = "preset.too-many"
	MsgPresetNotFound      MessageID = "preset.not-found"
	MsgPresetKeyedDefault  MessageID = "preset.keyed-default"
	MsgPresetNoClass       MessageID = "preset.no-class"
	MsgDateCorrectionTitle MessageID = "date-correction.title"
	MsgPieceNotFound       MessageID = "date-correction.no-piece"
	MsgPieceNotPrinted     MessageID = "date-correction.not-printed"
	MsgAlreadyCorrected    MessageID = "date-correction.done-before"
	MsgNothingToCorrect    MessageID = "date-correction.nothing"
)

var mailroomWords = map[MessageID]Entry{
	MsgPresetTitle:         {KindTitle, "Job preset"},
	MsgPresetName:          {KindBody, "A preset's name has 1 to %d characters. Type the name again."},
	MsgPresetNameTaken:     {KindBody, "There is already a preset named %s. Type another name."},
	MsgPresetTooMany:       {KindBody, "This meter keeps at most %d presets. Delete one you no longer use, then save again."},
	MsgPresetNotFound:      {KindBody, "That preset is not on the list any more. Choose another one."},
	MsgPresetKeyedDefault:  {KindBody, "The preset %s has keyed-in postage, so it cannot be the default. Make a preset priced by class and weight the default."},
	MsgPresetNoClass:       {KindBody, "The preset %s has a mail class the rate table in force does not have. Choose a class on Run Mail and save the preset again."},
	MsgDateCorrectionTitle: {KindTitle, "Date correction"},
	MsgPieceNotFound:       {KindBody, "There is no piece %d in this meter's records. Check the piece number printed on the envelope and key it in again."},
	MsgPieceNotPrinted:     {KindBody, "Piece %d was not printed, so it has no date to correct. Its postage is on the spoiled list for a refund."},
	MsgAlreadyCorrected:    {KindBody, "The date of piece %d was corrected to %s already. A piece's date is corrected once."},
	MsgNothingToCorrect:    {KindBody, "Piece %d is dated %s, today or later, so its date needs no correction."},
}

func init() {
	for id, e := range mailroomWords {
		if _, dup := catalogue[id]; dup {
			panic("meter: catalogue entry " + string(id) + " twice")
		}
		catalogue[id] = e
	}
}

// explainPreset says what a preset's refusal means and what to do.
func explainPreset(e *PresetError) Message {
	ok := []MessageID{ActionOK}
	switch {
	case errors.Is(e, ErrPresetName):
		return msg(MsgPresetTitle, MsgPresetName, ok, PresetNameMaxLength)
	case errors.Is(e, ErrPresetNameTaken):
		return msg(MsgPresetTitle, MsgPresetNameTaken, ok, e.Name)
	case errors.Is(e, ErrTooManyPresets):
		return msg(MsgPresetTitle, MsgPresetTooMany, ok, MaxPresets)
	case errors.Is(e, ErrKeyedPresetDefault):
		return msg(MsgPresetTitle, MsgPresetKeyedDefault, ok, e.Name)
	case errors.Is(e, ErrPresetNoClass):
		return msg(MsgPresetTitle, MsgPresetNoClass, ok, e.Name)
	}
	return msg(MsgPresetTitle, MsgPresetNotFound, ok)
}

// explainDateCorrection says why a piece's date cannot be corrected.
func explainDateCorrection(e *DateCorrectionError) Message {
	ok := []MessageID{ActionOK}
	switch {
	case errors.Is(e, ErrPieceNotPrinted):
		return msg(MsgDateCorrectionTitle, MsgPieceNotPrinted, ok, e.Piece)
	case errors.Is(e, ErrAlreadyCorrected):
		return msg(MsgDateCorrectionTitle, MsgAlreadyCorrected, ok, e.Piece, when.Date(e.Date))
	case errors.Is(e, ErrNothingToCorrect):
		return msg(MsgDateCorrectionTitle, MsgNothingToCorrect, ok, e.Piece, when.Date(e.Date))
	}
	return msg(MsgDateCorrectionTitle, MsgPieceNotFound, ok, e.Piece)
}
