package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"strings"

	"github.com/scimd/scimd/scim/schema"
	"github.com/scimd/scimd/scim/scimerr"
	"github.com/scimd/scimd/store"
)

// bulkTarget is the resource or collection an operation addresses.
type bulkTarget struct {
	kind     store.Kind
	endpoint string // "/Users" or "/Groups"
	id       string // "" for the collection
	query    string // the path's query string, if any
}

func (t bulkTarget) path() string {
	if t.id == "" {
		return t.endpoint
	}
	return t.endpoint + "/" + t.id
}

// subResult is what a sub-request answered.
type subResult struct {
	status   int
	etag     string
	location string
	id       string
	body     *errorBody // the §3.12 error body of a failure
}

func (r subResult) failed() bool { return r.status >= http.StatusBadRequest }

// resolveTarget reads an operation's path (RFC 7644 §3.7: "/Users" for a
// POST, "/Users/{id}" otherwise), after replacing "bulkId:<id>" segments
// (§3.7.2). The endpoint is matched case-insensitively, a leading base
// path and a trailing slash are tolerated.
func (b *bulkRun) resolveTarget(raw string) (bulkTarget, error) {
	var t bulkTarget
	p, q, _ := strings.Cut(strings.TrimSpace(raw), "?")
	t.query = q
	base := strings.ToLower(b.s.cfg.BasePath) + "/"
	if strings.HasPrefix(strings.ToLower(p), base) {
		p = p[len(base):]
	}
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, seg := range segs {
		if ref, ok := wholeRef(seg); ok {
			if op := b.byID[ref]; op != nil && op.id != "" {
				segs[i] = op.id
			}
		}
	}
	switch {
	case strings.EqualFold(segs[0], "Users"):
		t.kind, t.endpoint = store.KindUser, "/Users"
	case strings.EqualFold(segs[0], "Groups"):
		t.kind, t.endpoint = store.KindGroup, "/Groups"
	}
	if t.endpoint == "" || len(segs) > 2 {
		return t, scimerr.New(http.StatusNotFound, "",
			"no resource at %q: bulk operations address /Users, /Users/{id}, /Groups and /Groups/{id}", raw)
	}
	if len(segs) == 2 {
		id, err := url.PathUnescape(segs[1])
		if err != nil || id == "" {
			return t, scimerr.BadRequest(scimerr.InvalidValue, "the path %q has an invalid resource id", raw)
		}
		t.id = id
	}
	return t, nil
}

// handler returns the resource handler of a kind, made once per job.
func (b *bulkRun) handler(ctx context.Context, kind store.Kind) (*resourceHandler, error) {
	if h := b.types[kind]; h != nil {
		return h, nil
	}
	h, err := b.s.resourceHandler(ctx, b.p.OrgID, kind)
	if err != nil {
		return nil, err
	}
	b.types[kind] = h
	return h, nil
}

