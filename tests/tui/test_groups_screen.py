"""``g`` Groups over the live sandbox: my groups with my role, members by name, add / role / remove, create."""

from __future__ import annotations

from typing import Any

import globus_sdk
from textual.widgets import DataTable, Input

from gterm.globus.groups import GroupsService, Membership
from gterm.sandbox.seed_ids import ALICE_ID, BOB_ID, LAB_GROUP_ID, LAB_GROUP_NAME, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.group_form import GroupForm
from gterm.tui.screens.groups import GroupMembersScreen, GroupRolePicker, GroupsScreen
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from tests.support.browser_helpers import make_app, prompt_error, settled, type_text, wait_for
from tests.support.groups_helpers import delete_made_group, groups_client_for, no_group_left_behind
from tests.support.sharing_helpers import sharing_for
from tests.support.transfer_helpers import unique
from tests.support.transfer_live import service_for


def groups_for(sandbox: SandboxHandle, identity: str = "alice") -> GroupsService:
    client = groups_client_for(sandbox, identity)
    return GroupsService(lambda: client)


def groups_app(sandbox: SandboxHandle, groups: GroupsService) -> Any:
    """The app with both panes on Lab Storage, its sharing and ``groups`` services on the live sandbox."""
    return make_app(service_for(sandbox), sharing=sharing_for(sandbox), groups=groups,
                    left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")


async def test_groups_list_members_and_membership_actions(sandbox: SandboxHandle) -> None:
    name = f"Pilot group {unique('g')}"  # unique: the test deletes it by name, even when it fails
    with no_group_left_behind(sandbox) as client:
        try:
            groups = groups_for(sandbox)
            app = groups_app(sandbox, groups)
            async with app.run_test(size=(120, 40)) as pilot:
                await settled(pilot)
                await pilot.press("g")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "the groups screen")
                screen = app.screen
                assert isinstance(screen, GroupsScreen)
                await wait_for(pilot, lambda: screen.loaded, "my groups")
                assert (LAB_GROUP_NAME, "admin") in [(g.name, g.my_role) for g in screen.rows]

                # n: a new group, which then shows up with me as its admin.
                await pilot.press("n")
                await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the name prompt")
                await type_text(pilot, name)
                await pilot.press("enter")
                await wait_for(pilot, lambda: name in [g.name for g in screen.rows], "the new group")
                index = [g.name for g in screen.rows].index(name)
                group_id = screen.rows[index].id
                assert screen.rows[index].my_role == "admin"

                # Enter: its members; a adds Bob by username; r, manager, y makes him a manager (one call,
                # after a confirmation); x removes him (confirmed).
                await pilot.press("home", *["down"] * index, "enter")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupMembersScreen), "the members")
                members = app.screen
                assert isinstance(members, GroupMembersScreen) and members.group.id == group_id
                await wait_for(pilot, lambda: members.loaded, "the members")
                assert [m.role for m in members.members] == ["admin"]
                await pilot.press("a")
                await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the username prompt")
                await type_text(pilot, "bob@example.org")
                await pilot.press("enter")
                await wait_for(pilot, lambda: BOB_ID in [m.identity_id for m in members.members],
                               "Bob among the members")
                assert members.names[BOB_ID] == "Bob Collaborator"
                bob_row = [m.identity_id for m in members.members].index(BOB_ID)
                await pilot.press("home", *["down"] * bob_row, "r")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupRolePicker), "the roles")
                await pilot.press("down", "enter")  # from member to manager
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
                assert isinstance(app.screen, ConfirmPrompt) and "becomes a manager" in app.screen.message
                assert [m.role for m in members.members if m.identity_id == BOB_ID] == ["member"]  # nothing yet
                await pilot.press("y")
                await wait_for(pilot, lambda: ("manager", "active") in [(m.role, m.status) for m in members.members],
                               "Bob as a manager")
                assert members.members[members.query_one(DataTable).cursor_row].identity_id == BOB_ID  # cursor stays
                await pilot.press("x")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
                # QA: it said only that "rules for the group" stop applying: a role given to the group (its
                # administrator role on a collection, say) goes too.
                assert isinstance(app.screen, ConfirmPrompt)
                assert "access rules and roles given to the group" in app.screen.message
                await pilot.press("y")
                await wait_for(pilot, lambda: BOB_ID not in [m.identity_id for m in members.members
                                                             if m.status == "active"], "Bob removed")

                # r on my own row: demoting myself warns that I may lose managing the group; n keeps my role.
                mine = [m.identity_id for m in members.members].index(ALICE_ID)
                await pilot.press("home", *["down"] * mine, "r")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupRolePicker), "the roles")
                await pilot.press("home", "enter")  # member
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the warning")
                warning = app.screen
                assert isinstance(warning, ConfirmPrompt) and warning.danger
                assert "lose the ability to manage this group" in warning.message
                await pilot.press("n")
                await wait_for(pilot, lambda: app.screen is members, "the members again")
                assert [m.role for m in members.members if m.identity_id == ALICE_ID] == ["admin"]

                # l on the group where I am the only admin: refused, and the screen says what to do.
                await pilot.press("l")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
                await pilot.press("y")
                await wait_for(pilot, lambda: members.error is not None, "the refusal")
                assert "someone else an admin" in (members.error or "")
        finally:
            delete_made_group(client, name)


