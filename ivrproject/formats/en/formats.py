"""How the admin writes times, wherever a template shows one as it is
(`{{ publication.published_at }}`, a read-only field, a list column).

English's own formats end a time with "a.m." or "p.m.", and a sentence that
ends with one reads "published Nov. 11, 2024, 9:30 a.m.." Times are written
here as the call history writes them (`ivr.admin.display.TIME_FORMAT`): to
the second, 24-hour, with the zone, and never with a period. The other
formats (dates, and what the date and time fields accept) are English's.
"""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
