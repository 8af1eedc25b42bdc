"""Tests of the Power BI refresh client against a fake Azure AD + Power BI over HTTPS."""

from __future__ import annotations

import json
import logging

import pytest
import trustme
from fake_powerbi import (
    CLIENT_ID,
    CLIENT_SECRET,
    DATASET_ID,
    SCOPE,
    TENANT_ID,
    WORKSPACE_ID,
    FakePowerBI,
    Reply,
)

from netflix_pipeline.pipelines.publishing.powerbi import (
    DEFAULT_API_URL,
    DEFAULT_AUTHORITY_HOST,
    PowerBIAuthError,
    PowerBIConfig,
    PowerBIConfigError,
    PowerBIHTTPError,
    PowerBIRefreshError,
    PowerBITimeoutError,
    refresh_dataset,
)


class FakeClock:
    """Monotonic clock whose sleep advances time instantly (and records the waits)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def fake(ca, tmp_path, monkeypatch):
    ca_file = tmp_path / "fake-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = FakePowerBI(ca.issue_cert("127.0.0.1", "localhost"))
    yield server
    server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def run(fake: FakePowerBI, clock: FakeClock, **kwargs):
    config = PowerBIConfig.from_env(fake.env())
    assert config is not None
    kwargs.setdefault("poll_interval_seconds", 5)
    kwargs.setdefault("max_poll_interval_seconds", 20)
    kwargs.setdefault("deadline_seconds", 600)
    kwargs.setdefault("request_timeout", 5)
    return refresh_dataset(config, sleep=clock.sleep, clock=clock.monotonic, **kwargs)


def assert_api_calls_authorised(fake: FakePowerBI, token: str = "token-1") -> None:
    for kind in ("trigger", "details", "history"):
        for call in fake.calls(kind):
            assert call.authorization == f"Bearer {token}", (kind, call.path)


# ----------------------------------------------------------------------------- happy path


@pytest.mark.parametrize(
    ("request_body", "expected_body"),
    [
        (None, {"notifyOption": "NoNotification"}),
        (
            {
                "type": "Full",
                "commitMode": "transactional",
                "objects": [{"table": "movies"}, {"table": "genres", "partition": "2020s"}],
                "retryCount": 2,
            },
            None,  # sent as given
        ),
    ],
    ids=["shared-capacity", "premium-enhanced"],
)
def test_happy_path(fake, clock, request_body, expected_body):
    summary = run(fake, clock, request_body=request_body)

    refresh = fake.refreshes[0]
    assert summary["status"] == "Completed"
    assert summary["request_id"] == refresh.request_id
    assert summary["polls"] == 2
    assert summary["triggers"] == 1
    assert summary["retries"] == 0
    assert summary["waited_for"] == []
    assert summary["workspace_id"] == WORKSPACE_ID
    assert summary["dataset_id"] == DATASET_ID
    assert summary["seconds"] == pytest.approx(5)
    assert summary["end_time"] == "2024-01-01T00:05:00Z"
    assert clock.sleeps == [5]

    # What the fake services received, in order.
    assert fake.kinds() == ["discovery", "token", "trigger", "details", "details"]
    form = fake.calls("token")[0].form()
    assert form["grant_type"] == "client_credentials"
    assert form["client_id"] == CLIENT_ID
    assert form["client_secret"] == CLIENT_SECRET
    assert form["scope"].split() == [SCOPE]
    trigger = fake.calls("trigger")[0]
    assert trigger.headers["content-type"] == "application/json"
    assert trigger.json() == (expected_body if expected_body is not None else request_body)
    assert [c.path.rsplit("/", 1)[-1] for c in fake.calls("details")] == [refresh.request_id] * 2
    assert_api_calls_authorised(fake)


def test_request_id_from_header_when_no_location(fake, clock):
    fake.location_header = False
    summary = run(fake, clock)
    assert summary["request_id"] == fake.refreshes[0].request_id
    assert fake.calls("details")[0].path.endswith(fake.refreshes[0].request_id)


# ----------------------------------------------------------------------------- resilience


def test_429_honours_retry_after(fake, clock):
    fake.enqueue(
        "trigger",
        Reply(
            429,
            {"error": {"code": "TooManyRequests", "message": "Slow down"}},
            {"Retry-After": "7"},
        ),
    )
    summary = run(fake, clock)

    assert summary["status"] == "Completed"
    assert summary["retries"] == 1
    triggers = fake.calls("trigger")
    assert len(triggers) == 2
    assert [t.json() for t in triggers] == [{"notifyOption": "NoNotification"}] * 2
    assert clock.sleeps[0] == 7  # the Retry-After, before the second trigger
    assert len(fake.calls("token")) == 1  # the cached token is reused
    assert_api_calls_authorised(fake)


@pytest.mark.parametrize(
    "failure",
    [
        Reply(503, {"error": {"code": "ServiceUnavailable", "message": "busy"}}),
        Reply(drop=True),  # connection closed without an answer
    ],
    ids=["503", "connection-dropped"],
)
def test_transient_failure_then_success(fake, clock, failure):
    fake.enqueue("trigger", failure)
    summary = run(fake, clock, retry_backoff_seconds=2)

    assert summary["status"] == "Completed"
    assert summary["retries"] == 1
    assert len(fake.calls("trigger")) == 2
    assert len(fake.refreshes) == 1
    assert 1 <= clock.sleeps[0] <= 2  # first backoff: 2 s with "equal jitter"
    assert_api_calls_authorised(fake)


def test_5xx_retries_are_bounded(fake, clock):
    fake.enqueue("trigger", *[Reply(500, {"error": {"code": "InternalError"}})] * 5)
    with pytest.raises(PowerBIHTTPError) as info:
        run(fake, clock, max_retries=2, retry_backoff_seconds=1)

    assert info.value.status_code == 500
    assert "500" in str(info.value)
    assert len(fake.calls("trigger")) == 3
    assert len(clock.sleeps) == 2
    assert 0.5 <= clock.sleeps[0] <= 1 and 1 <= clock.sleeps[1] <= 2  # exponential


def test_poll_5xx_is_retried(fake, clock):
    fake.enqueue("details", Reply(502, "Bad Gateway"))
    summary = run(fake, clock)
    assert summary["status"] == "Completed"
    assert len(fake.calls("details")) == 3
    assert summary["polls"] == 2


@pytest.mark.parametrize(
    "conflict",
    [
        Reply(
            409,
            {"error": {"code": "Conflict", "message": "A refresh is already in progress"}},
        ),
        Reply(
            400,
            {
                "error": {
                    "code": "InvalidRequest",
                    "message": "Invalid dataset refresh request. "
                    "Another refresh request is already executing",
                }
            },
        ),
    ],
    ids=["409", "400"],
)
def test_already_running_waits_then_triggers(fake, clock, conflict):
    fake.conflict = conflict
    other = fake.add_refresh(["Unknown", "Unknown", "Completed"], enhanced=False)

    summary = run(fake, clock)

    ours = fake.refreshes[0]
    assert ours is not other
    assert summary["status"] == "Completed"
    assert summary["request_id"] == ours.request_id
    assert summary["waited_for"] == [other.request_id]
    assert summary["triggers"] == 2
    assert other.current == "Completed"
    triggers = fake.calls("trigger")
    assert len(triggers) == 2
    assert triggers[0].json() == triggers[1].json() == {"notifyOption": "NoNotification"}
    # After the rejected trigger, the running refresh is found in the $top=1 history
    # and followed until it ends; only then is the refresh triggered again.
    kinds = fake.kinds()
    first, second = (i for i, kind in enumerate(kinds) if kind == "trigger")
    between = fake.requests[first + 1 : second]
    assert between[0].kind == "history"
    assert between[0].query == "$top=1"
    assert all(r.kind in ("history", "details") for r in between)
    assert kinds[second + 1 :] == ["details", "details"]
    assert_api_calls_authorised(fake)


def test_other_client_error_is_raised(fake, clock):
    fake.enqueue(
        "trigger",
        Reply(400, {"error": {"code": "InvalidRequest", "message": "Invalid commitMode"}}),
    )
    with pytest.raises(PowerBIHTTPError) as info:
        run(fake, clock, request_body={"commitMode": "sometimes"})
    assert info.value.status_code == 400
    assert "Invalid commitMode" in str(info.value)
    assert len(fake.calls("trigger")) == 1


def test_401_reacquires_token_once(fake, clock):
    fake.rejected_tokens = {"token-1"}  # e.g. revoked after it was cached

    summary = run(fake, clock)

    assert summary["status"] == "Completed"
    assert fake.tokens_issued == ["token-1", "token-2"]
    assert len(fake.calls("token")) == 2
    assert len(fake.calls("discovery")) == 1
    triggers = fake.calls("trigger")
    assert [t.authorization for t in triggers] == ["Bearer token-1", "Bearer token-2"]
    assert all(c.authorization == "Bearer token-2" for c in fake.calls("details"))
    assert len(fake.refreshes) == 1


def test_401_again_after_new_token_fails(fake, clock):
    fake.reject_all_tokens = True
    with pytest.raises(PowerBIAuthError, match="401"):
        run(fake, clock)
    assert len(fake.calls("token")) == 2  # exactly one re-acquisition
    assert len(fake.calls("trigger")) == 2


def test_bad_credentials_raise_auth_error(fake, clock):
    env = fake.env() | {"POWERBI_CLIENT_SECRET": "wrong-secret-value"}
    config = PowerBIConfig.from_env(env)
    with pytest.raises(PowerBIAuthError, match="invalid_client") as info:
        refresh_dataset(config, sleep=clock.sleep, clock=clock.monotonic)
    assert "wrong-secret-value" not in str(info.value)
    assert fake.calls("trigger") == []


# ----------------------------------------------------------------------------- outcomes


def test_failed_refresh_reports_service_error(fake, clock):
    service_error = {
        "errorCode": "ModelRefreshFailed_CredentialsNotSpecified",
        "errorDescription": "The credentials provided for the Snowflake source are invalid.",
    }
    fake.next_refresh = {
        "statuses": ["InProgress", "Failed"],
        "enhanced": False,
        "extra": {"serviceExceptionJson": json.dumps(service_error)},
    }
    with pytest.raises(PowerBIRefreshError) as info:
        run(fake, clock)

    message = str(info.value)
    assert "Power BI refresh failed" in message
    assert "Failed" in message
    assert "ModelRefreshFailed_CredentialsNotSpecified" in message
    assert "credentials provided for the Snowflake source are invalid" in message
    assert info.value.status == "Failed"
    assert info.value.request_id == fake.refreshes[0].request_id
    assert info.value.service_error == service_error  # parsed JSON
    assert not isinstance(info.value, PowerBITimeoutError)
    assert len(fake.calls("trigger")) == 1


def test_cancelled_refresh(fake, clock):
    fake.next_refresh = {"statuses": ["NotStarted", "InProgress", "Cancelled"]}
    with pytest.raises(PowerBIRefreshError) as info:
        run(fake, clock)
    assert "Power BI refresh failed" in str(info.value)
    assert "Cancelled" in str(info.value)
    assert info.value.status == "Cancelled"
    assert len(fake.calls("details")) == 3


def test_deadline(fake, clock):
    fake.next_refresh = {"statuses": ["InProgress"]}  # never ends
    start = clock.now
    with pytest.raises(PowerBITimeoutError) as info:
        run(fake, clock, deadline_seconds=30, poll_interval_seconds=5, max_poll_interval_seconds=10)

    error = info.value
    assert isinstance(error, PowerBIRefreshError)
    assert "deadline of 30 s" in str(error)
    assert "InProgress" in str(error)
    assert error.status == "InProgress"
    assert error.deadline_seconds == 30
    assert clock.now - start == pytest.approx(30)  # never sleeps past the deadline
    assert clock.sleeps == pytest.approx([5, 7.5, 10, 7.5])  # growing, capped, clamped
    assert len(fake.calls("details")) == 5
    # Not left running: cancelled through the API, and the service now says so.
    (cancel,) = fake.calls("cancel")
    assert cancel.path.endswith("/" + fake.refreshes[0].request_id)
    assert fake.refreshes[0].current == "Cancelled"


def test_a_refresh_that_cannot_be_cancelled_is_reported(fake, clock, caplog):
    fake.location_header = False
    fake.next_refresh = {"statuses": ["Unknown"], "enhanced": False}  # a standard refresh
    with pytest.raises(PowerBITimeoutError):
        run(fake, clock, deadline_seconds=30, poll_interval_seconds=5, max_poll_interval_seconds=10)
    assert len(fake.calls("cancel")) == 1
    assert "could not be cancelled" in caplog.text


def test_per_request_404_falls_back_to_history(fake, clock):
    fake.location_header = False  # a standard refresh answers with the request id header
    fake.next_refresh = {"statuses": ["Unknown", "Unknown", "Completed"], "enhanced": False}

    summary = run(fake, clock)

    refresh = fake.refreshes[0]
    assert summary["status"] == "Completed"
    assert summary["request_id"] == refresh.request_id
    assert summary["polls"] == 3
    details = fake.calls("details")
    assert len(details) == 1  # 404 once, then history only
    assert details[0].path.endswith(refresh.request_id)
    history = fake.calls("history")
    assert len(history) == 3
    assert all(h.query == "$top=1" for h in history)
    assert_api_calls_authorised(fake)


# ----------------------------------------------------------------------------- config


def test_config_from_env_complete(fake):
    config = PowerBIConfig.from_env(fake.env())
    assert config.tenant_id == TENANT_ID
    assert config.client_secret == CLIENT_SECRET
    assert config.authority == f"{fake.base_url}/{TENANT_ID}"
    assert config.refreshes_url == (
        f"{fake.api_url}/groups/{WORKSPACE_ID}/datasets/{DATASET_ID}/refreshes"
    )
    assert CLIENT_SECRET not in repr(config)
    assert CLIENT_SECRET not in str(config)


def test_config_defaults():
    env = {
        "POWERBI_TENANT_ID": "t",
        "POWERBI_CLIENT_ID": "c",
        "POWERBI_CLIENT_SECRET": "s",
        "POWERBI_WORKSPACE_ID": "w",
        "POWERBI_DATASET_ID": "d",
    }
    config = PowerBIConfig.from_env(env)
    assert config.authority_host == DEFAULT_AUTHORITY_HOST == "https://login.microsoftonline.com"
    assert config.api_url == DEFAULT_API_URL == "https://api.powerbi.com/v1.0/myorg"
    assert config.authority == "https://login.microsoftonline.com/t"


def test_config_partial_names_missing_variables():
    env = {
        "POWERBI_TENANT_ID": "t",
        "POWERBI_CLIENT_ID": "c",
        "POWERBI_CLIENT_SECRET": "",  # empty counts as unset
        "POWERBI_AUTHORITY_HOST": "https://login.microsoftonline.us",
    }
    with pytest.raises(PowerBIConfigError) as info:
        PowerBIConfig.from_env(env)
    assert info.value.missing == (
        "POWERBI_CLIENT_SECRET",
        "POWERBI_WORKSPACE_ID",
        "POWERBI_DATASET_ID",
    )
    message = str(info.value)
    for name in info.value.missing:
        assert name in message
    assert "POWERBI_TENANT_ID" not in message
    assert "POWERBI_CLIENT_ID" not in message


def test_config_none_when_not_configured():
    assert PowerBIConfig.from_env({}) is None
    assert PowerBIConfig.from_env({"POWERBI_API_URL": "https://api.powerbi.cn/v1.0/myorg"}) is None


def test_config_rejects_non_https_authority():
    with pytest.raises(PowerBIConfigError, match="authority_host"):
        PowerBIConfig("t", "c", "s", "w", "d", authority_host="http://login.example")


def test_secret_never_logged(fake, clock, caplog):
    caplog.set_level(logging.DEBUG)
    fake.rejected_tokens = {"token-1"}
    fake.enqueue("trigger", Reply(503, {"error": {"code": "ServiceUnavailable"}}))
    fake.next_refresh = {"statuses": ["InProgress", "Failed"], "extra": {"messages": []}}
    with pytest.raises(PowerBIRefreshError):
        run(fake, clock)
    assert "netflix_pipeline.pipelines.publishing.powerbi" in {r.name for r in caplog.records}
    assert "Triggering" in caplog.text or "triggering" in caplog.text
    assert "retry 1/" in caplog.text
    assert CLIENT_SECRET not in caplog.text
    for token in fake.tokens_issued:
        assert token not in caplog.text
