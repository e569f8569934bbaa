"""CollectionRoles over the live sandbox: the API for each kind, and refusals said in words."""

from __future__ import annotations

import pytest

from gterm.globus.collection_roles import RolesPlace
from gterm.globus.errors import PermissionDenied
from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, BOB_ID, BOB_SHARED_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sharing_helpers import sharing_for


def test_each_kind_names_its_api_and_my_roles(sandbox: SandboxHandle) -> None:
    alice = sharing_for(sandbox, "alice")
    lab = alice.roles.place(LAB_STORAGE_ID)
    assert (lab.api, lab.is_guest, lab.may_change) == ("gcs", False, True)
    assert lab.endpoint_id and lab.manager_url and "access_manager" not in lab.roles_offered
    laptop = alice.roles.place(ALICES_LAPTOP_ID)
    assert (laptop.api, laptop.may_change, laptop.endpoint_id) == ("transfer", True, None)
    bobs = alice.roles.place(BOB_SHARED_ID)
    assert bobs.is_guest and not bobs.may_change and "restricted_administrator" in bobs.my_roles


def test_a_refused_change_says_only_administrators_may(sandbox: SandboxHandle) -> None:
    alice = sharing_for(sandbox, "alice")
    place = alice.roles.place(BOB_SHARED_ID)  # the service asks even so: the GCS Manager refuses
    with pytest.raises(PermissionDenied, match=r"Only an administrator of this collection may change its roles"):
        alice.roles.add(place, "identity", BOB_ID, "access_manager")
    bob = sharing_for(sandbox, "bob")
    laptop = RolesPlace(ALICES_LAPTOP_ID, "transfer", is_guest=False, my_roles=())  # he cannot even read it
    with pytest.raises(PermissionDenied, match=r"may see all of its roles \(your roles here: none\)"):
        bob.roles.roles(laptop)
