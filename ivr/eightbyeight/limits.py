"""8x8's documented limits on callflow actions.

Sources are in `voice-api-reference.md` §3 and the response schema; the
models validate against these same numbers so staff cannot save a menu that
8x8 would reject with a -1xxx status or a -2003 session error.
"""

import re

TTS_MAX_CHARS = 3000
VOICE_PROFILE_MAX_CHARS = 100
SPEED_MIN = 0.5
SPEED_MAX = 2.0
REPETITION_MIN = 1
REPETITION_MAX = 3
DIGITS_MIN = 1
DIGITS_MAX = 25
TRIES_MIN = 1
TRIES_MAX = 10
# What we send as clientActionId: 8x8 documents no character set or length,
# but every example in its documentation uses only letters, digits, "_" and
# "-", and it has a status code for special characters (-1016). At most 100
# characters is our own choice: 8x8's examples are far shorter.
CLIENT_ACTION_ID_MAX_CHARS = 100
CLIENT_ACTION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# What we accept back: ids of the form sent before (up to 255 characters,
# with ";", "=" and ","), so calls in progress during a deploy go on.
CLIENT_ACTION_ID_ACCEPTED_CHARS = 255
FILE_URL_MAX_CHARS = 2048
MAKE_CALLS_MAX = 2

# Patterns are used with fullmatch(): "$" alone would accept a trailing newline.
# E.164 as 8x8 accepts it: an optional "+", then 7 to 15 digits, no leading 0.
E164_RE = re.compile(r"^\+?[1-9][0-9]{6,14}$")
# playFile takes a public http(s) URL of an mp3 or wav file.
FILE_URL_RE = re.compile(r"^https?://[^\s]+\.([Mm][Pp]3|[Ww][Aa][Vv])([?#][^\s]*)?$")
DTMF_RE = re.compile(r"^[0-9*#]+$")
# 8x8 answers -1016 "Some special characters are invalid" for some content;
# control characters are the ones no prompt ever needs.
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
