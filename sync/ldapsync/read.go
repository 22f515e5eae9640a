package ldapsync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Completeness says whether a read saw every entry in scope, and if not,
// why. The engine may treat "not returned" as "left" only for a complete
// read.
type Completeness struct {
	Complete bool
	// Reason says why the read is incomplete ("" when complete): the
	// limit, error or missing chunk that cut it short.
	Reason string
	// ResultCode is the LDAP result code that ended the read: 0 when
	// complete; 3, 4, 10, 11, 32, 51, 52… from the server; go-ldap's client
	// codes (200 network error, …) for connection problems; 10 as well
	// for a continuation reference (part of the scope on another server).
	ResultCode uint16
	Pages      int // pages the server answered in full
	Entries    int // entries delivered to the caller
}

// ErrIncomplete is wrapped by the error of a read that the directory cut
// short (a limit, an error result, a lost connection, a missing range
// chunk, an entry without identity): the entries already delivered are
// genuine, but the absence of an entry proves nothing.
var ErrIncomplete = errors.New("directory read incomplete")

// Stream searches the subtree at base for filter one page at a time with
// the paged-results control (RFC 2696), calling fn for every entry in
// order, and reports whether the read was complete. Only one page (at most
// pageSize entries; 0 means the source's page size) is held at a time: an
// entry not retained by fn can be collected as soon as fn returns.
//
// The error is nil exactly when the read is complete. When the directory
// cut it short (size limit 4, time limit 3, administrative limit 11, busy
// 51, unavailable 52, referral 10 or a continuation reference,
// noSuchObject 32 for a missing base, any other error result, or a lost
// connection) the error wraps ErrIncomplete and Completeness says why;
// the entries received before are still delivered. When fn returns an
// error, Stream abandons the search and returns that error (wrapped).
// When ctx is done, the connection is closed under the request (the Conn
// is unusable afterwards) and ctx's error is returned. Each page request
// carries a server time limit: the source's TimeLimit, or the time left
// before ctx's deadline if sooner.
func (c *Conn) Stream(ctx context.Context, base, filter string, attrs []string, pageSize int,
	fn func(*ldap.Entry) error) (Completeness, error) {
	n := 0
	comp, err := c.streamPages(ctx, base, filter, attrs, pageSize, func(page []*ldap.Entry) error {
		for i, e := range page {
			page[i] = nil // the page does not keep delivered entries alive
			n++
			if ferr := fn(e); ferr != nil {
				return ferr
			}
		}
		return nil
	})
	comp.Entries = n
	return comp, err
}

// streamPages is Stream a page at a time: fn gets each page's entries (it
// may keep or clear the slice) and comp.Entries counts the entries of
// the pages passed to fn, whatever fn did with them.
func (c *Conn) streamPages(ctx context.Context, base, filter string, attrs []string, pageSize int,
	fn func([]*ldap.Entry) error) (Completeness, error) {
	var comp Completeness
	if pageSize <= 0 {
		pageSize = c.src.PageSize
	}
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	if err := ctx.Err(); err != nil {
		comp.Reason = "cancelled: " + err.Error()
		return comp, err
	}
	stop := context.AfterFunc(ctx, c.abort)
	defer stop()

	paging := ldap.NewControlPaging(uint32(pageSize))
	var prev []byte
	for {
		req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases,
			0, c.timeLimit(ctx), false, filter, attrs, []ldap.Control{paging})
		res, err := c.l.Search(req)
		if cerr := ctx.Err(); cerr != nil {
			comp.Reason = "cancelled: " + cerr.Error()
			return comp, fmt.Errorf("reading %q: %w", base, cerr)
		}
		var cookie []byte
		var pagingErr error
		if err == nil {
			cookie, pagingErr = nextCookie(res)
		}
		if res != nil && len(res.Entries) > 0 {
			comp.Entries += len(res.Entries)
			if ferr := fn(res.Entries); ferr != nil {
				c.abandon(ctx, req, cookie)
				comp.Reason = "stopped by the caller: " + ferr.Error()
				return comp, ferr
			}
		}
		if err != nil {
			comp.ResultCode, comp.Reason = classify(err, base)
			return comp, fmt.Errorf("reading %q: %w: %s: %w", base, ErrIncomplete, comp.Reason, err)
		}
		comp.Pages++
		if len(res.Referrals) > 0 {
			c.abandon(ctx, req, cookie)
			comp.ResultCode = ldap.LDAPResultReferral
			comp.Reason = fmt.Sprintf("part of the search is on another server (continuation reference %s); "+
				"referrals are not followed: narrow the base DN or use the global catalog", res.Referrals[0])
			return comp, fmt.Errorf("reading %q: %w: %s", base, ErrIncomplete, comp.Reason)
		}
		if pagingErr != nil {
			comp.ResultCode = ldap.ErrorUnexpectedResponse
			comp.Reason = pagingErr.Error()
			return comp, fmt.Errorf("reading %q: %w: %s", base, ErrIncomplete, comp.Reason)
		}
		if len(cookie) == 0 {
			comp.Complete = true
			return comp, nil
		}
		if len(res.Entries) == 0 && bytes.Equal(cookie, prev) {
			comp.ResultCode = ldap.ErrorUnexpectedResponse
			comp.Reason = "the server repeated its paging cookie without returning entries"
			return comp, fmt.Errorf("reading %q: %w: %s", base, ErrIncomplete, comp.Reason)
		}
		prev = cookie
		paging.SetCookie(cookie)
	}
}