async def test_lab_group_shows_bob_by_name(sandbox: SandboxHandle, alice_tc: Any) -> None:
    app = groups_app(sandbox, groups_for(sandbox))
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        app.push_screen(GroupMembersScreen(groups_for(sandbox), globus_group(sandbox), app.sharing))
        members = app.screen
        assert isinstance(members, GroupMembersScreen)
        await wait_for(pilot, lambda: members.loaded, "the members")
        assert members.names.get(BOB_ID) == "Bob Collaborator"


def globus_group(sandbox: SandboxHandle) -> Any:
    return groups_for(sandbox).group(LAB_GROUP_ID)


async def test_a_member_not_found_brings_the_prompt_back_with_the_name(sandbox: SandboxHandle) -> None:
    """The prompt closed and only the status line said why: the name typed (one typo away) was gone."""
    groups = groups_for(sandbox)
    app = groups_app(sandbox, groups)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_lab_members(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the username prompt")
        await type_text(pilot, "bob@example.invalid")  # no such identity provider: no such user
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt) and "No Globus user" in prompt_error(app),
                       "the prompt back with the reason")
        assert app.screen.query_one("#prompt-input").value == "bob@example.invalid"


async def open_lab_members(pilot: Any) -> GroupMembersScreen:
    """``g``, then Enter on Lab Group: its members, loaded."""
    app = pilot.app
    await settled(pilot)
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "my groups")
    index = [g.id for g in app.screen.rows].index(LAB_GROUP_ID)
    await pilot.press("home", *["down"] * index, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, GroupMembersScreen) and app.screen.loaded, "members")
    members = app.screen
    assert isinstance(members, GroupMembersScreen)
    return members


