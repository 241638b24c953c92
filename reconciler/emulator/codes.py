"""The platform's result codes: code, HTTP status and the exact English ``resultdesc``.

Texts are reproduced verbatim from the reference (section 9), inconsistent trailing periods
included. ``1010010`` has two meanings that differ only by status and text, so results are
named constants rather than a plain code-to-text map.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One row of the platform's result-code table."""

    code: str
    status: int
    desc: str


SUCCESS = Result("0", 200, "Success")

AUTHORIZATION_MISSING = Result("1023006", 400, "Authorization not contained in the HTTP header.")
REALM_MISSING = Result("1023007", 400, "realm not contained in Authorization.")
PROFILE_MISSING = Result("1023008", 400, "profile not contained in Authorization.")
REALM_INVALID = Result("1023009", 400, "The value of realm in Authorization must be SDP.")
PROFILE_INVALID = Result(
    "1023010", 400, "The value of profile in Authorization must be UsernameToken."
)
TYPE_INVALID = Result("1023011", 400, "The value of type in Authorization must be app_key.")
TYPE_MISSING = Result("1023012", 400, "type not contained in Authorization.")
XAKSK_MISSING = Result("1023033", 400, "HTTP header not found X-AKSK field.")
USERNAME_MISSING = Result("1023034", 400, "UserName not contained in X-AKSK.")
NONCE_MISSING = Result("1023035", 400, "Nonce not contained in X-AKSK.")
CREATED_MISSING = Result("1023036", 400, "Created not contained in X-AKSK.")
DIGEST_MISSING = Result("1023037", 400, "PasswordDigest not contained in X-AKSK.")
USERNAMETOKEN_MISSING = Result("1023038", 400, "UsernameToken not contained in X-AKSK.")

INVALID_DIGEST = Result("1010010", 401, "Invalid digest.")
TIME_OUT_LIMIT = Result("1010013", 401, "Time out limit.")

INVALID_REQUEST = Result("1010002", 403, "Invalid request.")
INVALID_APP_KEY = Result("1010003", 403, "Invalid app_key.")
APP_KEY_UNAVAILABLE = Result("1010008", 403, "The status of the app_key is unavailable.")
FLOW_CONTROL = Result("1010010", 403, "The flow control upper limit is reached on the platform.")
SUBSCRIBER_FROZEN = Result("1010029", 403, "The subscriber status is frozen.")
API_NOT_ALLOWED = Result("1010040", 403, "The app_key is not allowed to invoke the API.")
AX_NUMBER_NOT_OWNED = Result("1011001", 403, "Account does not exist.")
AX_NO_NUMBER = Result("1011002", 403, "Insufficient number resources.")
AX_A_LIMIT = Result(
    "1011003", 403, "Exceeded the upper limit of resources that can be applied for."
)
AX_NUMBER_NOT_APPLIED = Result("1011004", 403, "The number is not applied for binding application.")
AX_X_TAKEN = Result("1011005", 403, "Resources have been allocated.")
TRAFFIC_CONTROL = Result("1011006", 403, "Under traffic control status")
NUMBER_NOT_OWNED = Result("1012001", 403, "Resource of number is not to be applied.")
X_NOT_EXIST = Result("1012007", 403, "The record does not exist.")
NO_NUMBER = Result("1012008", 403, "Insufficient number of resources")
X_FULL = Result("1012009", 403, "Maximum number of resources has been exceeded")
NUMBER_BOUND = Result("1012010", 403, "The relation number has been bound.")
NUMBER_BOUND_MODIFY = Result("1012010", 403, "The number $ has been bound.")
NO_RECORDING = Result("1012012", 403, "Application does not open recording function.")
NUMBER_ABNORMAL = Result("1012102", 403, "The number status is abnormal.")
RECORD_NOT_FOUND = Result("1016001", 403, "The record does not exist.")
RECORD_EXISTS = Result("1016002", 403, "The record already exists.")
IP_NOT_WHITELISTED = Result("1020166", 403, "The app client ip is not in ip white list.")
NO_IDLE_EXTENSION = Result("1020167", 403, "No idle extend Number.")
AUTH_LOCKED = Result("1020176", 403, "Authentication failed, try again later")
TRANSPARENT_NOT_ALLOWED = Result("1020178", 403, "The transparent mode is not allowed.")
NO_SMS = Result("1020179", 403, "Application does not enable sms function.")

INTERNAL_SYSTEM_ERROR = Result("1010001", 500, "Internal system error.")
PARAMETER_ERROR = Result("1020001", 500, "Parameter error.")
INTERNAL_ERROR = Result("1020002", 500, "Internal error.")
APP_KEY_INVALID_500 = Result("1020150", 500, "The app_key is invalid.")
INTERNAL_ERROR_1023001 = Result("1023001", 500, "Internal error.")
RESPONSE_TIMEOUT = Result("1023002", 500, "Response timeout.")

# Codes that fault injection may answer with. 1010010 means the flow-control answer here
# (an injected error is an operational failure, not a signing mistake); 1012010 uses the
# bind text.
INJECTABLE: dict[str, Result] = {
    r.code: r
    for r in (
        INVALID_REQUEST,
        INVALID_APP_KEY,
        APP_KEY_UNAVAILABLE,
        FLOW_CONTROL,
        SUBSCRIBER_FROZEN,
        API_NOT_ALLOWED,
        AX_NUMBER_NOT_OWNED,
        AX_NO_NUMBER,
        AX_A_LIMIT,
        AX_NUMBER_NOT_APPLIED,
        AX_X_TAKEN,
        TRAFFIC_CONTROL,
        NUMBER_NOT_OWNED,
        X_NOT_EXIST,
        NO_NUMBER,
        X_FULL,
        NUMBER_BOUND,
        NO_RECORDING,
        NUMBER_ABNORMAL,
        RECORD_NOT_FOUND,
        RECORD_EXISTS,
        IP_NOT_WHITELISTED,
        NO_IDLE_EXTENSION,
        AUTH_LOCKED,
        TRANSPARENT_NOT_ALLOWED,
        NO_SMS,
        INTERNAL_SYSTEM_ERROR,
        PARAMETER_ERROR,
        INTERNAL_ERROR,
        APP_KEY_INVALID_500,
        INTERNAL_ERROR_1023001,
        RESPONSE_TIMEOUT,
        INVALID_DIGEST,
        TIME_OUT_LIMIT,
    )
    if r.code != INVALID_DIGEST.code or r is FLOW_CONTROL
}


class ApiError(Exception):
    """A request answered with a platform error ``result``; ``detail`` is appended to the
    ``resultdesc`` (used by 1010002 to name the offending parameter)."""

    def __init__(self, result: Result, detail: str = "") -> None:
        self.result = result
        self.detail = detail
        super().__init__(self.desc)

    @property
    def desc(self) -> str:
        return self.result.desc + self.detail


def invalid(param: str, reason: str) -> ApiError:
    """``1010002 Invalid request.`` naming the parameter: ``Invalid request.duration must ...``."""
    return ApiError(INVALID_REQUEST, f"{param} {reason}")
