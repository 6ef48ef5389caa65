package printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/OpenPrinting/goipp"
)

// PrintDocument renders doc as PDF (RenderPDF), checks that the printer is not stopped, sends
// Print-Job, then polls Get-Job-Attributes until the job completes. It returns nil only for
// job-state completed. A job that is held or stopped, or still unfinished when Timeout runs out, is
// canceled (in the background, best effort) so it cannot come out later.
func (p *IPPPrinter) PrintDocument(ctx context.Context, doc Document) error {
	pdf, err := RenderPDF(doc)
	if err != nil {
		return err
	}
	return p.PrintPDF(ctx, pdf, doc.Title, "")
}

// PrintPDF prints a PDF as PrintDocument does, on media (the IPP media keyword; p.Media or
// MediaLetter if empty), the job called title.
func (p *IPPPrinter) PrintPDF(ctx context.Context, pdf []byte, title, media string) error {
	httpURL, printerURI, err := p.endpoints()
	if err != nil {
		return err
	}
	s := &ippSession{p: p, httpURL: httpURL, printerURI: printerURI, media: media}
	ctx, cancel := context.WithTimeout(ctx, durationOr(p.Timeout, DefaultIPPTimeout))
	defer cancel()

	if err := s.checkPrinter(ctx); err != nil {
		return err
	}
	jobID, state, err := s.printJob(ctx, pdf, title)
	if err != nil {
		return err
	}
	log := p.log().With("printer", p.Name(), "job", jobID)
	log.Info("ipp: job submitted", "title", title, "bytes", len(pdf))
	polled := false
	for {
		switch state.state {
		case jobCompleted:
			log.Info("ipp: job completed")
			return nil
		case jobCanceled, jobAborted:
			err := &JobError{JobID: jobID, State: state.state, Reasons: state.reasons, Message: state.message}
			log.Warn("ipp: job failed", "err", err)
			return fmt.Errorf("print %q on %s: %w", title, p.Name(), err)
		case jobHeld, jobProcessingStopped:
			s.cancelJob(jobID)
			// The job's reasons say little ("job-printing"); the printer's say why it stopped.
			reasons := state.reasons
			if st, err := s.state(ctx); err == nil {
				reasons = append(reasons, st.Reasons...)
			}
			return fmt.Errorf("print %q on %s: %w", title, p.Name(), &StateError{
				What:    fmt.Sprintf("job %d is %s", jobID, map[int]string{jobHeld: "held", jobProcessingStopped: "stopped"}[state.state]),
				Reasons: reasons, Message: state.message})
		case jobPending:
			// Still queued after a poll: a stopped queue would keep it there until Timeout.
			if polled {
				if err := s.checkPrinter(ctx); err != nil {
					s.cancelJob(jobID)
					return err
				}
			}
		}
		polled = true
		select {
		case <-ctx.Done():
			s.cancelJob(jobID)
			return s.classify(ctx, "wait for job", ctx.Err())
		case <-time.After(durationOr(p.PollInterval, DefaultIPPPollInterval)):
		}
		if state, err = s.jobState(ctx, jobID); err != nil {
			s.cancelJob(jobID)
			return err
		}
	}
}

// ippSession is one PrintDocument call.
type ippSession struct {
	p                   *IPPPrinter
	httpURL, printerURI string
	media               string
}

type jobState struct {
	state   int
	reasons []string
	message string
}

func (s *ippSession) request(op goipp.Op) *goipp.Message {
	m := goipp.NewRequest(goipp.DefaultVersion, op, ippRequestID.Add(1))
	m.Operation.Add(goipp.MakeAttribute("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	m.Operation.Add(goipp.MakeAttribute("attributes-natural-language", goipp.TagLanguage, goipp.String("en-us")))
	m.Operation.Add(goipp.MakeAttribute("printer-uri", goipp.TagURI, goipp.String(s.printerURI)))
	user := s.p.User
	if user == "" {
		user = DefaultIPPUser
	}
	m.Operation.Add(goipp.MakeAttribute("requesting-user-name", goipp.TagName, goipp.String(user)))
	return m
}

// checkPrinter fails with a *StateError (ErrPrinterStopped) if the printer is stopped or not
// accepting jobs.
func (s *ippSession) checkPrinter(ctx context.Context) error {
	st, err := s.state(ctx)
	if err != nil {
		return err
	}
	if st.Stopped() {
		return fmt.Errorf("printer %s: %w", s.p.Name(), &StateError{
			What:    fmt.Sprintf("state %d, accepting jobs %t", st.State, st.Accepting),
			Reasons: st.Reasons, Message: st.Message})
	}
	return nil
}

// state asks the printer how it is (Get-Printer-Attributes).
func (s *ippSession) state(ctx context.Context) (PrinterState, error) {
	req := s.request(goipp.OpGetPrinterAttributes)
	req.Operation.Add(goipp.MakeAttr("requested-attributes", goipp.TagKeyword,
		goipp.String("printer-state"), goipp.String("printer-state-reasons"),
		goipp.String("printer-state-message"), goipp.String("printer-is-accepting-jobs")))
	resp, err := s.roundTrip(ctx, req, nil)
	if err != nil {
		return PrinterState{}, err
	}
	st := PrinterState{Message: firstString(resp, "printer-state-message"), Accepting: true}
	st.State, _ = intAttr(resp, "printer-state")
	if accepting, ok := boolAttr(resp, "printer-is-accepting-jobs"); ok {
		st.Accepting = accepting
	}
	for _, r := range stringsAttr(resp, "printer-state-reasons") {
		if r != "none" {
			st.Reasons = append(st.Reasons, r)
		}
	}
	return st, nil
}

func (s *ippSession) printJob(ctx context.Context, pdf []byte, title string) (int, jobState, error) {
	if title == "" {
		title = "postmeter document"
	}
	req := s.request(goipp.OpPrintJob)
	req.Operation.Add(goipp.MakeAttribute("job-name", goipp.TagName, goipp.String(title)))
	req.Operation.Add(goipp.MakeAttribute("document-format", goipp.TagMimeType, goipp.String("application/pdf")))
	media := s.media
	if media == "" {
		media = s.p.Media
	}
	if media == "" {
		media = MediaLetter
	}
	req.Job.Add(goipp.MakeAttribute("media", goipp.TagKeyword, goipp.String(media)))
	resp, err := s.roundTrip(ctx, req, pdf)
	if err != nil {
		return 0, jobState{}, err
	}
	id, ok := intAttr(resp, "job-id")
	if !ok {
		return 0, jobState{}, fmt.Errorf("IPP Print-Job to %s: the answer has no job-id", s.p.Name())
	}
	st := readJobState(resp)
	if st.state == 0 {
		st.state = jobPending
	}
	return id, st, nil
}

func (s *ippSession) jobState(ctx context.Context, jobID int) (jobState, error) {
	req := s.request(goipp.OpGetJobAttributes)
	req.Operation.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(jobID)))
	req.Operation.Add(goipp.MakeAttr("requested-attributes", goipp.TagKeyword, goipp.String("job-state"),
		goipp.String("job-state-reasons"), goipp.String("job-state-message")))
	resp, err := s.roundTrip(ctx, req, nil)
	if err != nil {
		return jobState{}, err
	}
	st := readJobState(resp)
	if st.state == 0 {
		return st, fmt.Errorf("IPP Get-Job-Attributes on %s: job %d has no job-state", s.p.Name(), jobID)
	}
	return st, nil
}

