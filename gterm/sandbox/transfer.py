"""Transfer v0.10 routes of the sandbox: the one list app.py mounts.

The routes live in small modules: ``transfer_endpoints`` (collection documents,
search), ``transfer_gcp`` (update, guest collections, servers, delete),
``transfer_roles``, ``transfer_files`` (ls, stat, mkdir, rename),
``transfer_acl`` (access rules), ``transfer_bookmarks``, ``endpoint_manager``
(the management API); task routes (submit, task_list, events, ...) come from
``task_routes``. Shapes follow
production Transfer and the SDK's recorded fixtures (tests/sandbox/test_fixture_parity.py).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gterm.sandbox import endpoint_manager, task_routes
from gterm.sandbox.endpoint_manager import my_effective_pause_rule_list
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_acl import (
    add_acl_rule,
    delete_acl_rule,
    endpoint_acl_list,
    get_acl_rule,
    update_acl_rule,
)
from gterm.sandbox.transfer_bookmarks import (
    bookmark_list,
    create_bookmark,
    delete_bookmark,
    get_bookmark,
    update_bookmark,
)
from gterm.sandbox.transfer_endpoints import endpoint_search, get_endpoint
from gterm.sandbox.transfer_files import operation_ls, operation_mkdir, operation_rename, operation_stat
from gterm.sandbox.transfer_gcp import (
    create_shared_endpoint,
    delete_endpoint,
    get_server,
    my_shared_endpoint_list,
    server_list,
    shared_endpoint_list,
    update_endpoint,
)
from gterm.sandbox.transfer_http import RouteSpec, mount
from gterm.sandbox.transfer_roles import add_role, delete_role, get_role, role_list


def routes(state: SandboxState) -> list[BaseRoute]:
    """All /v0.10 routes: collections, files, ACLs, bookmarks, then the task routes."""
    E = "/endpoint/{endpoint_id}"  # noqa: N806 - short, so the route table reads as one
    table: list[RouteSpec] = [
        ("/endpoint_search", "GET", endpoint_search, False),
        (E, "GET", get_endpoint, False),
        (E, "PUT", update_endpoint, True),
        (E, "DELETE", delete_endpoint, False),
        ("/shared_endpoint", "POST", create_shared_endpoint, True),
        (E + "/my_shared_endpoint_list", "GET", my_shared_endpoint_list, False),
        (E + "/shared_endpoint_list", "GET", shared_endpoint_list, False),
        (E + "/my_effective_pause_rule_list", "GET", my_effective_pause_rule_list, False),
        (E + "/server_list", "GET", server_list, False),
        (E + "/server/{server_id}", "GET", get_server, False),
        (E + "/role_list", "GET", role_list, False),
        (E + "/role", "POST", add_role, True),
        (E + "/role/{role_id}", "GET", get_role, False),
        (E + "/role/{role_id}", "DELETE", delete_role, False),
        (E + "/access_list", "GET", endpoint_acl_list, False),
        (E + "/access", "POST", add_acl_rule, True),
        (E + "/access/{rule_id}", "GET", get_acl_rule, False),
        (E + "/access/{rule_id}", "PUT", update_acl_rule, True),
        (E + "/access/{rule_id}", "DELETE", delete_acl_rule, False),
        ("/operation/endpoint/{endpoint_id}/ls", "GET", operation_ls, False),
        ("/operation/endpoint/{endpoint_id}/stat", "GET", operation_stat, False),
        ("/operation/endpoint/{endpoint_id}/mkdir", "POST", operation_mkdir, True),
        ("/operation/endpoint/{endpoint_id}/rename", "POST", operation_rename, True),
        ("/bookmark_list", "GET", bookmark_list, False),
        ("/bookmark", "POST", create_bookmark, True),
        ("/bookmark/{bookmark_id}", "GET", get_bookmark, False),
        ("/bookmark/{bookmark_id}", "PUT", update_bookmark, True),
        ("/bookmark/{bookmark_id}", "DELETE", delete_bookmark, False),
    ]
    return mount(state, table + endpoint_manager.ROUTES) + task_routes.routes(state)
