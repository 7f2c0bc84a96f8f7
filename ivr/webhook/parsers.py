"""Reading and writing the webhooks' JSON.

8x8 sends JSON. Lenient in what it accepts: the body is read as JSON
whatever Content-Type says. Anything that is not JSON, including bytes that
are not UTF-8 and nesting deep enough to exhaust Python's recursion limit,
is a ParseError (400) that says what is wrong, never a 500.

orjson reads and writes the common case several times faster than the
standard library; what it refuses but JSON allows (integers beyond 64 bits,
escaped lone surrogates) falls back to the standard library, so it is still
accepted as before.
"""

import json

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer

NOT_JSON = "The request body is not valid JSON: {error}"
NOT_UTF8 = "The request body is not UTF-8 text."
TOO_DEEP = "The request body is nested too deeply."


def _reject_constant(name: str):
    # NaN and Infinity are not JSON; Python's json would accept them.
    raise ValueError(f"{name} is not allowed in JSON")


def json_loads(raw: bytes):
    """Parsed JSON; raises ParseError saying what is wrong."""
    if raw.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark
        raw = raw[3:]
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass  # maybe valid JSON orjson declines: ask the standard library
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(NOT_UTF8) from error
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError as error:
        raise ParseError(TOO_DEEP) from error
    except ValueError as error:
        raise ParseError(NOT_JSON.format(error=error)) from error


def json_dumps(value) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # an integer beyond 64 bits: the standard library can
        return json.dumps(value, ensure_ascii=False).encode()


class WebhookJSONParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return json_loads(stream.read() if stream is not None else b"")


class WebhookJSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else json_dumps(data)


class JSONOnly(BaseContentNegotiation):
    """The webhooks read and answer JSON only, whatever Accept says; DRF's
    negotiation would cost more than the rest of the answer."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
