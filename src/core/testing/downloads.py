"""The outsider test of one stored-file kind (`core.downloads`), for `URL_CASES["files:<kind>"]`."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.test import Client

from core.downloads import file_url


def body_of(response: Any) -> bytes:
    """The bytes of a (streamed) file answer."""
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def check_file_kind(kind: str, make: Callable[[Any], Any], variant: str = "file",
                    path_of: Callable[[Any], str] | None = None) -> Callable[[Any, Any, Any, Any], None]:
    """A URL_CASES check: `make(world)` returns town B's row with its file stored; the insider's
    session gets the stored bytes (200), the outsider's session and the outsider's API token 404,
    an anonymous browser is sent to sign in, a refused token gets 401."""
    def check(world: Any, api: Any, session: Any, insider: Any) -> None:
        from knox.models import AuthToken

        row = make(world)
        url = file_url(kind, row.pk, variant)
        path = path_of(row) if path_of is not None else row.path
        own = Client()
        own.force_login(world.insider)
        response = own.get(url)
        assert response.status_code == 200, url
        with default_storage.open(path, "rb") as stored:
            assert body_of(response) == stored.read()
        assert response["X-Content-Type-Options"] == "nosniff"
        assert session.get(url).status_code == 404
        token = AuthToken.objects.create(world.outsider)[1]
        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get(url).status_code == 404
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
        assert Client(HTTP_AUTHORIZATION="Token nonsense").get(url).status_code == 401
    return check
