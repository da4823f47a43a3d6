"""DRF's content negotiation, with a `?format=` that no renderer of the view has refused as such."""

from __future__ import annotations

from collections.abc import Iterable

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


class ContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers: Iterable[BaseRenderer], format: str) -> list[BaseRenderer]:
        # DRF answers 404, as for a `.xml` suffix on a path; here the path exists and the format is
        # a query parameter, so it is the representation that is missing: 406, like a bad Accept.
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            raise exceptions.NotAcceptable("The endpoint has no representation in the requested format.")
        return matching
