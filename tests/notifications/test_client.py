"""The HTTP side of notifications against a real subscriber on 127.0.0.1: the address
policy, the callback test, BASIC and OAuth2 client-credentials authentication."""

from __future__ import annotations

import base64

import pytest
from support.subscriber import Subscriber

from locus_iac.errors import RetryableError, ValidationError
from locus_iac.notifications import CallbackClient, NotifySettings

BASIC = {"authType": ["BASIC"], "paramsBasic": {"userName": "oss", "password": "s3cret"}}


def oauth(sub: Subscriber) -> dict[str, object]:
    return {
        "authType": ["OAUTH2_CLIENT_CREDENTIALS"],
        "paramsOauth2ClientCredentials": {
            "clientId": "locus",
            "clientPassword": "client-secret",
            "tokenEndpoint": sub.token_endpoint,
        },
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_callback_test_needs_204(subscriber: Subscriber) -> None:
    client = CallbackClient(NotifySettings())
    client.test(subscriber.callback, None)
    subscriber.test_status = 200
    with pytest.raises(ValidationError) as caught:
        client.test(subscriber.callback, None)
    assert caught.value.issues[0].path == "/callbackUri"
    assert "answered 200" in str(caught.value) and "204" in str(caught.value)


def test_a_callback_that_is_down_fails_the_test_and_is_retried_on_delivery() -> None:
    client = CallbackClient(NotifySettings(timeout=2))
    with pytest.raises(ValidationError, match="callback test failed"):
        client.test("http://127.0.0.1:9/callback", None)  # discard port: nothing listens
    with pytest.raises(RetryableError):
        client.deliver("http://127.0.0.1:9/callback", None, {"id": "x"})


def test_addresses_outside_the_allowed_networks_are_never_called(subscriber: Subscriber) -> None:
    client = CallbackClient(NotifySettings(allow="10.0.0.0/8"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="LOCUS_NOTIFY_ALLOW"):
        client.test(subscriber.callback, None)
    with pytest.raises(RetryableError, match="not an address the operator allows"):
        client.deliver(subscriber.callback, None, {"id": "x"})
    assert subscriber.authorizations == [] and subscriber.notifications == []


def test_a_name_resolving_to_one_forbidden_address_is_refused() -> None:
    client = CallbackClient(
        NotifySettings(), resolver=lambda host, port: ["127.0.0.1", "192.0.2.7"]
    )
    with pytest.raises(ValidationError, match=r"192\.0\.2\.7"):
        client.test("http://oss.example:8080/cb", None)


def test_basic_authentication(subscriber: Subscriber) -> None:
    client = CallbackClient(NotifySettings())
    client.test(subscriber.callback, BASIC)
    client.deliver(subscriber.callback, BASIC, {"id": "n1"})
    expected = "Basic " + base64.b64encode(b"oss:s3cret").decode()
    assert subscriber.authorizations == [expected, expected]
    assert subscriber.notifications == [{"id": "n1"}]


def test_oauth2_token_is_fetched_once_and_cached_until_it_expires(subscriber: Subscriber) -> None:
    clock = Clock()
    client = CallbackClient(NotifySettings(), clock=clock)
    subscriber.token_lifetime = 300
    auth = oauth(subscriber)
    client.test(subscriber.callback, auth)
    client.deliver(subscriber.callback, auth, {"id": "n1"})
    client.deliver(subscriber.callback, auth, {"id": "n2"})
    assert subscriber.tokens_issued == 1
    assert subscriber.authorizations == ["Bearer token-1"] * 3
    assert subscriber.token_requests[0]["client"] == "locus"
    assert subscriber.token_requests[0]["secret"] == "client-secret"
    assert subscriber.token_requests[0]["body"] == "grant_type=client_credentials"
    clock.now += 300  # past expires_in (less the margin)
    client.deliver(subscriber.callback, auth, {"id": "n3"})
    assert subscriber.tokens_issued == 2
    assert subscriber.authorizations[-1] == "Bearer token-2"


def test_oauth2_token_refused_by_the_subscriber_is_renewed_once(subscriber: Subscriber) -> None:
    client = CallbackClient(NotifySettings())
    auth = oauth(subscriber)
    client.deliver(subscriber.callback, auth, {"id": "n1"})
    subscriber.status = 401
    with pytest.raises(RetryableError, match="401"):
        client.deliver(subscriber.callback, auth, {"id": "n2"})
    assert subscriber.tokens_issued == 2  # one renewal, not a loop
    assert subscriber.authorizations[-2:] == ["Bearer token-1", "Bearer token-2"]


def test_errors_name_no_secret(subscriber: Subscriber) -> None:
    client = CallbackClient(NotifySettings())
    subscriber.status = 500
    with pytest.raises(RetryableError) as caught:
        client.deliver(subscriber.callback, BASIC, {"id": "n1"})
    assert "s3cret" not in str(caught.value) and "500" in str(caught.value)


def test_a_request_goes_only_to_the_address_that_was_checked(
    subscriber: Subscriber,
) -> None:
    # the name "resolves" to an allowed address where nothing listens; the subscriber is
    # elsewhere (127.0.0.1): the connection is pinned to the checked address, so nothing,
    # not even the token request, reaches the subscriber
    allow = NotifySettings(allow="127.0.0.2/32")  # type: ignore[arg-type]
    client = CallbackClient(allow, resolver=lambda host, port: ["127.0.0.2"])
    with pytest.raises(ValidationError, match="ConnectError"):
        client.test(subscriber.callback, None)
    with pytest.raises(RetryableError, match="ConnectError"):
        client.deliver(subscriber.callback, None, {"id": "x"})
    with pytest.raises(RetryableError, match="ConnectError"):
        client.deliver(subscriber.callback, oauth(subscriber), {"id": "y"})
    assert subscriber.tokens_issued == 0 and subscriber.notifications == []
    assert subscriber.token_requests == []