// exec serves one operation as a sub-request through the resource
// handler method the standalone endpoint uses, with the bulk request's
// principal; its error goes through the one error writer. data is sent as
// the JSON body (when hasData), capped at MaxBodyBytes like any request
// body, and ifMatch as If-Match (RFC 7644 §3.7: "version").
func (b *bulkRun) exec(ctx context.Context, method string, t bulkTarget, data any, hasData bool, ifMatch string) subResult {
	h, err := b.handler(ctx, t.kind)
	if err != nil {
		return b.errorResult(err)
	}
	var fn resourceFunc
	switch {
	case t.id == "" && method == http.MethodPost:
		fn = (*resourceHandler).create
	case t.id != "" && method == http.MethodPut:
		fn = (*resourceHandler).replace
	case t.id != "" && method == http.MethodPatch:
		fn = (*resourceHandler).patch
	case t.id != "" && method == http.MethodDelete:
		fn = (*resourceHandler).delete
	default:
		return b.errorResult(scimerr.New(http.StatusMethodNotAllowed, "", "method %s is not allowed on %s", method, t.path()))
	}
	body := []byte(nil)
	if hasData && method != http.MethodDelete {
		if body, err = json.Marshal(data); err != nil {
			return b.errorResult(fmt.Errorf("encoding bulk operation data: %w", err))
		}
	}
	if t.query == "" && (method == http.MethodPost || method == http.MethodPut) {
		// The result omits the resource (RFC 7644 §3.7), so the handler
		// need not load what it would render: a user's groups, a group's
		// members. The status of a POST or PUT does not depend on it.
		t.query = "excludedAttributes=groups,members"
	}
	rec := newBulkRecorder()
	req := b.subRequest(ctx, rec, method, t, body, ifMatch)
	if err := b.call(fn, h, rec, req); err != nil {
		b.s.writeError(rec, req, err)
	}
	res := rec.result()
	if t.id == "" {
		if res.status == http.StatusCreated {
			res.id = path.Base(res.location)
		}
	} else {
		res.id = t.id
		res.location = b.s.baseURL(b.r) + t.path()
	}
	return res
}

// subRequest builds the request an operation would have been on its own:
// same host, scheme and context (request id, logger) as the /Bulk request.
func (b *bulkRun) subRequest(ctx context.Context, w http.ResponseWriter, method string, t bulkTarget, body []byte, ifMatch string) *http.Request {
	req := (&http.Request{
		Method:     method,
		URL:        &url.URL{Path: b.s.cfg.BasePath + t.path(), RawQuery: t.query},
		Proto:      b.r.Proto,
		ProtoMajor: b.r.ProtoMajor,
		ProtoMinor: b.r.ProtoMinor,
		Header:     http.Header{},
		Body:       http.MaxBytesReader(w, io.NopCloser(bytes.NewReader(body)), b.s.cfg.MaxBodyBytes),
		Host:       b.r.Host,
		RemoteAddr: b.r.RemoteAddr,
		RequestURI: b.s.cfg.BasePath + t.path(),
		TLS:        b.r.TLS,
	}).WithContext(ctx)
	req.ContentLength = int64(len(body))
	if len(body) > 0 {
		req.Header.Set("Content-Type", ContentType)
	}
	if v := b.r.Header.Get("X-Forwarded-Proto"); v != "" {
		req.Header.Set("X-Forwarded-Proto", v)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	if t.id != "" {
		req.SetPathValue("id", t.id)
	}
	return req
}

// call runs a handler method; a panic fails only this operation (as
// route() does for a request), and is logged as a 500 with its stack.
func (b *bulkRun) call(fn resourceFunc, h *resourceHandler, w http.ResponseWriter, r *http.Request) (err error) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err = fmt.Errorf("panic in bulk operation: %v\n%s", v, debug.Stack())
		}
	}()
	return fn(h, w, r, b.p)
}

// bulkRecorder is the in-memory http.ResponseWriter of a sub-request. It
// keeps the body of an error only: a successful operation's result is
// its status, ETag and location (RFC 7644 §3.7 lets the body be omitted).
type bulkRecorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBulkRecorder() *bulkRecorder { return &bulkRecorder{header: http.Header{}} }

func (w *bulkRecorder) Header() http.Header { return w.header }

func (w *bulkRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bulkRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= http.StatusBadRequest {
		return w.body.Write(p)
	}
	return len(p), nil
}

func (w *bulkRecorder) result() subResult {
	res := subResult{status: w.status, etag: w.header.Get("ETag"), location: w.header.Get("Location")}
	if res.status == 0 {
		res.status = http.StatusOK
	}
	if res.failed() {
		var eb errorBody
		if err := json.Unmarshal(w.body.Bytes(), &eb); err != nil || eb.Status == "" {
			eb = errorBody{Schemas: []string{schema.ErrorURN}, Status: itoa(res.status), Detail: http.StatusText(res.status)}
		}
		res.body = &eb
	}
	return res
}
