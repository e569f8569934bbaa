"""Fixed identifiers of the seeded sandbox world.

They are fixed so snapshots, docs and tests can name them; gterm itself only
knows the native client id (see ``gterm.config``), exactly as it would know the
id of a real registered Globus app.
"""

ALICE_ID = "1655b1ec-bf0f-4333-8121-5420d7524480"
ALICE_USERNAME = "alice@example.org"
ALICE_NAME = "Alice Researcher"

BOB_ID = "fcd352cf-b385-4b16-b0a7-db6c478f0fca"
BOB_USERNAME = "bob@example.org"
BOB_NAME = "Bob Collaborator"

GTERM_NATIVE_CLIENT_ID = "e7bcd06d-9cd9-4162-a89e-11090c7008e5"
ROBOT_CLIENT_ID = "717a61ca-4b90-4793-9921-c10eccc3dd37"

LAB_STORAGE_ID = "8f3caffd-c450-42a7-b874-98ce4d4f88b2"  # mapped, no consent needed
HPC_SCRATCH_ID = "0180106e-af90-4d7e-a01a-e28a99ac9624"  # mapped, needs data_access consent
BOB_SHARED_ID = "73740856-870e-4f2f-b5eb-36638c806bae"  # guest on Lab Storage, owned by Bob, shared with Alice
ALICES_LAPTOP_ID = "3c6f4a2e-5b1d-4e7a-9f0c-8d2b6a4e1f57"  # Globus Connect Personal on Alice's laptop
# guest on Lab Storage (/home/alice/experiments/), owned by Alice: "your shared endpoint" in `gterm demo`
ALICE_SHARED_ID = "e2a9c4d1-7b3f-4f68-a0d5-19c8b6e4f2a7"

TRANSFER_RESOURCE_SERVER = "transfer.api.globus.org"
TRANSFER_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all"
AUTH_RESOURCE_SERVER = "auth.globus.org"
VIEW_IDENTITY_SET_SCOPE = "urn:globus:auth:scope:auth.globus.org:view_identity_set"
TIMER_SCOPE = "https://auth.globus.org/scopes/524230d7-ea86-4a52-8312-86065a9e0417/timer"


def data_access_scope(collection_id: str) -> str:
    return f"https://auth.globus.org/scopes/{collection_id}/data_access"


def https_scope(collection_id: str) -> str:
    """The scope a collection's HTTPS server asks for (a GCSv5 mapped or guest collection's)."""
    return f"https://auth.globus.org/scopes/{collection_id}/https"


LAB_GROUP_ID = "b6c1e0a4-5d2f-4e83-9a7c-3f1d2e4b5a60"  # Groups: Alice admin, Bob member
LAB_GROUP_NAME = "Lab Members"

GROUPS_RESOURCE_SERVER = "groups.api.globus.org"
GROUPS_ALL_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:all"
GROUPS_VIEW_SCOPE = "urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships"

# globus-cli's template native client: `globus login` makes its own confidential
# client from it (POST /v2/api/clients with template_id).
GLOBUS_CLI_TEMPLATE_CLIENT_ID = "95fdeba8-fac2-42bd-a357-e068d82ff78e"

# GCSv5 endpoints hosting the mapped collections above (an endpoint id is also its client id,
# the resource server of urn:globus:auth:scope:<ENDPOINT_ID>:manage_collections).
LAB_ENDPOINT_ID = "4296666a-e755-4071-a034-86f8827a7ebf"
HPC_ENDPOINT_ID = "539904ce-e673-4273-9810-b09d034e2b0c"
LAB_GATEWAY_ID = "742c39d7-04b9-4167-b11e-c75db16baf15"
HPC_GATEWAY_ID = "d17f3ad0-9a5a-4c70-84ec-1d98f9a7c374"


def manage_collections_scope(endpoint_id: str) -> str:
    return f"urn:globus:auth:scope:{endpoint_id}:manage_collections"
