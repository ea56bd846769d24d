"""Web server access logs in the Combined Log Format, one line per request.

Each clickstream event is one request (pages, cart and order API calls), plus
crawlers. Errors (5xx) stay around half a percent except for one incident on
the middle day, when a failing backend makes a sharp peak. Lines come as real
servers write them: most end with the request time in seconds, some do not
(an older Apache node), bytes are ``-`` when nothing was sent, a few servers
log local time (+0100), and quotes inside a user agent are escaped.
"""
from __future__ import annotations

import random

from lakehouse.lib.generator.clock import DAY_MS, HOUR_MS, MINUTE_MS, clf_stamp
from lakehouse.lib.generator.run import Run

SHOP = "https://shop.example.com"
BOTS = ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        'Mozilla/5.0 (compatible; "FeedFetcher"/2.1; +https://feeds.example.net/bot)',
        "curl/8.5.0")
BOT_SHARE = 0.08
BASE_ERROR_RATE = 0.0075
INCIDENT_ERROR_RATE = 0.35
INCIDENT_MINUTES = 40
ERRORS = (500, 502, 503, 503, 504)
NODES = 10
NO_REQUEST_TIME_NODE = 0
LOCAL_TIME_NODE = 1
API = {"add_to_cart": ("POST", "/api/cart/items"), "remove_from_cart": ("DELETE", "/api/cart/items"),
       "purchase": ("POST", "/api/orders")}


def access_log_lines(run: Run, events: list[tuple[int, dict[str, object]]]) -> list[tuple[int, str]]:
    """(request ms, log line) for every request, in time order."""
    rng = run.rng("server-logs")
    incident_start = run.start_ms + (run.days // 2) * DAY_MS + 14 * HOUR_MS + rng.randrange(HOUR_MS)
    incident = (incident_start, incident_start + INCIDENT_MINUTES * MINUTE_MS)
    lines = []
    for ms, event in events:
        method, path = API.get(str(event["event_type"]), ("GET", _path(str(event["page_url"]))))
        referrer = event["referrer"] or "-"
        lines.append((ms, _line(rng, ms, str(event["ip"]), method, path, str(referrer), str(event["user_agent"]),
                                incident)))
        if rng.random() < BOT_SHARE:
            bot_ms, bot_ip = ms + rng.randint(0, 5000), f"203.0.113.{rng.randint(200, 254)}"
            path = rng.choice(("/", "/robots.txt", "/sitemap.xml", _path(str(event["page_url"]))))
            lines.append((bot_ms, _line(rng, bot_ms, bot_ip, rng.choice(("GET", "HEAD")), path, "-",
                                        rng.choice(BOTS), incident)))
    lines.sort(key=lambda item: item[0])
    return lines


def _line(rng: random.Random, ms: int, ip: str, method: str, path: str, referrer: str, agent: str,
          incident: tuple[int, int]) -> str:
    error_rate = INCIDENT_ERROR_RATE if incident[0] <= ms < incident[1] else BASE_ERROR_RATE
    seconds = rng.lognormvariate(-2.5, 0.7)
    if rng.random() < error_rate:
        status, size, seconds = rng.choice(ERRORS), str(rng.randint(150, 600)), rng.uniform(0.5, 30.0)
    elif method == "HEAD" or rng.random() < 0.03:
        status, size = (200 if method == "HEAD" else 304), "-"
    elif path.startswith("/product/") and rng.random() < 0.01:
        status, size = 404, str(rng.randint(900, 2400))
    else:
        status = 201 if method == "POST" else 204 if method == "DELETE" else 200
        size = "-" if status == 204 else str(rng.randint(300, 2000) if path.startswith("/api/")
                                             else rng.randint(18_000, 95_000))
    node = rng.randrange(NODES)
    protocol = "HTTP/2.0" if rng.random() < 0.4 else "HTTP/1.1"
    line = (f'{ip} - - [{clf_stamp(ms, 1 if node == LOCAL_TIME_NODE else 0)}] "{method} {path} {protocol}" '
            f'{status} {size} "{_escaped(referrer)}" "{_escaped(agent)}"')
    return line if node == NO_REQUEST_TIME_NODE else f"{line} {seconds:.3f}"


def _path(url: str) -> str:
    return url.removeprefix(SHOP) or "/"


def _escaped(value: str) -> str:
    """Quotes and backslashes inside a quoted log field are escaped, as Apache and nginx do."""
    return value.replace("\\", "\\\\").replace('"', '\\"')
