"""The websites allowed to run a workspace's widget, as browser origins.

An origin is `scheme://host[:port]`, exactly what a browser sends in its `Origin` header. The
workspace lists them in `settings.widget_origins`; they are normalised when saved (lower-case,
no default port, no trailing slash) and compared exactly. Wildcards are not supported: a
pattern such as `https://*.example.com` would also admit any subdomain someone else controls
(user sites, forgotten CNAMEs), so every site is listed by itself.
"""

from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from helpline.core.errors import PermissionDenied
from helpline.tenancy.models import Workspace

MAX_ORIGIN_CHARS: Final = 300
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class OriginNotAllowed(PermissionDenied):
    default_detail = "This website is not allowed to run the widget of this workspace."


def normalize_origin(raw: str) -> str:
    """`HTTPS://Shop.Example:443/` -> `https://shop.example`. ValueError, with a sentence
    saying what to fix, for anything that is not a plain http(s) origin."""
    text = raw.strip()
    if "*" in text:
        raise ValueError(
            f"{raw!r}: wildcards are not supported; list each website origin, such as "
            "https://www.example.com"
        )
    if len(text) > MAX_ORIGIN_CHARS:
        raise ValueError(f"An origin has at most {MAX_ORIGIN_CHARS} characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{raw!r} is not a valid origin such as https://www.example.com") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{raw!r} is not an http or https origin such as https://www.example.com")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(
            f"{raw!r} is a URL, not an origin: give only scheme://host[:port], "
            "such as https://www.example.com"
        )
    host = _ascii_host(parts.hostname, raw)
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps its brackets, as browsers send it
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_of(url: str) -> str:
    """The origin of a full URL (its path, query and fragment dropped), normalised."""
    parts = urlsplit(url.strip())
    return normalize_origin(f"{parts.scheme}://{parts.netloc}")


def _ascii_host(hostname: str, raw: str) -> str:
    # Browsers send internationalised hosts in their punycode (xn--) form.
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"{raw!r} does not have a valid host name.") from exc


def allowed_origins(workspace: Workspace) -> set[str]:
    """The workspace's widget origins, normalised. Saved values are normalised already; any
    that no longer pass are skipped rather than trusted."""
    allowed: set[str] = set()
    for value in _as_strings(workspace.settings.get("widget_origins")):
        try:
            allowed.add(normalize_origin(value))
        except ValueError:
            continue
    return allowed


def _as_strings(values: object) -> Iterable[str]:
    if isinstance(values, list):
        return [v for v in values if isinstance(v, str)]
    return []


def check_widget_origin(workspace: Workspace, origin: str | None) -> None:
    """Raise OriginNotAllowed (403) unless `origin` (the request's Origin header) is one of
    the workspace's widget origins. For session creation and the widget's WebSocket."""
    if not origin or origin.strip().lower() == "null":
        raise OriginNotAllowed(
            "The request has no Origin header: the widget must be loaded by a web page whose "
            "origin is listed in the workspace's widget_origins setting."
        )
    try:
        normalized = normalize_origin(origin)
    except ValueError:
        normalized = origin.strip()[:MAX_ORIGIN_CHARS]
    if normalized not in allowed_origins(workspace):
        raise OriginNotAllowed(
            f"The origin {normalized} is not allowed to run this workspace's widget: an owner "
            "or admin can add it to widget_origins in the workspace settings."
        )
