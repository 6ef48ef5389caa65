package printer

import (
	"bytes"
	"crypto/ed25519"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxdatamatrix "github.com/makiuchi-d/gozxing/datamatrix"
	dmencoder "github.com/makiuchi-d/gozxing/datamatrix/encoder"
)

// The finder and clock patterns and the data regions are laid out as ZXing's own writer lays them out,
// for symbols of one to four regions.
func TestDataMatrixLayoutMatchesZXingWriter(t *testing.T) {
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_DATA_MATRIX_SHAPE: dmencoder.SymbolShapeHint_FORCE_SQUARE}
	for _, n := range []int{1, 30, 60, 120, 200} {
		msg := bytes.Repeat([]byte{'A'}, n)
		code, err := zxdatamatrix.NewDataMatrixWriter().Encode(string(msg), gozxing.BarcodeFormat_DATA_MATRIX, 0, 0, hints)
		if err != nil {
			t.Fatal(err)
		}
		cw, _ := dmencoder.EncodeHighLevel(string(msg), dmencoder.SymbolShapeHint_FORCE_SQUARE, nil, nil)
		info, _ := dmencoder.SymbolInfo_Lookup(len(cw), dmencoder.SymbolShapeHint_FORCE_SQUARE, nil, nil, true)
		all, _ := dmencoder.ErrorCorrection_EncodeECC200(cw, info)
		pl := dmencoder.NewDefaultPlacement(all, info.GetSymbolDataWidth(), info.GetSymbolDataHeight())
		pl.Place()
		dm := layoutModules(pl, info)
		for y := range dm.size {
			for x := range dm.size {
				if dm.modules[y][x] != code.Get(x, y) {
					t.Fatalf("n=%d size %d differs at %d,%d", n, dm.size, x, y)
				}
			}
		}
	}
}

// Signatures are random bytes: every one of 200 reads back exactly (ZXing's mixed encodation lost about
// one in seven; see encodeDataMatrix).
func TestDataMatrixCarriesEveryByte(t *testing.T) {
	all := make([]byte, 0, 249)
	for b := range 249 {
		all = append(all, byte(255-b))
	}
	dm, err := encodeDataMatrix(all)
	if err != nil {
		t.Fatal(err)
	}
	if dm.size > 64 {
		t.Fatalf("249 bytes in %d modules", dm.size)
	}
	bad := 0
	for i := range 200 {
		ind := sampleIndicium()
		ind.Piece = int64(i)
		ind = sign(t, ind, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{byte(i)}, 32)))
		p, _ := IndiciumPayload(ind)
		img, err := RenderIndicium(ind, Tape)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeDataMatrix(t, img, Tape, p); !bytes.Equal(got, p) {
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%d of 200 misread", bad)
	}
}