// nextCookie returns the paging cookie of a page: empty on the last page
// (or when the server ignored the non-critical paging control and sent
// everything at once).
func nextCookie(res *ldap.SearchResult) ([]byte, error) {
	ctrl := ldap.FindControl(res.Controls, ldap.ControlTypePaging)
	if ctrl == nil {
		return nil, nil
	}
	p, ok := ctrl.(*ldap.ControlPaging)
	if !ok {
		return nil, fmt.Errorf("malformed paged-results control in the server's response: %v", ctrl)
	}
	return p.Cookie, nil
}

// abandon tells the server to drop a paged search's state (a page size of
// 0 with the cookie, RFC 2696 §3). Best effort.
func (c *Conn) abandon(ctx context.Context, req *ldap.SearchRequest, cookie []byte) {
	if len(cookie) == 0 || ctx.Err() != nil {
		return
	}
	p := ldap.NewControlPaging(0)
	p.SetCookie(cookie)
	req.Controls = []ldap.Control{p}
	_, _ = c.l.Search(req)
}

// timeLimit is the server-side time limit of the next request, in whole
// seconds (0: none).
func (c *Conn) timeLimit(ctx context.Context) int {
	limit := c.src.TimeLimit
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); limit <= 0 || left < limit {
			limit = left
		}
	}
	if limit <= 0 {
		return 0
	}
	return int(math.Max(1, math.Ceil(limit.Seconds())))
}

// classify turns the error that ended a read into its result code and a
// reason for people.
func classify(err error, base string) (uint16, string) {
	var le *ldap.Error
	if !errors.As(err, &le) {
		return ldap.ErrorNetwork, "connection error: " + err.Error()
	}
	var what string
	switch le.ResultCode {
	case ldap.LDAPResultTimeLimitExceeded:
		what = "time limit exceeded"
	case ldap.LDAPResultSizeLimitExceeded:
		what = "size limit exceeded: the server returned only part of the entries"
	case ldap.LDAPResultAdminLimitExceeded:
		what = "administrative limit exceeded"
	case ldap.LDAPResultBusy:
		what = "server busy"
	case ldap.LDAPResultUnavailable:
		what = "server unavailable"
	case ldap.LDAPResultReferral:
		what = "the server answered with a referral (not followed)"
	case ldap.LDAPResultNoSuchObject:
		what = fmt.Sprintf("base DN %q does not exist or is not visible to the bind DN", base)
	case ldap.ErrorNetwork:
		what = "connection error"
	default:
		what = ldap.LDAPResultCodeMap[le.ResultCode]
		if what == "" {
			what = "error"
		}
	}
	return le.ResultCode, fmt.Sprintf("%s (result code %d)", what, le.ResultCode)
}