async def test_a_username_that_is_not_name_at_domain_is_refused_before_auth_is_asked(sandbox: SandboxHandle) -> None:
    """i, "bob", Enter asked Auth and came back with the text selected; typing "@example.org" then replaced
    it, and Auth made an identity of "@example.org", which was invited. Now the prompt refuses a username
    that is not name@domain at once, keeping it; a prompt back with a call's error keeps the text, the
    cursor at its end, so typing adds to it."""
    app = groups_app(sandbox, groups_for(sandbox))
    async with app.run_test(size=(120, 40)) as pilot:
        members = await open_lab_members(pilot)
        before = [(m.identity_id, m.username, m.status) for m in members.members]
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the username prompt")
        prompt = app.screen
        for typed in ("bob", "@example.org"):
            box = prompt.query_one("#prompt-input", Input)
            box.value = ""
            await type_text(pilot, typed)
            await pilot.press("enter")
            await wait_for(pilot, lambda: "not a Globus username" in prompt_error(app), f"{typed!r} refused")
            assert app.screen is prompt and box.value == typed
        assert not [w for w in app.workers if w.group == "groups-change"]  # nothing was asked of Auth or Groups

        # A call's refusal brings the prompt back with the text, unselected: typing corrects it.
        box.value = ""
        await type_text(pilot, "bob@example.invalid")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt) and app.screen is not prompt
                       and "No Globus user" in prompt_error(app), "the prompt back with the reason")
        again = app.screen.query_one("#prompt-input", Input)
        assert again.selection.is_empty and again.cursor_position == len("bob@example.invalid")
        await type_text(pilot, "x")
        assert again.value == "bob@example.invalidx"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is members, "the members again")
        now = groups_for(sandbox).group(LAB_GROUP_ID).members  # nobody was invited
        assert [(m.identity_id, m.username, m.status) for m in now] == before


async def test_at_80_columns_the_members_show_their_status_and_r_on_an_invitation_says_why(
    sandbox: SandboxHandle,
) -> None:
    """At 80 columns the members' table was wider than its frame: Status was cut off, Role read "membe",
    and r on an invited person offered a role and a confirmation, then failed. Now every column fits
    (names cut with "…") and r on a member who is not active says why at once."""
    name = f"Narrow group {unique('g')}"
    with no_group_left_behind(sandbox) as client:
        try:
            group_id = client.create_group({"name": name})["id"]
            client.batch_membership_action(group_id, globus_sdk.BatchMembershipActions().invite_members([BOB_ID]))
            groups = groups_for(sandbox)
            app = groups_app(sandbox, groups)
            async with app.run_test(size=(80, 24)) as pilot:
                await settled(pilot)
                app.push_screen(GroupMembersScreen(groups, groups.group(group_id), app.sharing))
                members = app.screen
                assert isinstance(members, GroupMembersScreen)
                await wait_for(pilot, lambda: members.loaded and len(members.members) == 2, "the members")
                await pilot.pause()
                table = members.query_one(DataTable)
                assert [str(c.label) for c in table.columns.values()] == ["Name", "Username", "Role", "Status"]
                assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing off the edge
                assert not table.show_horizontal_scrollbar
                bob = [m.identity_id for m in members.members].index(BOB_ID)
                assert [str(cell) for cell in table.get_row_at(bob)][2:] == ["member", "invited"]

                await pilot.press("home", *["down"] * bob, "r")
                await pilot.pause()
                assert app.screen is members  # no roles offered
                status = str(members.query_one("#groups-status").render())
                assert "invited, not an active member" in status
        finally:
            delete_made_group(client, name)


