"""Which download URLs are fetched: https always, plain http only with ``dataset.allow_http=true``
(no transport security: anyone on the path can swap the file), nothing else; a redirect is held
to the same rule, so https is never silently downgraded."""

from __future__ import annotations

import urllib.parse
import urllib.request

from recexp.common.errors import ConfigError

HTTP_OPT_IN = "dataset.allow_http"


class InsecureURLError(ConfigError):
    """A download URL (or a redirect) that is not https and not allowed."""


def check_url(url: str, *, allow_http: bool, key: str = "the download URL") -> None:
    """Raise InsecureURLError (one line naming ``key``) unless ``url`` may be fetched."""
    scheme = urllib.parse.urlparse(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    if scheme == "http":
        raise InsecureURLError(f"{key}: {url} is plain http (no transport security); use https, "
                               f"or set {HTTP_OPT_IN}=true to accept it")
    raise InsecureURLError(f"{key}: {url} has scheme {scheme or 'none'!r}; allowed: https "
                           f"(http with {HTTP_OPT_IN}=true)")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL ``check_url`` accepts."""

    def __init__(self, allow_http: bool) -> None:
        super().__init__()
        self.allow_http = allow_http

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl, allow_http=self.allow_http, key=f"redirect from {req.full_url}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def opener(allow_http: bool) -> urllib.request.OpenerDirector:
    """A urllib opener whose redirects obey ``check_url``."""
    return urllib.request.build_opener(_CheckedRedirects(allow_http))
