"""A fake Azure AD + Power BI REST server over HTTPS on loopback, for tests.

It serves what the refresh client uses:

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (msal's OIDC discovery)
* ``POST /{tenant}/oauth2/v2.0/token`` (client credentials grant)
* ``POST /v1.0/myorg/groups/{ws}/datasets/{ds}/refreshes`` (trigger)
* ``GET  .../refreshes/{requestId}`` (enhanced refresh execution details)
* ``GET  .../refreshes?$top=N`` (refresh history)

Every request is recorded. Tests script the behaviour through the refreshes the
server knows (each with the list of statuses that successive reads observe),
queued replies that take precedence over the default behaviour, and token
rejection switches.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TENANT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
CLIENT_SECRET = "s3cr3t-Value~that-must-never-leak"
WORKSPACE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
DATASET_ID = "ffffffff-0000-1111-2222-333333333333"
SCOPE = "https://analysis.windows.net/powerbi/api/.default"
API_PATH = "/v1.0/myorg"
REFRESHES_PATH = f"{API_PATH}/groups/{WORKSPACE_ID}/datasets/{DATASET_ID}/refreshes"

PENDING = {"Unknown", "NotStarted", "InProgress"}


@dataclass
class Reply:
    """A scripted reply; ``drop`` closes the connection without answering."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Recorded:
    kind: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    # When the request arrived (time.monotonic), so tests can check the waits between calls.
    at: float = field(default_factory=time.monotonic)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class FakeRefresh:
    """A refresh known to the server; read ``i`` observes ``statuses[i]`` (last sticks)."""

    request_id: str
    statuses: list[str]
    enhanced: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    observed: int = 0

    @property
    def current(self) -> str:
        return self.statuses[min(self.observed, len(self.statuses) - 1)]

    def observe(self) -> str:
        status = self.current
        self.observed += 1
        return status