async def test_an_admin_renames_a_group_and_deletes_it_and_only_an_admin_may(sandbox: SandboxHandle) -> None:
    """No key or palette command renamed a group, set its description or deleted it (and its last admin
    cannot leave). Now e edits both in a form that says a refusal with the text kept, and d deletes the
    group after a danger confirmation naming it and its members; both only for its admins."""
    name, renamed = f"Editable group {unique('g')}", f"Renamed group {unique('g')}"
    bob_client = groups_client_for(sandbox, "bob")
    with no_group_left_behind(sandbox) as client:
        try:
            group_id = client.create_group({"name": name})["id"]
            client.batch_membership_action(
                group_id, globus_sdk.BatchMembershipActions().add_members([BOB_ID], role="admin"))
            app = groups_app(sandbox, groups_for(sandbox))
            async with app.run_test(size=(120, 40)) as pilot:
                await settled(pilot)
                await pilot.press("g")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "groups")
                screen = app.screen
                assert isinstance(screen, GroupsScreen)

                async def to_group(group_name: str) -> None:
                    index = [g.name for g in screen.rows].index(group_name)
                    await pilot.press("home", *["down"] * index)

                # e: the form, filled in; Enter saves, and the list shows the group as saved.
                await to_group(name)
                await pilot.press("e")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupForm), "the group form")
                form = app.screen
                assert isinstance(form, GroupForm)
                assert form.query_one("#group-name", Input).value == name
                form.query_one("#group-name", Input).value = ""
                await type_text(pilot, renamed)
                await pilot.press("tab")
                await type_text(pilot, "Raw data of the lab")
                await pilot.press("enter")
                await wait_for(pilot, lambda: (renamed, "Raw data of the lab") in
                               [(g.name, g.description) for g in screen.rows], "the group renamed")
                assert (client.get_group(group_id)["name"], client.get_group(group_id)["description"]) == (
                    renamed, "Raw data of the lab")

                # Groups refuses (Bob took my admin role meanwhile): said in the form, the text kept.
                await to_group(renamed)
                await pilot.press("e")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupForm), "the group form")
                form = app.screen
                bob_client.batch_membership_action(
                    group_id, globus_sdk.BatchMembershipActions().change_roles("member", [ALICE_ID]))
                await type_text(pilot, " v2")
                await pilot.press("enter")
                await wait_for(pilot, lambda: "Not saved" in str(form.query_one("#group-error").render()),
                               "the refusal in the form")
                assert app.screen is form and form.query_one("#group-name", Input).value == f"{renamed} v2"
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen is screen, "the groups again")

                # d as a member no more: refused at once, no question asked.
                await pilot.press("d")
                await wait_for(pilot, lambda: "Only an admin" in str(screen.query_one("#groups-status").render()),
                               "the refusal")
                assert app.screen is screen and "you are a member" in str(screen.query_one("#groups-status").render())

                # An admin again: d in its members asks, naming the group and its members; yes deletes it.
                bob_client.batch_membership_action(
                    group_id, globus_sdk.BatchMembershipActions().change_roles("admin", [ALICE_ID]))
                await pilot.press("ctrl+r")
                await wait_for(pilot, lambda: [g.my_role for g in screen.rows if g.id == group_id] == ["admin"],
                               "my admin role again")
                await to_group(renamed)
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, GroupMembersScreen) and app.screen.loaded,
                               "the members")
                await pilot.press("d")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
                confirm = app.screen
                assert isinstance(confirm, ConfirmPrompt) and confirm.danger
                assert renamed in confirm.message and "2 members" in confirm.message
                await pilot.press("y")
                await wait_for(pilot, lambda: app.screen is screen and group_id not in [g.id for g in screen.rows],
                               "the group gone from the list")
                assert group_id not in {g["id"] for g in client.get_my_groups()}
        finally:
            delete_made_group(client, name)
            delete_made_group(client, renamed)


def test_the_member_count_counts_active_members_and_says_the_rest_apart() -> None:
    """"3 members." for two members and one invitation: an invited person is no member yet."""
    from gterm.tui.screens.groups import member_count

    people = [Membership(ALICE_ID, "alice", "admin", "active"), Membership(BOB_ID, "bob", "member", "active"),
              Membership("c", "carol", "member", "invited")]
    assert member_count(people) == "2 members, 1 invited"
    assert member_count(people[:1]) == "1 member"


async def test_a_refused_add_is_not_still_said_once_its_prompt_is_closed(sandbox: SandboxHandle) -> None:
    """a, Bob (already an active member), Enter: the prompt came back with why, and once it was closed the
    same refusal stayed in the members' status line, as if about what came next. Now the count is back."""
    app = groups_app(sandbox, groups_for(sandbox))
    async with app.run_test(size=(120, 40)) as pilot:
        members = await open_lab_members(pilot)
        summary = str(members.query_one("#groups-status").render())
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the username prompt")
        await type_text(pilot, "bob@example.org")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt) and bool(prompt_error(app)),
                       "the prompt back with the refusal")
        refusal = prompt_error(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is members, "the members again")
        await settled(pilot)
        status = str(members.query_one("#groups-status").render())
        assert status == summary and refusal not in status, (status, refusal)
