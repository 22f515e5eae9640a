package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/scimd/scimd/store"
)

func testOrgs(t *testing.T, f *fixture) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	beta := store.Org{ID: newID(), Name: "Beta", Created: created}
	if err := f.s.CreateOrg(f.ctx, beta); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	got, err := f.s.OrgByName(f.ctx, "Beta")
	if err != nil {
		t.Fatalf("OrgByName: %v", err)
	}
	if got.ID != beta.ID || got.Name != "Beta" || !got.Created.Equal(created) || got.Created.Location() != time.UTC {
		t.Errorf("OrgByName = %+v; want %+v in UTC", got, beta)
	}
	if byID, err := f.s.Org(f.ctx, beta.ID); err != nil || byID.Name != "Beta" || !byID.Created.Equal(created) {
		t.Errorf("Org(id) = %+v, %v; want %+v", byID, err, beta)
	}
	if _, err := f.s.Org(f.ctx, newID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Org(unknown id) = %v; want ErrNotFound", err)
	}

	err = f.s.CreateOrg(f.ctx, store.Org{ID: newID(), Name: "Beta"})
	var ue *store.UniqueError
	if !errors.As(err, &ue) || !errors.Is(err, store.ErrConflict) || ue.Attr != "name" {
		t.Errorf("duplicate org name: %v; want a *UniqueError on name", err)
	}
	if err := f.s.CreateOrg(f.ctx, store.Org{ID: beta.ID, Name: "Gamma"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate org id: %v; want ErrConflict", err)
	}

	_, err = f.s.OrgByName(f.ctx, "beta") // names are exact
	wantErr(t, err, store.ErrNotFound, "OrgByName(beta)")

	orgs, err := f.s.Orgs(f.ctx)
	if err != nil {
		t.Fatalf("Orgs: %v", err)
	}
	var names []string
	for _, o := range orgs {
		names = append(names, o.Name)
	}
	if len(names) != 2 || names[0] != "Beta" || names[1] != "acme" {
		t.Errorf("Orgs = %v; want [Beta acme] (by name, bytewise)", names)
	}
}

func testTokens(t *testing.T, f *fixture) {
	other := f.newOrg("other")
	a := store.Token{ID: newID(), OrgID: f.org, Name: "okta", Hash: []byte{0, 1, 2, 0xff}}
	b := store.Token{ID: newID(), OrgID: other, Name: "entra", Hash: []byte("hash-b"),
		Created: time.Now().Add(time.Second)}
	for _, tok := range []store.Token{a, b} {
		if err := f.s.CreateToken(f.ctx, tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.Name, err)
		}
	}
	if err := f.s.CreateToken(f.ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token id: %v; want ErrConflict", err)
	}
	if err := f.s.CreateToken(f.ctx, store.Token{ID: newID(), OrgID: newID(), Name: "x", Hash: []byte("h")}); err == nil {
		t.Error("CreateToken for an unknown organization succeeded")
	}

	got, err := f.s.Token(f.ctx, a.ID)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if got.OrgID != f.org || got.Name != "okta" || string(got.Hash) != string(a.Hash) || got.Revoked != nil || got.Created.IsZero() {
		t.Errorf("Token = %+v; want %+v, unrevoked, with a creation time", got, a)
	}
	_, err = f.s.Token(f.ctx, newID())
	wantErr(t, err, store.ErrNotFound, "Token(unknown)")

	mine, err := f.s.Tokens(f.ctx, f.org)
	if err != nil || len(mine) != 1 || mine[0].ID != a.ID {
		t.Errorf("Tokens(org) = %v, %v; want only %s", mine, err, a.ID)
	}
	all, err := f.s.Tokens(f.ctx, "")
	if err != nil || len(all) != 2 {
		t.Errorf("Tokens(\"\") = %v, %v; want both tokens", all, err)
	}

	if err := f.s.RevokeToken(f.ctx, a.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	first, err := f.s.Token(f.ctx, a.ID)
	if err != nil || first.Revoked == nil || first.Revoked.Before(first.Created) {
		t.Fatalf("after revoke: %+v, %v; want a revocation time", first, err)
	}
	if err := f.s.RevokeToken(f.ctx, a.ID); err != nil {
		t.Fatalf("RevokeToken again: %v", err)
	}
	again, _ := f.s.Token(f.ctx, a.ID)
	if again.Revoked == nil || !again.Revoked.Equal(*first.Revoked) {
		t.Errorf("second revoke moved the revocation time: %v -> %v", first.Revoked, again.Revoked)
	}
	wantErr(t, f.s.RevokeToken(f.ctx, newID()), store.ErrNotFound, "RevokeToken(unknown)")
	if other, _ := f.s.Token(f.ctx, b.ID); other.Revoked != nil {
		t.Error("revoking one token revoked another")
	}
}
