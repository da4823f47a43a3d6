"""The JSON request parser: DRF's, refusing documents nested deeper than any request of the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers

from django_shell.errors import BadRequest

# The deepest body the API takes is three levels (`{"user_attributes": [{"Name": ...}]}`); room to spare.
MAX_DEPTH = 32

_TOO_DEEP = f"The JSON body is nested deeper than {MAX_DEPTH} levels."


class JsonParser(parsers.JSONParser):
    """DRF's JSONParser, but a document nested deeper than `MAX_DEPTH` is a `BadRequest`: past about
    a thousand levels Python's parser raises RecursionError, which would escape as a 500, and a
    document under that still recurses in whatever walks it next."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise BadRequest(_TOO_DEEP) from None
        if _depth(data) > MAX_DEPTH:
            raise BadRequest(_TOO_DEEP)
        return data


def _depth(document: Any) -> int:
    """How many arrays and objects deep `document` goes, walked without recursion."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                return depth
            pending.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest
