package directory

import (
	"fmt"

	"github.com/scimd/scimd/store"
)

// Action is something an admin asks to do in the console or the admin API.
// Every route checks one with Permit, so the console and the API cannot
// disagree on who may do what.
type Action string

// The actions and the least role that may take each (issue 6: owners do
// everything; user admins manage users and teams, import and export, and
// run and approve syncs; auditors read everything and change nothing).
const (
	ActRead          Action = "read"          // every read, the audit trail included
	ActManageUsers   Action = "manage_users"  // activate, deactivate, archive, restore users
	ActManageTeams   Action = "manage_teams"  // create, rename, archive teams; members
	ActImport        Action = "import"        // CSV import (dry run and apply)
	ActExport        Action = "export"        // CSV / JSON export
	ActRunSync       Action = "run_sync"      // run now, dry run
	ActApproveSync   Action = "approve_sync"  // approve or reject held runs
	ActPurge         Action = "purge"         // erase archived users' personal data
	ActManageTokens  Action = "manage_tokens" // SCIM and admin API tokens
	ActManageHooks   Action = "manage_webhooks"
	ActManagePolicy  Action = "manage_policy"  // organization settings and policies
	ActManageAdmins  Action = "manage_admins"  // admin accounts and roles
	ActManageSources Action = "manage_sources" // sync source configuration
)

// leastRole is the permission matrix.
func leastRole(a Action) store.AdminRole {
	switch a {
	case ActRead:
		return store.RoleAuditor
	case ActManageUsers, ActManageTeams, ActImport, ActExport, ActRunSync, ActApproveSync:
		return store.RoleUserAdmin
	case ActPurge, ActManageTokens, ActManageHooks, ActManagePolicy, ActManageAdmins, ActManageSources:
		return store.RoleOwner
	}
	return "" // unknown actions are nobody's
}

// Permit reports whether p may take action a: nil, or an *AdminError with
// Forbidden set whose text says which role it takes.
func Permit(p AdminPrincipal, a Action) error {
	least := leastRole(a)
	if least.Rank() == 0 || !p.Can(least) {
		return &AdminError{Forbidden: true, Msg: fmt.Sprintf("your role (%s) does not allow this (%s needs %s)",
			roleName(p.Role), a, roleName(least))}
	}
	return nil
}

func roleName(r store.AdminRole) string {
	switch r {
	case store.RoleOwner:
		return "owner"
	case store.RoleUserAdmin:
		return "user admin"
	case store.RoleAuditor:
		return "auditor"
	}
	return "none"
}
