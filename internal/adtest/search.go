package adtest

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/jimlambrt/gldap"
)

const (
	controlRangeNoErr = "1.2.840.113556.1.4.1948" // LDAP_SERVER_RANGE_RETRIEVAL_NOERR_OID

	msgBindRequired = "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation " +
		"a successful bind must be completed on the connection., data 0, v4563"
	msgBadCookie = "00000057: LdapErr: DSID-0C09080D, comment: Error processing control, data 0, v4563"
)

// handleSearch answers a SearchRequest: root DSE, authorisation, naming
// context, then a new or continued (paged) search.
func (srv *Server) handleSearch(w *gldap.ResponseWriter, r *gldap.Request) {
	m, err := r.GetSearchMessage()
	if err != nil {
		srv.done(w, r, gldap.ResultProtocolError, err.Error())
		return
	}
	conn := r.ConnectionID()
	var paging *gldap.ControlPaging
	noErr := false
	for _, c := range m.Controls {
		switch c := c.(type) {
		case *gldap.ControlPaging:
			paging = c
		case *gldap.ControlString:
			noErr = noErr || c.ControlType == controlRangeNoErr
		}
	}
	baseKey := normDN(m.BaseDN)
	bound := srv.isBound(conn)
	if baseKey == "" && m.Scope == gldap.BaseObject {
		// AD serves the root DSE anonymously, but refuses it with a paging
		// control on an anonymous connection (jborean93/PSOpenAD#103).
		if paging != nil && !bound {
			srv.done(w, r, gldap.ResultOperationsError, msgBindRequired)
			return
		}
		srv.rootDSE(w, r, m)
		return
	}
	if !bound {
		srv.done(w, r, gldap.ResultOperationsError, msgBindRequired)
		return
	}
	if !under(baseKey, srv.tree.baseKey) {
		// Outside our naming context: AD refers the client elsewhere.
		srv.control(w, r, ctlReferral+"\n0000202B: RefErr: DSID-0310082F, data 0, 1 access points\n"+
			"ldap://"+orDefault(domainOf(m.BaseDN), "unknown")+"/"+m.BaseDN)
		return
	}
	pageSize := 0
	if paging != nil {
		pageSize = min(int(paging.PagingSize), srv.cfg.maxPageSize)
	}
	var s *search
	if paging != nil && len(paging.Cookie) > 0 {
		s = srv.sessions.take(string(paging.Cookie), conn)
		if s == nil || s.fingerprint != fingerprint(m) {
			srv.done(w, r, gldap.ResultUnwillingToPerform, msgBadCookie)
			return
		}
		if pageSize == 0 { // RFC 2696 §3: size 0 abandons the paged search
			srv.pagedDone(w, r)
			return
		}
		s.page++
	} else {
		if paging != nil && pageSize == 0 {
			srv.pagedDone(w, r)
			return
		}
		var code int
		var msg string
		s, code, msg = srv.evaluate(m, noErr)
		if code != gldap.ResultSuccess {
			// A fault due at the start of the search wins over the error the
			// search itself would end with, as a busy server answers busy.
			start := position{op: OpSearch, dnKey: s.dnKey, page: 1, rangeLow: s.rangeLow}
			for _, f := range srv.faults.take(start) {
				if srv.applyFault(w, r, f) {
					return
				}
			}
			srv.done(w, r, code, msg)
			return
		}
		s.conn = conn
	}
	srv.send(w, r, s, pageSize)
}

// pagedDone answers a paged search with no entries and an empty cookie.
func (srv *Server) pagedDone(w *gldap.ResponseWriter, r *gldap.Request) {
	resp := r.NewSearchDoneResponse(gldap.WithResponseCode(gldap.ResultSuccess))
	resp.SetControls(&gldap.ControlPaging{})
	_ = w.Write(resp)
}