// cancelJob sends Cancel-Job in the background, so PrintDocument still returns within its timeout.
func (s *ippSession) cancelJob(jobID int) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(),
			min(durationOr(s.p.RequestTimeout, DefaultIPPRequestTimeout), 5*time.Second))
		defer cancel()
		req := s.request(goipp.OpCancelJob)
		req.Operation.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(jobID)))
		if _, err := s.roundTrip(ctx, req, nil); err != nil {
			s.p.log().Warn("ipp: could not cancel job", "printer", s.p.Name(), "job", jobID, "err", err)
			return
		}
		s.p.log().Info("ipp: job canceled", "printer", s.p.Name(), "job", jobID)
	}()
}

// roundTrip posts one IPP request (followed by doc, if any) and decodes the answer. Any IPP error
// status becomes a *StatusError.
func (s *ippSession) roundTrip(ctx context.Context, req *goipp.Message, doc []byte) (*goipp.Message, error) {
	op := goipp.Op(req.Code).String()
	rctx, cancel := context.WithTimeout(ctx, durationOr(s.p.RequestTimeout, DefaultIPPRequestTimeout))
	defer cancel()
	body, err := req.EncodeBytes()
	if err != nil {
		return nil, fmt.Errorf("encode IPP %s: %w", op, err)
	}
	hreq, err := http.NewRequestWithContext(rctx, http.MethodPost, s.httpURL, bytes.NewReader(append(body, doc...)))
	if err != nil {
		return nil, fmt.Errorf("IPP %s to %s: %w", op, s.httpURL, err)
	}
	hreq.Header.Set("Content-Type", goipp.ContentType)
	hreq.Header.Set("Accept", goipp.ContentType)
	client := s.p.HTTP
	if client == nil {
		client = defaultIPPClient
	}
	hresp, err := client.Do(hreq)
	if err != nil {
		return nil, s.classify(rctx, "IPP "+op, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, 64<<10))
		_ = hresp.Body.Close()
	}()
	if hresp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("IPP %s to %s: HTTP %s", op, s.httpURL, hresp.Status)
	}
	var resp goipp.Message
	if err := resp.Decode(io.LimitReader(hresp.Body, 1<<20)); err != nil {
		if rctx.Err() != nil {
			return nil, s.classify(rctx, "IPP "+op, err)
		}
		return nil, fmt.Errorf("IPP %s to %s: decode answer: %w", op, s.httpURL, err)
	}
	if status := goipp.Status(resp.Code); status >= 0x0400 {
		return nil, fmt.Errorf("printer %s: %w", s.p.Name(),
			&StatusError{Op: op, Status: status.String(), Code: uint16(status),
				Message: firstString(&resp, "status-message")})
	}
	return &resp, nil
}

// classify wraps a transport error with ErrPrinterUnreachable (no connection), ErrPrinterTimeout
// (deadline) or, for a caller's cancellation, just the context error.
func (s *ippSession) classify(ctx context.Context, what string, err error) error {
	var op *net.OpError
	switch {
	case errors.As(err, &op) && op.Op == "dial":
		return fmt.Errorf("%s to %s: %w: %w", what, s.httpURL, ErrPrinterUnreachable, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s to %s: %w: %w", what, s.httpURL, ErrPrinterTimeout, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s to %s: %w: %w", what, s.httpURL, ErrPrinterTimeout, err)
	}
	return fmt.Errorf("%s to %s: %w", what, s.httpURL, err)
}
