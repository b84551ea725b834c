"""Members of a workspace: roles, capacity, availability, removal.

Role rules: owners and admins manage members, but only an owner may make, change or remove
an owner, and a workspace always keeps at least one owner.
"""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import service as audit
from helpline.auth import service as auth
from helpline.auth.models import User
from helpline.auth.principals import MemberPrincipal, Principal, WorkspacePrincipal
from helpline.core.errors import Conflict, PermissionDenied
from helpline.realtime.publish import publish_on_commit
from helpline.tenancy.events import EVERY_MEMBER, AvailabilityChanged
from helpline.tenancy.models import Availability, Membership, Role, Workspace
from helpline.tenancy.repository import MembershipRepository, WorkspaceLookup

LAST_OWNER = "A workspace must keep at least one owner: make someone else owner first."


async def add_member(
    session: AsyncSession, actor: Principal | None, workspace: Workspace, user: User, role: Role
) -> Membership:
    members = MembershipRepository(session, workspace_id=workspace.id)
    if await members.get_for_user(user.id) is not None:
        raise Conflict(f"{user.email} is already a member of this workspace.")
    membership = Membership(workspace_id=workspace.id, user_id=user.id, role=role)
    session.add(membership)
    await session.flush()
    audit.record(
        session,
        actor,
        workspace_id=workspace.id,
        action="member.added",
        target_type="member",
        target_id=membership.id,
        data={"email": user.email, "role": role.value},
    )
    return membership


async def list_members(
    session: AsyncSession, principal: WorkspacePrincipal
) -> Sequence[tuple[Membership, User]]:
    members = MembershipRepository(session, workspace_id=principal.workspace_id)
    rows = await session.execute(members.with_users().order_by(User.name, Membership.id))
    return [(row[0], row[1]) for row in rows.all()]


def _check_may_manage(actor: WorkspacePrincipal, target_role: Role, new_role: Role | None) -> None:
    touches_owner = target_role == Role.owner or new_role == Role.owner
    actor_is_owner = isinstance(actor, MemberPrincipal) and actor.role == Role.owner
    if touches_owner and not actor_is_owner:
        raise PermissionDenied(
            "Only an owner can grant the owner role, or change or remove an owner."
        )


async def update_member(
    session: AsyncSession,
    actor: WorkspacePrincipal,
    membership: Membership,
    *,
    role: Role | None = None,
    capacity: int | None = None,
) -> Membership:
    members = MembershipRepository(session, workspace_id=membership.workspace_id)
    # Checked for any change, capacity included: only owners touch owners.
    _check_may_manage(actor, membership.role, role)
    if role is not None and role != membership.role:
        if membership.role == Role.owner and await members.count_owners() <= 1:
            raise Conflict(LAST_OWNER)
        audit.record(
            session,
            actor,
            workspace_id=membership.workspace_id,
            action="member.role_changed",
            target_type="member",
            target_id=membership.id,
            data={"from": membership.role.value, "to": role.value},
        )
        membership.role = role
    if capacity is not None and capacity != membership.capacity:
        # Capacity is read by automatic assignment: change it under the routing lock, taken
        # before the member's row (the lock order of docs/assignment.md).
        await WorkspaceLookup(session).lock_for_routing(membership.workspace_id)
        audit.record(
            session,
            actor,
            workspace_id=membership.workspace_id,
            action="member.capacity_changed",
            target_type="member",
            target_id=membership.id,
            data={"from": membership.capacity, "to": capacity},
        )
        membership.capacity = capacity
    await session.flush()
    return membership


async def remove_member(
    session: AsyncSession, actor: WorkspacePrincipal, membership: Membership, user: User
) -> None:
    """Remove the member and end their sessions in this workspace at once."""
    _check_may_manage(actor, membership.role, None)
    members = MembershipRepository(session, workspace_id=membership.workspace_id)
    if membership.role == Role.owner and await members.count_owners() <= 1:
        raise Conflict(LAST_OWNER)
    await auth.revoke_member_sessions(session, user.id, membership.workspace_id)
    await session.delete(membership)
    audit.record(
        session,
        actor,
        workspace_id=membership.workspace_id,
        action="member.removed",
        target_type="member",
        target_id=membership.id,
        data={"email": user.email, "role": membership.role.value},
    )


async def set_availability(
    session: AsyncSession, actor: MemberPrincipal, availability: Availability
) -> Membership:
    """A member sets their own availability (assignment reads it). The caller then lets
    assignment react: conversations.availability_changed (tenancy does not import it)."""
    membership = await change_availability(
        session, actor.workspace_id, actor.membership_id, availability
    )
    if membership is None:
        raise Conflict("You are no longer a member of this workspace.")
    return membership


async def change_availability(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    membership_id: uuid.UUID,
    availability: Availability,
) -> Membership | None:
    """Set a member's availability, for them or for the system (the presence watchdog);
    None if they are no longer a member. Taken under the workspace's routing lock, then the
    member's row, in the lock order of docs/assignment.md."""
    await WorkspaceLookup(session).lock_for_routing(workspace_id)
    membership = await MembershipRepository(session, workspace_id=workspace_id).lock(membership_id)
    if membership is None:
        return None
    if membership.availability != availability:
        membership.availability = availability
        frame = AvailabilityChanged(member_id=membership.id, availability=availability)
        publish_on_commit(session, workspace_id, [EVERY_MEMBER], frame.encode())
    await session.flush()
    return membership