// evaluate runs a new search against the tree: base lookup, scope, filter
// and projection, all under one read lock so a page sequence sees one
// consistent snapshot.
func (srv *Server) evaluate(m *gldap.SearchMessage, noErr bool) (*search, int, string) {
	baseKey := normDN(m.BaseDN)
	s := &search{fingerprint: fingerprint(m), dnKey: baseKey, rangeLow: -1, page: 1, sizeLimit: int(m.SizeLimit)}
	sel, err := parseSelection(m.Attributes)
	if err != nil {
		return s, gldap.ResultProtocolError, err.Error()
	}
	s.rangeLow = sel.low
	filter, err := compileFilter(m.Filter)
	if err != nil {
		return s, gldap.ResultProtocolError, err.Error()
	}
	t := srv.tree
	t.mu.RLock()
	defer t.mu.RUnlock()
	base, ok := t.entries[baseKey]
	if !ok {
		return s, gldap.ResultNoSuchObject, fmt.Sprintf(
			"0000208D: NameErr: DSID-0310020A, problem 2001 (NO_OBJECT), data 0, best match of:\n\t'%s'\n",
			t.bestMatch(m.BaseDN))
	}
	var candidates []*entry
	switch m.Scope {
	case gldap.BaseObject:
		candidates = []*entry{base}
	case gldap.SingleLevel:
		for _, e := range t.entries {
			if e.parentKey == baseKey {
				candidates = append(candidates, e)
			}
		}
	default:
		for k, e := range t.entries {
			if under(k, baseKey) {
				candidates = append(candidates, e)
			}
		}
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].seq < candidates[j].seq })
	for _, e := range candidates {
		if !t.matches(e, filter) {
			continue
		}
		res, err := t.project(e, sel, m.TypesOnly, noErr, srv.cfg.maxValRange)
		var low errRangeLow
		if errors.As(err, &low) {
			return s, gldap.ResultOperationsError, "000020EB: SvcErr: DSID-031401EB, problem 5012 (DIR_ERROR), " + low.Error()
		}
		s.results = append(s.results, res)
	}
	if srv.cfg.rootRefs && baseKey == t.baseKey && m.Scope == gldap.WholeSubtree {
		domain := domainOf(t.baseDN)
		s.refs = []string{
			"ldap://ForestDnsZones." + domain + "/DC=ForestDnsZones," + t.baseDN,
			"ldap://DomainDnsZones." + domain + "/DC=DomainDnsZones," + t.baseDN,
			"ldap://" + domain + "/CN=Configuration," + t.baseDN,
		}
	}
	return s, gldap.ResultSuccess, ""
}

// bestMatch is the DN of the closest existing ancestor of dn. Caller holds mu.
func (t *tree) bestMatch(dn string) string {
	for cur := dn; cur != ""; {
		if e, ok := t.entries[normDN(cur)]; ok {
			return e.dn
		}
		_, cur = splitDN(cur)
	}
	return t.baseDN
}

// rootDSE answers a base search of "": what a client reads to recognise AD
// and find its naming context.
func (srv *Server) rootDSE(w *gldap.ResponseWriter, r *gldap.Request, m *gldap.SearchMessage) {
	t := srv.tree
	t.mu.RLock()
	base := t.baseDN
	usn := t.usn
	t.mu.RUnlock()
	domain := domainOf(base)
	config := "CN=Configuration," + base
	e := &entry{attrs: map[string]*attribute{}}
	e.set("currentTime", generalizedTime(time.Now()))
	e.set("subschemaSubentry", "CN=Aggregate,CN=Schema,"+config)
	e.set("dsServiceName", "CN=NTDS Settings,CN=DC01,CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+config)
	e.set("namingContexts", base, config, "CN=Schema,"+config, "DC=DomainDnsZones,"+base, "DC=ForestDnsZones,"+base)
	e.set("defaultNamingContext", base)
	e.set("rootDomainNamingContext", base)
	e.set("configurationNamingContext", config)
	e.set("schemaNamingContext", "CN=Schema,"+config)
	e.set("serverName", "CN=DC01,CN=Servers,CN=Default-First-Site-Name,CN=Sites,"+config)
	e.set("supportedControl", gldap.ControlTypePaging, controlRangeNoErr,
		"1.2.840.113556.1.4.1941", "1.2.840.113556.1.4.417", "1.2.840.113556.1.4.841")
	e.set("supportedLDAPVersion", "3", "2")
	e.set("supportedCapabilities", "1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670",
		"1.2.840.113556.1.4.1791", "1.2.840.113556.1.4.1935")
	e.set("highestCommittedUSN", strconv.FormatInt(usn, 10))
	e.set("dnsHostName", "dc01."+domain)
	e.set("ldapServiceName", domain+":dc01$@"+domain)
	e.set("isSynchronized", "TRUE")
	e.set("isGlobalCatalogReady", "TRUE")
	e.set("domainFunctionality", "7")
	e.set("forestFunctionality", "7")
	e.set("domainControllerFunctionality", "7")
	e.set("objectClass", "top")
	sel, err := parseSelection(m.Attributes)
	if err != nil {
		srv.done(w, r, gldap.ResultProtocolError, err.Error())
		return
	}
	filter, err := compileFilter(m.Filter)
	if err != nil {
		srv.done(w, r, gldap.ResultProtocolError, err.Error())
		return
	}
	t.mu.RLock()
	ok := t.matches(e, filter)
	res, _ := t.project(e, sel, m.TypesOnly, true, srv.cfg.maxValRange)
	t.mu.RUnlock()
	if ok {
		entry := r.NewSearchResponseEntry("")
		for _, a := range res.attrs {
			if a.name != "distinguishedName" {
				entry.AddAttribute(a.name, a.vals)
			}
		}
		_ = w.Write(entry)
	}
	srv.done(w, r, gldap.ResultSuccess, "")
}
