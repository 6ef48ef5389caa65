package meter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// letterFor is a one-ounce letter charged to account code id.
func letterFor(id string) Job { return Job{Class: ClassLetter, Weight: 10, AccountCode: id} }

func TestAccountCodesAreManagedWithTheirOwnRight(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	_, err := r.m.AddAccount(r.ctx, r.oper, "Sales")
	assert.ErrorIs(t, err, ErrNoRights, "an operator without the right adds no code")

	// Granting operators the users right does not grant this one, and the other way round.
	require.NoError(t, r.users.SetOperatorRights(r.ctx, r.super, []Right{RightManageUsers}))
	_, err = r.m.AddAccount(r.ctx, r.oper, "Sales")
	assert.ErrorIs(t, err, ErrNoRights)
	require.NoError(t, r.users.SetOperatorRights(r.ctx, r.super, []Right{RightManageAccounts}))
	id, err := r.m.AddAccount(r.ctx, r.oper, "Sales")
	require.NoError(t, err)
	assert.Equal(t, "A0001", id)
	assert.ErrorIs(t, r.users.SetOperatorRights(r.ctx, r.oper, nil), ErrNoRights)
}

func TestRenamedAccountKeepsItsPiecesAndDisabledOneTakesNoMore(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	sales, err := r.m.AddAccount(r.ctx, r.super, "Sales")
	require.NoError(t, err)
	legal, err := r.m.AddAccount(r.ctx, r.super, "legal ")
	require.NoError(t, err)
	_, err = r.m.AddAccount(r.ctx, r.super, "SALES")
	assert.ErrorIs(t, err, ErrAccountNameTaken, "names differ in more than case")
	_, err = r.m.AddAccount(r.ctx, r.super, "   ")
	assert.ErrorIs(t, err, ErrAccountName)

	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(sales), MediumTape)
	require.NoError(t, err)
	require.NoError(t, r.m.RenameAccount(r.ctx, r.super, sales, "Sales and marketing"))
	assert.ErrorIs(t, r.m.RenameAccount(r.ctx, r.super, sales, "Legal"), ErrAccountNameTaken)
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(sales), MediumTape)
	require.NoError(t, err)

	pieces, err := r.vault.Pieces(r.ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, pieces, 2)
	for _, p := range pieces {
		assert.Equal(t, sales, p.Info.AccountCode, "each piece records the code's ID, which a rename keeps")
	}
	accounts, err := r.m.Accounts(r.ctx)
	require.NoError(t, err)
	a, ok := accounts.Find(sales)
	require.True(t, ok)
	assert.Equal(t, "Sales and marketing", a.Name)
	l, _ := accounts.Find(legal)
	assert.Equal(t, "legal", l.Name, "spaces around a name are dropped")

	// Disabled: kept with its pieces, no new piece, and back when enabled.
	require.NoError(t, r.m.SetAccountDisabled(r.ctx, r.super, sales, true))
	before := r.registers()
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(sales), MediumTape)
	require.ErrorIs(t, err, ErrAccountDisabled)
	assert.Equal(t, "The account code Sales and marketing is disabled, so nothing can be charged to it. "+
		"Choose another, or ask a supervisor to enable it.", Explain(err).Text)
	assert.Equal(t, before, r.registers(), "a refused piece costs nothing")
	ids, err := r.m.AccountCodes(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{legal}, ids)
	require.NoError(t, r.m.SetAccountDisabled(r.ctx, r.super, sales, false))
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(sales), MediumTape)
	require.NoError(t, err)
	r.consistent()
}

func TestRequiredAccountCodeAndEachUsersDefault(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	assert.ErrorIs(t, r.m.SetAccountRequired(r.ctx, r.super, true), ErrAccountNotFound, "nothing to require yet")
	legal, err := r.m.AddAccount(r.ctx, r.super, "Legal")
	require.NoError(t, err)
	require.NoError(t, r.m.SetAccountRequired(r.ctx, r.super, true))
	_, err = r.m.PrintPiece(r.ctx, r.oper, Job{Class: ClassLetter, Weight: 10}, MediumTape)
	require.ErrorIs(t, err, ErrAccountRequired)
	assert.Equal(t, "Account code", Explain(err).Title)

	require.NoError(t, r.m.SetDefaultAccount(r.ctx, r.super, "oscar", legal))
	accounts, err := r.m.Accounts(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"Oscar": legal}, accounts.Defaults, "kept under the user's own name")
	err = r.m.SetAccountDisabled(r.ctx, r.super, legal, true)
	require.ErrorIs(t, err, ErrAccountIsDefault)
	assert.Contains(t, Explain(err).Text, "Oscar's own code")
	assert.ErrorIs(t, r.m.SetDefaultAccount(r.ctx, r.super, "Nobody", legal), ErrUnknownUser)
	require.NoError(t, r.m.SetDefaultAccount(r.ctx, r.super, "Oscar", ""))
	require.NoError(t, r.m.SetAccountDisabled(r.ctx, r.super, legal, true))
}

func TestAccountPINIsAskedOncePerSession(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	id, err := r.m.AddAccount(r.ctx, r.super, "Research")
	require.NoError(t, err)
	require.NoError(t, r.m.SetAccountPIN(r.ctx, r.super, id, "8642"))
	raw, _, err := r.vault.Setting(r.ctx, keyAccounts)
	require.NoError(t, err)
	assert.NotContains(t, raw, "8642", "only the PIN's hash is stored")

	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(id), MediumTape)
	require.ErrorIs(t, err, ErrAccountPIN)
	assert.ErrorIs(t, r.m.UnlockAccount(r.ctx, r.oper, id, "1111"), ErrWrongAccountPIN)
	require.NoError(t, r.m.UnlockAccount(r.ctx, r.oper, id, "8642"))
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(id), MediumTape)
	require.NoError(t, err)

	// Another session has not given it; a new PIN must be given again.
	_, err = r.m.PrintPiece(r.ctx, r.super, letterFor(id), MediumTape)
	assert.ErrorIs(t, err, ErrAccountPIN)
	require.NoError(t, r.m.SetAccountPIN(r.ctx, r.super, id, "9753"))
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor(id), MediumTape)
	assert.ErrorIs(t, err, ErrAccountPIN, "the PIN changed since this session gave it")
}

func TestAccountsFromTheOldListKeepTheirNamesAsIDs(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	// A meter from before account-code setup kept a plain list of names.
	require.NoError(t, r.m.setJSON(r.ctx, keyAccountCodes, []string{"Sales", "Legal"}, "test"))
	ids, err := r.m.AccountCodes(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"Sales", "Legal"}, ids)
	_, err = r.m.PrintPiece(r.ctx, r.oper, letterFor("Sales"), MediumTape)
	require.NoError(t, err)
	id, err := r.m.AddAccount(r.ctx, r.super, "Research")
	require.NoError(t, err)
	ids, err = r.m.AccountCodes(r.ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"Sales", "Legal", id}, ids)
}

func TestTooManyAccountCodes(t *testing.T) {
	r := newRig(t)
	r.fund(dollars(30))
	limit := r.m.maxAccounts()
	names := make([]string, limit)
	for i := range names {
		names[i] = "Code " + string(rune('A'+i/26%26)) + string(rune('A'+i%26)) + string(rune('0'+i/676))
	}
	require.NoError(t, r.m.SetAccountCodes(r.ctx, r.super, names))
	_, err := r.m.AddAccount(r.ctx, r.super, "One more")
	require.ErrorIs(t, err, ErrTooManyAccounts)
	assert.Contains(t, Explain(err).Text, "at most")
}
