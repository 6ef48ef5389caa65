// Package cups drives printers through IPP, usually a CUPS queue: the attached office printer for
// "Print on document", and a print engine that prints indicia and receipts on an envelope or label
// printer, following each job to its end and telling the clerk what stopped it.
package cups
