"""Finding calls and events by a phone number, in any spelling, as staff
type it in the admin's search and reporting tools in the read API."""

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.lookups import GreaterThanOrEqual, In, LessThan

from ivr.core.numbers import number_endings, number_spellings
from ivr.models import ReversedNumber


def phone_number_query(term: str, fields: Iterable[str], *, endings: bool = False) -> Q:
    """Rows where any of `fields` holds `term` in a spelling a number may be
    stored in (`number_spellings`); with `endings`, also rows where one ends
    with the digits of `term` typed as a local number or a number's last
    digits (`number_endings`: "9123 4567", "4567").

    Each is one lookup of the field's index on the number spelt backwards
    (`ReversedNumber`): equality for a whole number, a range for its last
    digits, which are the first characters of the reversed number. The
    read API's `number` filter takes whole numbers; the admin's search
    takes endings too.
    """
    spellings = [spelling[::-1] for spelling in number_spellings(term)]
    starts = [ending[::-1] for ending in number_endings(term)] if endings else []
    query = Q()
    for field in fields:
        reversed_number = ReversedNumber(field)
        query |= Q(In(reversed_number, spellings))
        for start in starts:
            # Compared byte by byte, the strings that start with "7654" are
            # those from "7654" up to, not including, "7655"; after "7659"
            # comes "765:", ":" being the character after "9".
            stop = start[:-1] + chr(ord(start[-1]) + 1)
            query |= Q(
                GreaterThanOrEqual(reversed_number, start),
                LessThan(reversed_number, stop),
            )
    return query
