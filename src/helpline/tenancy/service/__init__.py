"""Workspaces, members, teams, invitations. Import as `from helpline.tenancy import service as tenancy`."""

from helpline.tenancy.service.invitations import accept, find_usable, invite, list_pending, revoke
from helpline.tenancy.service.members import (
    add_member,
    change_availability,
    list_members,
    remove_member,
    set_availability,
    update_member,
)
from helpline.tenancy.service.provisioning import Provisioned, provision_workspace, sign_up
from helpline.tenancy.service.teams import (
    add_team_member,
    create_team,
    delete_team,
    list_teams,
    remove_team_member,
    team_member_ids,
    teams_of_member,
    update_team,
)
from helpline.tenancy.service.workspaces import (
    InvalidDomain,
    create_workspace,
    discover,
    get_workspace,
    list_domains,
    list_workspaces,
    normalize_domain,
    set_status,
    slugify,
    update_workspace,
)

__all__ = [
    "InvalidDomain",
    "Provisioned",
    "accept",
    "add_member",
    "add_team_member",
    "change_availability",
    "create_team",
    "create_workspace",
    "delete_team",
    "discover",
    "find_usable",
    "get_workspace",
    "invite",
    "list_domains",
    "list_members",
    "list_pending",
    "list_teams",
    "list_workspaces",
    "normalize_domain",
    "provision_workspace",
    "remove_member",
    "remove_team_member",
    "revoke",
    "set_availability",
    "set_status",
    "sign_up",
    "slugify",
    "team_member_ids",
    "teams_of_member",
    "update_member",
    "update_team",
    "update_workspace",
]
