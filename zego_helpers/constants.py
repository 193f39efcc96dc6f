"""The numbers and addresses the kit relies on, in one place.

Every other module imports them from here, so a reader looking for "how long
do we wait?" or "which AppIDs are valid?" finds one answer. Each value says
where it comes from.
"""

from __future__ import annotations

# --- where requests go -----------------------------------------------------------------------

#: ZEGO's default AI Agent endpoint (mainland China); the regions below have their own.
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/accessing-server-apis
DEFAULT_API_BASE_URL = "https://aigc-aiagent-api.zegotech.cn"
#: Region codes with an endpoint of their own (:data:`REGION_API_BASE_URL` filled in).
REGIONS = ("sha", "hkg", "fra", "lax", "bom", "sgp")
REGION_API_BASE_URL = "https://aigc-aiagent-api-{region}.zegotech.cn"
#: URL schemes a base URL may use.
API_URL_SCHEMES = ("http", "https")
#: Every endpoint of ZEGO's own service ends with this host name suffix: a client
#: talking to one of them talks to ZEGO's cloud (and not to a sandbox).
ZEGO_API_HOST_SUFFIX = ".zegotech.cn"

# --- credentials -----------------------------------------------------------------------------

#: A ServerSecret is 32 characters (the console shows it as 32 hex digits).
SERVER_SECRET_LENGTH = 32
#: AppIDs are unsigned 32-bit numbers, 1 .. 2**32 - 1.
MIN_APP_ID = 1
MAX_APP_ID = 2**32 - 1
#: How far a request's Timestamp may drift from ZEGO's clock before 100000004.
MAX_CLOCK_SKEW_SECONDS = 600

# --- timeouts and retries --------------------------------------------------------------------

#: (connect, read) seconds for one request. 3.05 s lets a lost SYN be resent once (3 s).
DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 15.0)
#: Retries after the first attempt, for requests that are safe to repeat.
DEFAULT_MAX_RETRIES = 2
#: Exponential backoff: the n-th retry waits a random time up to
#: ``min(MAX, INITIAL * 2**n)`` ("full jitter"), or what ``Retry-After`` says.
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 4.0
#: A ``Retry-After`` longer than this is not waited for; the error is raised instead.
MAX_RETRY_AFTER_SECONDS = 60.0

# --- the account's limits (reference §7) -----------------------------------------------------

#: Concurrent agent instances per account, by default.
DEFAULT_INSTANCE_LIMIT = 10
#: Requests per second per action, by default (shared by everyone on one AppID).
DEFAULT_REQUESTS_PER_SECOND = 10

# --- the idle rule: how an instance nobody deletes ends ---------------------------------------

#: ZEGO deletes an instance whose user (UserId) has not been in the room for
#: AdvancedConfig.MaxIdleTime seconds, default 120 (exception 1202):
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-agent-instance
#: and https://www.zegocloud.com/docs/aiagent-server/callbacks/exception-codes
DEFAULT_MAX_IDLE_TIME = 120
#: A live digital human: 900 s without SendAgentInstanceTTS, by default.
#: https://www.zegocloud.com/docs/aiagent-server/api-reference/agent-instance-management/create-live-digital-human-agent-instance
DEFAULT_LIVE_MAX_IDLE_TIME = 900
#: Added to MaxIdleTime when the kit says when an instance will have ended: the request's
#: time in transit and the difference between this machine's clock and ZEGO's (our choice).
IDLE_DEADLINE_MARGIN = 30
#: A create sent by a kernel that then died may still be on its way to ZEGO, and take effect
#: after the kernel is gone. Cleanup settles a create only once it is this old (our choice:
#: a create takes about a second; ZEGO documents no bound).
CREATE_TRANSIT_SECONDS = 10
#: A create recorded by a process that still runs is taken as in flight (its answer may
#: still come) for this long; after it, the request is over whatever happened (our choice:
#: well above the longest timeout the kit uses).
MAX_CREATE_IN_FLIGHT_SECONDS = 600

# --- codes the kit acts on -------------------------------------------------------------------

#: "Unsupported action": how ZEGO's real service answers a sandbox-only action.
UNSUPPORTED_ACTION = 100000007
