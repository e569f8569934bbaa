"""Signing out: revoke every stored token at Globus Auth, then remove them all from the store."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gterm.globus.error_mapping import untrusted_certificate
from gterm.globus.errors import KeyringUnavailable
from gterm.lazy_modules import LazyModule
from gterm.wording import plural

if TYPE_CHECKING:
    import globus_sdk

    from gterm.globus.tokens import GtermTokenStorage
else:
    globus_sdk = LazyModule("globus_sdk")  # loaded by the session's login client already

log = logging.getLogger(__name__)


@dataclass
class LogoutReport:
    revoked: list[str] = field(default_factory=list)  # resource servers whose tokens Auth revoked
    removed: list[str] = field(default_factory=list)  # resource servers whose stored tokens were removed
    problems: list[str] = field(default_factory=list)  # what could not be revoked, said plainly
    store: str = ""
    not_removed: str = ""  # why the store kept its entries (a locked keyring refused their removal), if it did

    @property
    def complete(self) -> bool:
        """Whether the store's entries are gone (what Auth could not revoke is said in ``problems``)."""
        return not self.not_removed

    def lines(self) -> list[str]:
        if not self.removed and not self.revoked and not self.problems and self.complete:
            return [f"Nothing to do: no stored tokens in {self.store}."]
        out = []
        if self.revoked:
            out.append(f"Revoked tokens at Globus Auth for: {', '.join(self.revoked)}.")
        out.extend(self.problems)
        if self.complete:
            out.append(f"Removed {plural(len(self.removed), 'token entry', 'token entries')} from {self.store}.")
        else:
            out.append(f"Could not remove the tokens ({self.not_removed}): {self.store} keeps the entries it "
                       "held. Unlock it and run `gterm logout` again.")
        return out


def revoke_and_remove(
    storage: GtermTokenStorage, login_client: globus_sdk.AuthLoginClient, store: str
) -> LogoutReport:
    """Revoke each stored refresh and access token with ``login_client``, then empty ``storage``.

    A token Auth cannot revoke is still removed locally, and said so; after one
    network failure Auth is not waited on again for the other tokens. A keyring that
    refuses the removal (locked) is said in the report (``not_removed``), after what Auth revoked.
    """
    report = LogoutReport(store=store)
    unrevoked: list[str] = []  # said once the removal is known: "removed locally anyway" only if it was
    stored = storage.get_token_data_by_resource_server()
    unreachable = ""  # why Auth could not be asked, once a connection failed: it is not asked again
    for resource_server, data in sorted(stored.items()):
        failures = 0
        for token in (data.refresh_token, data.access_token):
            if not token:
                continue
            if unreachable:
                failures += 1
                continue
            try:
                login_client.oauth2_revoke_token(token)
            except globus_sdk.NetworkError as exc:
                # A certificate refused is no outage: said as such, as every other command says it.
                verified = untrusted_certificate(exc) is None
                unreachable = "unreachable" if verified else "its certificate could not be verified"
                failures += 1
            except globus_sdk.GlobusAPIError as exc:
                failures += 1
                log.debug("revoke failed for %s: HTTP %s", resource_server, exc.http_status)
        if failures:
            unrevoked.append(
                f"Could not revoke the tokens for {resource_server} at Globus Auth"
                f"{f' ({unreachable})' if unreachable else ''}"
            )
        else:
            report.revoked.append(resource_server)
    try:
        report.removed = storage.remove_all()
    except KeyringUnavailable as refused:  # locked: what Auth revoked above is said all the same
        report.not_removed = refused.reason or "refused"
        # The refusing keyring's store keeps the tokens in memory too (KeyringTokenStorage.remove_all). Those Auth
        # revoked are dead, never to be written there (the session's close writes what is kept); those it did not
        # revoke stay, newer than the keyring's, so the `gterm logout` the report asks for revokes them.
        from gterm.globus.tokens import keyring_store  # loaded with the store already

        if (kept := keyring_store(storage)) is not None:
            kept.discard_unsaved(report.revoked)
    ending = "; they were removed locally anyway." if report.complete else "."
    report.problems = [f"{problem}{ending}" for problem in unrevoked]
    return report
