package adtest

import (
	"sync"
)

// Op is the LDAP operation a Fault applies to.
type Op int

const (
	OpSearch Op = iota // searches (the root DSE excepted)
	OpBind             // simple binds
)

// Fault describes one injected failure: where it fires and what happens.
//
// A search fault fires at a position in the stream of entries a search
// returns: before entry AfterEntries (0-based) of page Page, or — when
// AfterTotal > 0 — once AfterTotal entries have been sent over all pages of
// the search. A page that ends before the position leaves the fault pending.
// A bind fault fires on the next bind (matching DN if set).
//
// What happens: Drop closes the TCP connection (the client sees a network
// error, no result); otherwise Code, when non-zero, ends the operation with
// that result code (the entries already sent stay sent, and no paging cookie
// is returned); Code 10 (referral) carries Referrals in the result. With
// Code 0 and Referrals set, the search instead emits those continuation
// references (SearchResultReference) at the position and carries on to a
// successful end, as AD does for DomainDnsZones/ForestDnsZones at a domain root.
type Fault struct {
	Op Op
	// DN limits the fault to searches with this base DN, or binds as this
	// name (compared case-insensitively, DN-normalised). Empty means any.
	DN string
	// Page is the 1-based page of a paged search; an unpaged search is page 1.
	// 0 means whichever page reaches the position first.
	Page int
	// AfterEntries is the number of entries of the page sent before firing.
	AfterEntries int
	// AfterTotal, if > 0, fires after that many entries of the whole search
	// instead (Page and AfterEntries are then ignored): a total size limit.
	AfterTotal int
	// RangeChunk limits the fault to searches that request an attribute
	// range (";range=low-…") with low >= RangeFrom.
	RangeChunk bool
	RangeFrom  int

	Code      int
	Message   string // diagnostic message; a default is used when empty
	Drop      bool
	Referrals []string
}

// DropConnection closes the connection before entry afterEntries of page
// page of the next search (page 0: the first page to get that far).
func DropConnection(page, afterEntries int) Fault {
	return Fault{Op: OpSearch, Page: page, AfterEntries: afterEntries, Drop: true}
}

// TimeLimitExceeded ends the next search on page page after afterEntries
// entries with timeLimitExceeded (3), the error that deactivated every Gitea
// user in go-gitea/gitea#4402.
func TimeLimitExceeded(page, afterEntries int) Fault {
	return Fault{Op: OpSearch, Page: page, AfterEntries: afterEntries, Code: 3,
		Message: "adtest: injected time limit exceeded"}
}

// SizeLimitExceeded ends the next search with sizeLimitExceeded (4) once n
// entries have been sent in total, paged or not (OpenLDAP's behaviour
// without size.prtotal; AD's own MaxPageSize cut of unpaged searches is
// modelled separately and always on).
func SizeLimitExceeded(n int) Fault {
	return Fault{Op: OpSearch, AfterTotal: n, Code: 4,
		Message: "adtest: injected size limit exceeded"}
}

// Busy answers the next search with busy (51) before any entry.
func Busy() Fault {
	return Fault{Op: OpSearch, Code: 51, Message: "adtest: injected busy"}
}

// Unavailable answers the next search with unavailable (52) before any entry.
func Unavailable() Fault {
	return Fault{Op: OpSearch, Code: 52, Message: "adtest: injected unavailable"}
}

// AdminLimitExceeded answers the next search with adminLimitExceeded (11)
// before any entry (AD's answer when a query exceeds MaxQueryDuration or
// MaxResultSetSize).
func AdminLimitExceeded() Fault {
	return Fault{Op: OpSearch, Code: 11, Message: "adtest: injected admin limit exceeded"}
}

// Referral answers the next search based at baseDN with referral (10)
// carrying url, before any entry.
func Referral(baseDN, url string) Fault {
	return Fault{Op: OpSearch, DN: baseDN, Code: 10, Referrals: []string{url},
		Message: "0000202B: RefErr: DSID-0310082F, data 0, 1 access points"}
}

// ContinuationReferences makes the next search based at baseDN emit the
// given continuation references before its first entry and then succeed.
func ContinuationReferences(baseDN string, urls ...string) Fault {
	return Fault{Op: OpSearch, DN: baseDN, Referrals: urls}
}

// BindFailure fails the next bind with invalidCredentials (49) even when the
// password is right, with AD's "account locked out" data code 775 — the
// locked service account of gitlab-org/gitlab-ee#6054.
func BindFailure() Fault {
	return Fault{Op: OpBind, Code: 49,
		Message: "80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 775, v4563"}
}

// RangeChunkFailure fails the next range-retrieval search asking for values
// from index low onwards with code (e.g. 51, or 1 operationsError).
func RangeChunkFailure(low, code int) Fault {
	return Fault{Op: OpSearch, RangeChunk: true, RangeFrom: low, Code: code, Message: "adtest: injected range chunk failure"}
}

// injected is a Fault in the server's queue.
type injected struct {
	Fault
	dnKey  string
	sticky bool
}

// faults is the server's fault queue, safe for concurrent use.
type faults struct {
	mu      sync.Mutex
	pending []*injected
	fired   int
}

func (fs *faults) add(f Fault, sticky bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.pending = append(fs.pending, &injected{Fault: f, dnKey: normDN(f.DN), sticky: sticky})
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.pending = nil
}

func (fs *faults) counts() (pending, fired int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.pending), fs.fired
}

// position is where an operation stands when faults are checked.
type position struct {
	op          Op
	dnKey       string
	page        int  // 1-based
	inPage      int  // entries of this page already sent
	total       int  // entries of the whole search already sent
	rangeLow    int  // highest requested range low bound, -1 if none
	beforeEntry bool // another entry is about to be sent (false: the page ends here)
}

// take returns the faults that fire at p, in injection order, up to and
// including the first one that ends the operation; one-shot faults among
// them are removed.
func (fs *faults) take(p position) []Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []Fault
	keep := fs.pending[:0]
	ended := false
	for _, f := range fs.pending {
		if ended || !f.firesAt(p) {
			keep = append(keep, f)
			continue
		}
		out = append(out, f.Fault)
		fs.fired++
		ended = f.ends()
		if f.sticky {
			keep = append(keep, f)
		}
	}
	for i := len(keep); i < len(fs.pending); i++ {
		fs.pending[i] = nil
	}
	fs.pending = keep
	return out
}

// ends reports whether the fault ends the operation it fires in.
func (f Fault) ends() bool { return f.Drop || f.Code != 0 }

func (f *injected) firesAt(p position) bool {
	if f.Op != p.op || (f.dnKey != "" && f.dnKey != p.dnKey) {
		return false
	}
	if p.op == OpBind {
		return true
	}
	if f.RangeChunk && (p.rangeLow < 0 || p.rangeLow < f.RangeFrom) {
		return false
	}
	if f.AfterTotal > 0 {
		// A size limit only bites when there is an entry over the limit.
		return p.beforeEntry && p.total == f.AfterTotal
	}
	return (f.Page == 0 || f.Page == p.page) && p.inPage == f.AfterEntries
}