class FakePowerBI:
    def __init__(self, server_cert: Any) -> None:
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.queues: dict[str, deque[Reply]] = {}
        self.refreshes: list[FakeRefresh] = []  # newest first
        # How the refresh created by the next accepted trigger behaves.
        self.next_refresh: dict[str, Any] = {"statuses": ["InProgress", "Completed"]}
        self.location_header = True
        self.conflict = Reply(
            409,
            {"error": {"code": "Conflict", "message": "A refresh is already in progress"}},
        )
        self.tokens_issued: list[str] = []
        self.rejected_tokens: set[str] = set()
        self.reject_all_tokens = False

        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_cert.configure_cert(context)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        host, port = self._server.server_address[:2]
        self.base_url = f"https://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ scripting

    @property
    def api_url(self) -> str:
        return f"{self.base_url}{API_PATH}"

    def env(self) -> dict[str, str]:
        return {
            "POWERBI_TENANT_ID": TENANT_ID,
            "POWERBI_CLIENT_ID": CLIENT_ID,
            "POWERBI_CLIENT_SECRET": CLIENT_SECRET,
            "POWERBI_WORKSPACE_ID": WORKSPACE_ID,
            "POWERBI_DATASET_ID": DATASET_ID,
            "POWERBI_AUTHORITY_HOST": self.base_url,
            "POWERBI_API_URL": self.api_url,
        }

    def enqueue(self, kind: str, *replies: Reply) -> None:
        with self.lock:
            self.queues.setdefault(kind, deque()).extend(replies)

    def add_refresh(self, statuses: list[str], **kwargs: Any) -> FakeRefresh:
        refresh = FakeRefresh(str(uuid.uuid4()), list(statuses), **kwargs)
        with self.lock:
            self.refreshes.insert(0, refresh)
        return refresh

    def calls(self, kind: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.kind == kind]

    def kinds(self) -> list[str]:
        with self.lock:
            return [r.kind for r in self.requests]

    # ------------------------------------------------------------ behaviour

    def classify(self, method: str, path: str) -> str:
        if method == "GET" and path == f"/{TENANT_ID}/v2.0/.well-known/openid-configuration":
            return "discovery"
        if method == "POST" and path == f"/{TENANT_ID}/oauth2/v2.0/token":
            return "token"
        if path == REFRESHES_PATH:
            return {"POST": "trigger", "GET": "history"}.get(method, "unknown")
        if method == "GET" and path.startswith(REFRESHES_PATH + "/"):
            return "details"
        if method == "DELETE" and path.startswith(REFRESHES_PATH + "/"):
            return "cancel"
        return "unknown"

    def handle(self, rec: Recorded) -> Reply:
        with self.lock:
            self.requests.append(rec)
            if rec.kind == "discovery":
                return self._discovery()
            if rec.kind == "token":
                return self._token(rec)
            if rec.kind == "unknown":
                return Reply(404, {"error": {"code": "NotFound", "message": rec.path}})
            rejected = self._check_auth(rec)
            if rejected:
                return rejected
            queue = self.queues.get(rec.kind)
            if queue:
                return queue.popleft()
            return getattr(self, f"_{rec.kind}")(rec)

    def _discovery(self) -> Reply:
        base = f"{self.base_url}/{TENANT_ID}"
        return Reply(
            200,
            {
                "issuer": f"{self.base_url}/{TENANT_ID}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "response_types_supported": ["code", "id_token"],
            },
        )

    def _token(self, rec: Recorded) -> Reply:
        form = rec.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        if form.get("grant_type") != "client_credentials" or SCOPE not in form.get("scope", ""):
            return Reply(400, {"error": "invalid_request", "error_description": "bad grant"})
        token = f"token-{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return Reply(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    def _check_auth(self, rec: Recorded) -> Reply | None:
        auth = rec.authorization or ""
        token = auth.removeprefix("Bearer ")
        if (
            not auth.startswith("Bearer ")
            or token not in self.tokens_issued
            or token in self.rejected_tokens
            or self.reject_all_tokens
        ):
            return Reply(
                401,
                {"error": {"code": "TokenExpired", "message": "Access token has expired"}},
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return None

    def _trigger(self, rec: Recorded) -> Reply:
        if any(r.current in PENDING for r in self.refreshes):
            return self.conflict
        settings = dict(self.next_refresh)
        refresh = self.add_refresh(settings.pop("statuses"), **settings)
        headers = {"x-ms-request-id": refresh.request_id}
        if self.location_header:
            headers["Location"] = f"{self.base_url}{REFRESHES_PATH}/{refresh.request_id}"
        return Reply(202, None, headers)

    def _details(self, rec: Recorded) -> Reply:
        request_id = rec.path.rsplit("/", 1)[-1]
        refresh = next((r for r in self.refreshes if r.request_id == request_id), None)
        if refresh is None or not refresh.enhanced:
            return Reply(404, {"error": {"code": "ItemNotFound", "message": "Refresh not found"}})
        status = refresh.observe()
        body = {
            "startTime": "2024-01-01T00:00:00Z",
            "type": "Full",
            "commitMode": "Transactional",
            "status": status,
            "extendedStatus": status,
            "currentRefreshType": "Full",
            "numberOfAttempts": 0,
        }
        if status not in PENDING:
            body.update(endTime="2024-01-01T00:05:00Z", **refresh.extra)
        return Reply(202 if status in PENDING else 200, body)

    def _cancel(self, rec: Recorded) -> Reply:
        """Cancel Refresh In Group: an enhanced refresh in progress becomes Cancelled."""
        request_id = rec.path.rsplit("/", 1)[-1]
        refresh = next((r for r in self.refreshes if r.request_id == request_id), None)
        if refresh is None or not refresh.enhanced or refresh.current not in PENDING:
            return Reply(404, {"error": {"code": "ItemNotFound", "message": "Refresh not found"}})
        refresh.statuses = [*refresh.statuses[: refresh.observed], "Cancelled"]
        return Reply(200, None)

    def _history(self, rec: Recorded) -> Reply:
        top = int(parse_qs(rec.query).get("$top", ["60"])[0])
        value = []
        for refresh in self.refreshes[:top]:
            status = refresh.observe()
            entry = {
                "requestId": refresh.request_id,
                "id": 100 + self.refreshes.index(refresh),
                "refreshType": "ViaEnhancedApi" if refresh.enhanced else "ViaApi",
                "startTime": "2024-01-01T00:00:00Z",
                "status": status,
            }
            if status not in PENDING:
                entry.update(endTime="2024-01-01T00:05:00Z", **refresh.extra)
            value.append(entry)
        return Reply(200, {"value": value})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes
    fake: FakePowerBI

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        rec = Recorded(
            kind=self.fake.classify(self.command, parts.path),
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.fake.handle(rec)
        if reply.drop:
            self.close_connection = True
            return
        if reply.body is None:
            payload = b""
        elif isinstance(reply.body, str | bytes):
            payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass
