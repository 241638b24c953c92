"""The client of the route server's admin endpoint: read and replace an app's table.

The HTTP transport is injected (tests pass none and talk over a real socket). The admin
token travels only in the ``Authorization`` header and is never part of an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from reconciler.xmode.errors import ServerError, TableError, VersionConflict
from reconciler.xmode.server import TABLE_PATH
from reconciler.xmode.table import Table

TIMEOUT = 10.0


@dataclass(frozen=True)
class Served:
    """An app's table as the server serves it."""

    version: int
    checksum: str
    table: Table


class AdminClient:
    """One app's admin connection; ``async with`` closes it."""

    def __init__(
        self,
        url: str,
        app: str,
        token: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.url = url.rstrip("/")
        self.app = app
        self._client = httpx.AsyncClient(
            base_url=self.url,
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
        )
        self._path = TABLE_PATH.format(app=app)

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    async def read(self) -> Served:
        """The served table; its checksum is checked against its content."""
        data = await self._request("GET", None)
        try:
            version = data["version"]
            table = Table.from_json(data["table"])
        except (KeyError, TypeError, TableError) as exc:
            raise ServerError(
                f"app {self.app!r}: the route server at {self.url} answered something that is "
                f"not a served table ({exc})"
            ) from None
        if not isinstance(version, int) or table.checksum() != data.get("checksum"):
            raise ServerError(
                f"app {self.app!r}: the table the route server at {self.url} sent does not match "
                "its checksum"
            )
        return Served(version, table.checksum(), table)

    async def replace(self, version: int, table: Table) -> Served:
        """Serve ``table`` if version ``version`` is still served (else VersionConflict)."""
        body = {"version": version, "checksum": table.checksum(), "table": table.to_json()}
        data = await self._request("PUT", body)
        new = data.get("version")
        if not isinstance(new, int) or data.get("checksum") != table.checksum():
            raise ServerError(
                f"app {self.app!r}: the route server did not confirm the new table; read it "
                "again with privcall xmode plan"
            )
        return Served(new, table.checksum(), table)

    async def _request(self, method: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            response = await self._client.request(method, self._path, json=body)
        except httpx.HTTPError as exc:
            raise ServerError(
                f"app {self.app!r}: cannot reach the route server at {self.url} "
                f"({type(exc).__name__}); is privcall xmode serve running there?"
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        error = data.get("error") if isinstance(data, dict) else None
        if response.status_code == 409:
            raise VersionConflict(
                f"app {self.app!r}: the served table changed since it was read (now version "
                f"{data.get('version') if isinstance(data, dict) else '?'}); nothing was "
                "replaced: run plan again"
            )
        if response.status_code == 401:
            raise ServerError(
                f"app {self.app!r}: the route server at {self.url} refused the admin token; "
                "check the variable named by xmode.token_env"
            )
        if response.status_code != 200 or not isinstance(data, dict):
            raise ServerError(
                f"app {self.app!r}: the route server at {self.url} answered HTTP "
                f"{response.status_code}" + (f": {error}" if error else "")
            )
        return data
