"""The request parser for 8x8's webhooks.

8x8 sends JSON. Lenient in what it accepts: the body is read as JSON
whatever Content-Type says. Anything that is not JSON, including bytes that
are not UTF-8 and nesting deep enough to exhaust Python's recursion limit,
is a ParseError (400) that says what is wrong, never a 500.
"""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

NOT_JSON = "The request body is not valid JSON: {error}"
NOT_UTF8 = "The request body is not UTF-8 text."
TOO_DEEP = "The request body is nested too deeply."


def _reject_constant(name: str):
    # NaN and Infinity are not JSON; Python's json would accept them.
    raise ValueError(f"{name} is not allowed in JSON")


class WebhookJSONParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError(NOT_UTF8) from error
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except RecursionError as error:
            raise ParseError(TOO_DEEP) from error
        except ValueError as error:
            raise ParseError(NOT_JSON.format(error=error)) from error
