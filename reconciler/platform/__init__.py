"""The platform client: the only code in privcall that knows the API's URLs, wire field
names and result codes. See docs/client.md."""

from reconciler.platform.auth import Signer, password_digest
from reconciler.platform.client import AppClient
from reconciler.platform.errors import (
    AccountFrozen,
    AuthenticationError,
    CapacityError,
    Conflict,
    FlowControl,
    InvalidRequest,
    LifetimeError,
    LocalRefusal,
    NotFound,
    NotModifiable,
    NumberNotOwned,
    PlatformAnswerError,
    ServerError,
    TransportError,
    UnexpectedResponse,
    UnknownOutcome,
    UnknownResultCode,
)
from reconciler.platform.live import NEVER, BindResult, Live
from reconciler.platform.modes.axyb import PartialBind
from reconciler.platform.ratelimit import RateLimiter
from reconciler.platform.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NEVER",
    "NO_RETRY",
    "AccountFrozen",
    "AppClient",
    "AuthenticationError",
    "BindResult",
    "CapacityError",
    "Conflict",
    "FlowControl",
    "InvalidRequest",
    "LifetimeError",
    "Live",
    "LocalRefusal",
    "NotFound",
    "NotModifiable",
    "NumberNotOwned",
    "PartialBind",
    "PlatformAnswerError",
    "RateLimiter",
    "RetryPolicy",
    "ServerError",
    "Signer",
    "TransportError",
    "UnexpectedResponse",
    "UnknownOutcome",
    "UnknownResultCode",
    "password_digest",
]
