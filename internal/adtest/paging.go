package adtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/jimlambrt/gldap"
)

// search is one search operation in progress: the entries it matched
// (evaluated once, on its first page) and how far the client has got. A paged
// search keeps it between pages under a cookie.
type search struct {
	conn        int
	fingerprint string
	dnKey       string
	rangeLow    int
	results     []result
	refs        []string // continuation references sent with the last page
	next        int      // index of the next result to send
	page        int      // 1-based number of the page being sent
	total       int      // entries sent so far, over all pages
	sizeLimit   int      // the client's sizeLimit, 0 for none
}

// sessions holds paged searches between pages. AD keeps paged-search state on
// the server and ties it to the connection; so does this.
type sessions struct {
	mu     sync.Mutex
	byCook map[string]*search
}

func (ss *sessions) put(s *search) (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating paging cookie: %w", err)
	}
	cookie := hex.EncodeToString(b[:])
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.byCook == nil {
		ss.byCook = map[string]*search{}
	}
	ss.byCook[cookie] = s
	return cookie, nil
}

// take removes and returns the search saved under cookie on connection conn.
func (ss *sessions) take(cookie string, conn int) *search {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.byCook[cookie]
	if !ok || s.conn != conn {
		return nil
	}
	delete(ss.byCook, cookie)
	return s
}

// dropConn forgets every paged search of a closed connection.
func (ss *sessions) dropConn(conn int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for c, s := range ss.byCook {
		if s.conn == conn {
			delete(ss.byCook, c)
		}
	}
}

func (ss *sessions) count() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.byCook)
}

// fingerprint identifies a search's parameters so a continuation with a
// cookie can be checked against the search that issued it (RFC 2696 §3).
func fingerprint(m *gldap.SearchMessage) string {
	return fmt.Sprintf("%s\x00%d\x00%s\x00%s", normDN(m.BaseDN), m.Scope, m.Filter,
		strings.ToLower(strings.Join(m.Attributes, "\x00")))
}

// send streams the next page of s (the whole rest when pageSize is 0, i.e.
// unpaged) and ends it with SearchResultDone, checking injected faults before
// every entry and before the end, and applying the client's sizeLimit and,
// for unpaged searches, AD's MaxPageSize cut. It returns true when the search
// has more pages to come.
func (srv *Server) send(w *gldap.ResponseWriter, r *gldap.Request, s *search, pageSize int) (more bool) {
	inPage := 0
	for {
		atEnd := s.next >= len(s.results) || (pageSize > 0 && inPage == pageSize)
		pos := position{op: OpSearch, dnKey: s.dnKey, page: s.page, inPage: inPage,
			total: s.total, rangeLow: s.rangeLow, beforeEntry: !atEnd}
		for _, f := range srv.faults.take(pos) {
			if srv.applyFault(w, r, f) {
				return false
			}
		}
		if atEnd {
			break
		}
		if s.sizeLimit > 0 && s.total >= s.sizeLimit {
			srv.done(w, r, gldap.ResultSizeLimitExceeded, "Size Limit Exceeded")
			return false
		}
		if pageSize == 0 && inPage >= srv.cfg.maxPageSize {
			// AD cuts an unpaged search at MaxPageSize with sizeLimitExceeded.
			srv.done(w, r, gldap.ResultSizeLimitExceeded, "Size Limit Exceeded")
			return false
		}
		res := s.results[s.next]
		entry := r.NewSearchResponseEntry(res.dn)
		for _, a := range res.attrs {
			entry.AddAttribute(a.name, a.vals)
		}
		if err := w.Write(entry); err != nil {
			return false
		}
		s.next++
		s.total++
		inPage++
	}
	more = pageSize > 0 && s.next < len(s.results)
	if !more && len(s.refs) > 0 {
		srv.control(w, r, ctlRefs+"\n"+strings.Join(s.refs, "\n"))
	}
	resp := r.NewSearchDoneResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	if pageSize > 0 {
		ctrl := &gldap.ControlPaging{}
		if more {
			cookie, err := srv.sessions.put(s)
			if err != nil {
				srv.done(w, r, gldap.ResultOther, err.Error())
				return false
			}
			ctrl.Cookie = []byte(cookie)
		}
		resp.SetControls(ctrl)
	}
	_ = w.Write(resp)
	return more
}

// applyFault carries out a fault that fired; it reports whether the
// operation is over.
func (srv *Server) applyFault(w *gldap.ResponseWriter, r *gldap.Request, f Fault) bool {
	switch {
	case f.Drop:
		srv.control(w, r, ctlDrop)
		return true
	case f.Code == gldap.ResultReferral:
		srv.control(w, r, ctlReferral+"\n"+orDefault(f.Message, "referral")+"\n"+strings.Join(f.Referrals, "\n"))
		return true
	case f.Code != 0:
		srv.done(w, r, f.Code, orDefault(f.Message, fmt.Sprintf("adtest: injected result code %d", f.Code)))
		return true
	case len(f.Referrals) > 0:
		srv.control(w, r, ctlRefs+"\n"+strings.Join(f.Referrals, "\n"))
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// done ends a search with a result code and diagnostic message.
func (srv *Server) done(w *gldap.ResponseWriter, r *gldap.Request, code int, msg string) {
	resp := r.NewSearchDoneResponse(gldap.WithResponseCode(code))
	resp.SetDiagnosticMessage(msg)
	_ = w.Write(resp)
}

// control sends an in-band instruction to the proxy (see proxy.go).
func (srv *Server) control(w *gldap.ResponseWriter, r *gldap.Request, cmd string) {
	_ = w.Write(r.NewResponse(
		gldap.WithApplicationCode(gldap.ApplicationExtendedResponse),
		gldap.WithResponseCode(gldap.ResultSuccess),
		gldap.WithDiagnosticMessage(srv.ctl+cmd),
	))
}
