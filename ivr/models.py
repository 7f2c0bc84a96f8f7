"""Menus, their options, the numbers that start them, and the call history.

Field validators and `clean()` hold every limit 8x8 documents (see
`eightbyeight.limits`), so that the admin and the importer refuse, in plain
words beside the field, what 8x8 would reject on a live call.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.db.models.functions import Reverse

from ivr.audit.records import AuditHistory
from ivr.core.decide import Outcome
from ivr.core.numbers import normalize_number, read_typed_number
from ivr.core.snapshot import (
    DEFAULT_INVALID_MESSAGE,
    DEFAULT_NO_INPUT_MESSAGE,
    DEFAULT_VOICE_PROFILE,
    ExhaustedAction,
    NoAnswerAction,
    OptionAction,
)
from ivr.core.state import menu_key_problem
from ivr.eightbyeight import limits
from ivr.menus.phone_numbers import PhoneNumberField

MENU_KEY_MAX_CHARS = 50


def menu_key_validator(value: str) -> None:
    # The rule is the clientActionId's (core.state), stated once there.
    problem = menu_key_problem(value)
    if problem:
        raise ValidationError(problem, code="menu_key")


dtmf_validator = RegexValidator(
    r"^[0-9*#]+\Z",
    "Use only the keypad keys 0-9, * and #.",
)
tts_length_validator = MaxLengthValidator(limits.TTS_MAX_CHARS)

HASH_INSIDE_DIGITS = (
    "# ends the caller's input, so it can only be a choice on its own; "
    "remove it from these keys."
)


def validate_e164(value: str) -> None:
    # International form only, whatever IVR_DEFAULT_COUNTRY says: a national
    # number is converted only where the conversion is shown to whoever
    # typed it (ivr.menus.phone_numbers).
    problem = read_typed_number(value).problem
    if problem:
        raise ValidationError(problem, code="e164")


def validate_tts(value: str) -> None:
    if limits.CONTROL_CHARS_RE.search(value):
        raise ValidationError(
            "Remove the control characters: 8x8 refuses them.", code="tts"
        )


def validate_file_url(value: str) -> None:
    if not limits.FILE_URL_RE.fullmatch(value):
        raise ValidationError(
            "8x8 plays only mp3 and wav files from an http(s) address, "
            "for example https://example.com/hours.mp3.",
            code="file_url",
        )


class E164Field(models.CharField):
    """A phone number, stored as E.164 with a leading "+"; typed in
    international form ("+65 6000 1234"), or in the admin as a national
    number of IVR_DEFAULT_COUNTRY, shown converted before it is saved."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)
        self.validators.append(validate_e164)

    def to_python(self, value):
        # Anything not in international form stays as typed, for
        # validate_e164 to refuse: bare digits given a "+" would be another
        # country's number ("6000 1234" is not "+60001234", in Malaysia).
        value = super().to_python(value)
        if not value:
            return value
        return read_typed_number(value).e164 or value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneNumberField, **kwargs})


# --- Which fields each choice uses --------------------------------------------
# A rule written once: saving clears the fields a choice does not use (the
# admin hides them; a menu file that sets one is refused,
# ivr/menus/files/schema.py), so nothing is kept that no call would ever use.

# Besides digits, label and action, the fields of an option, by its action.
OPTION_FIELDS_BY_ACTION: dict[str, tuple[str, ...]] = {
    OptionAction.MENU: ("target_menu",),
    OptionAction.TRANSFER: (
        "destination",
        "caller_id",
        "record",
        "message",
        "voice_profile",
        "on_no_answer",
        "no_answer_message",
        "no_answer_menu",
        "no_answer_destination",
    ),
    OptionAction.SAY: ("message", "voice_profile", "target_menu"),
    OptionAction.PLAY: ("file_url", "target_menu"),
    OptionAction.REPEAT: (),
    OptionAction.BACK: (),
    OptionAction.HANGUP: ("message", "voice_profile"),
}
# Of those, the ones a transfer not answered uses, by what it does then.
NO_ANSWER_FIELDS_BY_ACTION: dict[str, tuple[str, ...]] = {
    NoAnswerAction.RETURN: (),
    NoAnswerAction.MENU: ("no_answer_menu",),
    NoAnswerAction.TRANSFER: ("no_answer_destination",),
    NoAnswerAction.HANGUP: (),
}
# A menu's fields for when retries run out, beside its message.
EXHAUSTED_FIELDS_BY_ACTION: dict[str, tuple[str, ...]] = {
    ExhaustedAction.HANGUP: (),
    ExhaustedAction.TRANSFER: ("exhausted_destination",),
    ExhaustedAction.MENU: ("exhausted_menu",),
}


def option_fields_used(action: str, on_no_answer: str) -> frozenset[str]:
    """The fields an option of `action` uses beside digits, label and
    action (`on_no_answer` narrows a transfer's)."""
    used = set(OPTION_FIELDS_BY_ACTION.get(action, ()))
    for choice, fields in NO_ANSWER_FIELDS_BY_ACTION.items():
        if choice != on_no_answer:
            used -= set(fields)
    return frozenset(used)


def _clear(instance: models.Model, fields) -> None:
    """Give `fields` of `instance` their defaults (None for a menu link)."""
    for name in fields:
        field = instance._meta.get_field(name)
        setattr(instance, field.attname, field.get_default())


class Menu(models.Model):
    """A prompt read to the caller and the keypad choices it offers."""

    key = models.CharField(
        max_length=MENU_KEY_MAX_CHARS,
        unique=True,
        validators=[menu_key_validator],
        help_text="The name 8x8 echoes back as clientActionId: letters, digits, "
        "“-” and “_”, starting and ending with a letter or digit.",
    )
    name = models.CharField(max_length=100)
    prompt = models.TextField(
        validators=[tts_length_validator, validate_tts],
        help_text="Read to the caller by text to speech (at most 3000 characters).",
    )
    voice_profile = models.CharField(
        max_length=limits.VOICE_PROFILE_MAX_CHARS,
        default=DEFAULT_VOICE_PROFILE,
        help_text="One of 8x8's voices for this account (its speech profile "
        "code, for example en-US-BenjaminRUS).",
    )
    speed = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=[
            MinValueValidator(limits.SPEED_MIN),
            MaxValueValidator(limits.SPEED_MAX),
        ],
        help_text="Speech speed, from 0.5 to 2.",
    )
    min_digits = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(limits.DIGITS_MIN),
            MaxValueValidator(limits.DIGITS_MAX),
        ],
        help_text="Blank: the shortest option.",
    )
    max_digits = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(limits.DIGITS_MIN),
            MaxValueValidator(limits.DIGITS_MAX),
        ],
        help_text="Blank: the longest option.",
    )
    digit_timeout_ms = models.PositiveIntegerField(
        "digit timeout (ms)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120_000)],
        help_text="Blank: 5000.",
    )
    overall_timeout_ms = models.PositiveIntegerField(
        "overall timeout (ms)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600_000)],
        help_text="Time to enter all digits. Blank: 15000. "
        "Must be longer than the digit timeout.",
    )
    complete_on_hash = models.BooleanField(
        "finish on #",
        null=True,
        blank=True,
        help_text="Unknown: finish on # when options differ in length.",
    )
    tries = models.PositiveSmallIntegerField(
        default=1,
        validators=[
            MinValueValidator(limits.TRIES_MIN),
            MaxValueValidator(limits.TRIES_MAX),
        ],
        help_text="How often 8x8 itself repeats the prompt before answering "
        "(1 lets the retries below do it, with their messages).",
    )
    invalid_message = models.TextField(
        default=DEFAULT_INVALID_MESSAGE,
        validators=[tts_length_validator, validate_tts],
    )
    no_input_message = models.TextField(
        default=DEFAULT_NO_INPUT_MESSAGE,
        validators=[tts_length_validator, validate_tts],
    )
    max_retries = models.PositiveSmallIntegerField(
        "retries",
        default=2,
        validators=[MaxValueValidator(9)],
        help_text="How many times the caller is asked again after an invalid "
        "choice or no input.",
    )
    on_exhausted = models.CharField(
        "when retries run out",
        max_length=10,
        choices=[
            (ExhaustedAction.HANGUP, "Say goodbye and hang up"),
            (ExhaustedAction.TRANSFER, "Transfer to a number"),
            (ExhaustedAction.MENU, "Go to another menu"),
        ],
        default=ExhaustedAction.HANGUP,
    )
    exhausted_message = models.TextField(
        blank=True,
        validators=[tts_length_validator, validate_tts],
        help_text="Said first. Blank: a standard goodbye, or “please hold” "
        "before a transfer.",
    )
    exhausted_destination = E164Field(
        "transfer to", blank=True, help_text="For “transfer to a number”."
    )
    exhausted_menu = models.ForeignKey(
        "self",
        verbose_name="go to menu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exhausted_from",
        help_text="For “go to another menu”.",
    )
    is_active = models.BooleanField("active", default=True)
    is_default = models.BooleanField(
        "default entry",
        default=False,
        help_text="Calls to numbers that are not listed start here.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who changed what and when, for the admin's history page and its revert.
    history = AuditHistory()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="ivr_menu_one_default",
                violation_error_message="Another menu is already the default entry.",
            ),
            models.CheckConstraint(
                condition=Q(min_digits__isnull=True)
                | Q(max_digits__isnull=True)
                | Q(min_digits__lte=models.F("max_digits")),
                name="ivr_menu_min_digits_lte_max",
            ),
            models.CheckConstraint(
                condition=Q(digit_timeout_ms__isnull=True)
                | Q(overall_timeout_ms__isnull=True)
                | Q(overall_timeout_ms__gt=models.F("digit_timeout_ms")),
                name="ivr_menu_overall_timeout_gt_digit",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key})"

    def unused_fields(self) -> set[str]:
        """The retries-run-out fields its `on_exhausted` does not use."""
        every = {f for fields in EXHAUSTED_FIELDS_BY_ACTION.values() for f in fields}
        return every - set(EXHAUSTED_FIELDS_BY_ACTION.get(self.on_exhausted, ()))

    def clean(self):
        # What retries-run-out does not use is not kept.
        _clear(self, self.unused_fields())
        errors = {}
        if self.min_digits and self.max_digits and self.min_digits > self.max_digits:
            errors["min_digits"] = "Must not be more than the maximum digits."
        if (
            self.digit_timeout_ms
            and self.overall_timeout_ms
            and self.overall_timeout_ms <= self.digit_timeout_ms
        ):
            errors["overall_timeout_ms"] = (
                "Must be longer than the digit timeout (8x8 requires it)."
            )
        if (
            self.on_exhausted == ExhaustedAction.TRANSFER
            and not self.exhausted_destination
        ):
            errors["exhausted_destination"] = "Enter the number to transfer to."
        if self.on_exhausted == ExhaustedAction.MENU:
            if self.exhausted_menu_id is None:
                errors["exhausted_menu"] = "Choose the menu to go to."
            elif self.pk and self.exhausted_menu_id == self.pk:
                errors["exhausted_menu"] = (
                    "Choose another menu: this one would ask the caller forever."
                )
        if errors:
            raise ValidationError(errors)


class MenuOption(models.Model):
    """A keypad choice in a menu and what it does."""

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="options")
    digits = models.CharField(
        max_length=limits.DIGITS_MAX,
        validators=[dtmf_validator],
        help_text="The keys that choose this option, for example 1, 12 or *.",
    )
    label = models.CharField(max_length=100, blank=True)
    action = models.CharField(
        max_length=10,
        choices=[
            (OptionAction.MENU, "Go to a menu"),
            (OptionAction.TRANSFER, "Transfer to a number"),
            (OptionAction.SAY, "Say a message"),
            (OptionAction.PLAY, "Play an audio file"),
            (OptionAction.REPEAT, "Repeat this menu"),
            (OptionAction.BACK, "Go back"),
            (OptionAction.HANGUP, "Hang up"),
        ],
    )
    target_menu = models.ForeignKey(
        Menu,
        verbose_name="then go to menu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_options",
        help_text="For “go to a menu”; for a message or a file, blank hangs up "
        "afterwards.",
    )
    destination = E164Field("transfer to", blank=True)
    caller_id = E164Field(
        blank=True, help_text="Shown to the person called. Blank: our 8x8 number."
    )
    record = models.BooleanField(
        "record the call", default=False, help_text="8x8 call recording."
    )
    message = models.TextField(
        blank=True,
        validators=[tts_length_validator, validate_tts],
        help_text="Said to the caller (for a message; before a transfer or a "
        "hang-up it is optional).",
    )
    voice_profile = models.CharField(
        "voice",
        max_length=limits.VOICE_PROFILE_MAX_CHARS,
        blank=True,
        help_text="The voice this option's messages are read in. Blank: the "
        "menu's voice.",
    )
    file_url = models.URLField(
        "audio file URL",
        max_length=limits.FILE_URL_MAX_CHARS,
        blank=True,
        validators=[validate_file_url],
        help_text="A public mp3 or wav file of at most 5 MB.",
    )
    # A transfer that does not connect (busy, no answer, rejected).
    on_no_answer = models.CharField(
        "if the transfer is not answered",
        max_length=10,
        choices=[
            (NoAnswerAction.RETURN, "Say sorry, back to this menu"),
            (NoAnswerAction.MENU, "Say sorry, go to a menu"),
            (NoAnswerAction.TRANSFER, "Say sorry, try another number"),
            (NoAnswerAction.HANGUP, "Say sorry, hang up"),
        ],
        default=NoAnswerAction.RETURN,
        help_text="For a transfer: when the number is busy, does not answer "
        "or rejects the call.",
    )
    no_answer_message = models.TextField(
        "sorry message",
        blank=True,
        validators=[tts_length_validator, validate_tts],
        help_text="Said when the transfer is not answered. Blank: “Sorry, "
        "nobody could take your call.”",
    )
    no_answer_menu = models.ForeignKey(
        Menu,
        verbose_name="not answered: go to menu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="no_answer_from",
        help_text="For “go to a menu”.",
    )
    no_answer_destination = E164Field(
        "not answered: try number",
        blank=True,
        help_text="For “try another number”.",
    )
    # Each row keeps `menu_id` (an indexed column without a database
    # constraint), so a menu's history lists its options' changes, even of
    # options since deleted.
    history = AuditHistory()

    class Meta:
        ordering = ["menu", "digits"]
        constraints = [
            models.UniqueConstraint(
                fields=["menu", "digits"],
                name="ivr_menuoption_unique_digits",
                violation_error_message="Another option of this menu uses these keys.",
            ),
            models.CheckConstraint(
                condition=~Q(action=OptionAction.MENU) | Q(target_menu__isnull=False),
                name="ivr_menuoption_menu_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(action=OptionAction.TRANSFER) | ~Q(destination=""),
                name="ivr_menuoption_transfer_has_destination",
            ),
            models.CheckConstraint(
                condition=~Q(action=OptionAction.SAY) | ~Q(message=""),
                name="ivr_menuoption_say_has_message",
            ),
            models.CheckConstraint(
                condition=~Q(action=OptionAction.PLAY) | ~Q(file_url=""),
                name="ivr_menuoption_play_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(on_no_answer=NoAnswerAction.MENU)
                | Q(no_answer_menu__isnull=False),
                name="ivr_menuoption_no_answer_menu_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(on_no_answer=NoAnswerAction.TRANSFER)
                | ~Q(no_answer_destination=""),
                name="ivr_menuoption_no_answer_transfer_has_destination",
            ),
        ]

    def __str__(self):
        return f"{self.digits}: {self.label or self.get_action_display()}"

    def clean(self):
        # What the action does not use is not kept (the admin hides it).
        _clear(self, self.unused_fields())
        errors = {}
        needs = {
            OptionAction.MENU: ("target_menu_id", "target_menu", "Choose the menu."),
            OptionAction.TRANSFER: (
                "destination",
                "destination",
                "Enter the number to transfer to.",
            ),
            OptionAction.SAY: ("message", "message", "Enter the message to say."),
            OptionAction.PLAY: ("file_url", "file_url", "Enter the audio file URL."),
        }
        if self.action in needs:
            attribute, field, message = needs[self.action]
            if not getattr(self, attribute):
                errors[field] = message
        if self.digits and len(self.digits) > 1 and "#" in self.digits:
            errors["digits"] = HASH_INSIDE_DIGITS
        if self.action == OptionAction.TRANSFER:
            errors.update(self._no_answer_errors())
        if errors:
            raise ValidationError(errors)

    def unused_fields(self) -> set[str]:
        """The fields this option's action does not use."""
        every = {f for fields in OPTION_FIELDS_BY_ACTION.values() for f in fields}
        return every - option_fields_used(self.action, self.on_no_answer)

    def _no_answer_errors(self) -> dict:
        if self.on_no_answer == NoAnswerAction.MENU and not self.no_answer_menu_id:
            return {"no_answer_menu": "Choose the menu to go to."}
        if (
            self.on_no_answer == NoAnswerAction.TRANSFER
            and not self.no_answer_destination
        ):
            return {"no_answer_destination": "Enter the number to try."}
        if self.on_no_answer == NoAnswerAction.TRANSFER and normalize_number(
            self.no_answer_destination
        ) == normalize_number(self.destination):
            return {
                "no_answer_destination": "Enter another number: this is the "
                "one that did not answer."
            }
        return {}


class Number(models.Model):
    """An 8x8 virtual number and the menu an inbound call to it starts in."""

    number = E164Field(unique=True)
    menu = models.ForeignKey(Menu, on_delete=models.PROTECT, related_name="numbers")
    label = models.CharField(max_length=100, blank=True)
    history = AuditHistory()

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return self.number


# What the app made of an event (`ivr.core.decide.Outcome`), in staff's words.
OUTCOME_LABELS = {
    Outcome.ENTERED_MENU: "Entered menu",
    Outcome.CHOSE_OPTION: "Chose option",
    Outcome.INVALID_INPUT: "Invalid input",
    Outcome.NO_INPUT: "No input",
    Outcome.RETRIES_EXHAUSTED: "Retries exhausted",
    Outcome.CALL_ENDED: "Call ended after transfer",
    Outcome.TRANSFER_FAILED: "Transfer not answered",
    Outcome.FALLBACK: "Fallback",
    Outcome.ERROR: "Error",
}
OUTCOME_CHOICES = [(outcome.value, OUTCOME_LABELS[outcome]) for outcome in Outcome]


class ReversedNumber(Reverse):
    """A phone number column spelt backwards, compared byte by byte.

    The call history is searched by a number's last digits ("4567"), which
    are the first characters of the number reversed: an index on this
    expression finds them with a range scan (`ivr.menus.snapshots`), and finds
    whole numbers by equality, so one index a column serves both. Bytewise
    ("C" collation on PostgreSQL; SQLite's default) so that the range of
    strings starting with "7654" is exactly ["7654", "7655") whatever the
    database's collation, which may order or ignore punctuation otherwise.

    On SQLite, REVERSE is a function Django registers on each connection:
    the sqlite3 shell can read the tables but not write the events.
    """

    output_field = models.CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = self.as_sql(compiler, connection, **extra_context)
        return f'({sql} COLLATE "C")', params


class Call(models.Model):
    """One call (an 8x8 session), summarising its events."""

    session_id = models.CharField(max_length=100, primary_key=True)
    sub_account_id = models.CharField(max_length=100, blank=True)
    direction = models.CharField(max_length=20, blank=True)
    caller = models.CharField(max_length=100, blank=True)
    number_called = models.CharField("our number", max_length=100, blank=True)
    started_at = models.DateTimeField("started", null=True)
    last_event_at = models.DateTimeField("last event", null=True)
    event_count = models.PositiveIntegerField(default=0)
    first_menu_key = models.CharField("first menu", max_length=100, blank=True)
    last_menu_key = models.CharField("last menu", max_length=100, blank=True)
    last_outcome = models.CharField(max_length=20, blank=True, choices=OUTCOME_CHOICES)
    # The rest comes from 8x8's Session Summary and Call Status events, as
    # `ivr.history.calls` folds them in.
    status = models.CharField(
        max_length=30, blank=True, help_text="From 8x8's Session Summary."
    )
    ended_at = models.DateTimeField("ended", null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(
        "duration (s)",
        null=True,
        blank=True,
        help_text="From start to end of the session, as 8x8 reports them.",
    )
    # Database defaults too: ivr/history/call_row.py inserts calls in hand-written SQL
    # that names only the columns it knows.
    last_action = models.CharField(
        max_length=30,
        blank=True,
        default="",
        db_default="",
        help_text="The last callflow action 8x8 ran.",
    )
    leg_count = models.PositiveSmallIntegerField("legs", default=0, db_default=0)
    summary_received_at = models.DateTimeField("summary received", null=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # The admin's list, newest first, read from the index.
            models.Index(fields=["started_at", "session_id"], name="ivr_call_started"),
            # The list's filters: both columns are set once per call, so the
            # per-event update of a call stays a cheap in-place (HOT) update.
            models.Index(
                fields=["direction", "started_at", "session_id"],
                name="ivr_call_direction_started",
            ),
            models.Index(
                fields=["status", "started_at", "session_id"],
                name="ivr_call_status_started",
            ),
            # Searches by phone number, whole or by its last digits.
            models.Index(ReversedNumber("caller"), name="ivr_call_caller_reversed"),
            models.Index(
                ReversedNumber("number_called"), name="ivr_call_called_reversed"
            ),
            # Errors are rare: a partial index keeps the admin's "8x8 error"
            # filter an index lookup at a few bytes per failed call.
            models.Index(
                fields=["error_code"],
                condition=Q(error_code__isnull=False),
                name="ivr_call_error_code",
            ),
        ]

    def __str__(self):
        return self.session_id


class CallLeg(models.Model):
    """One leg of a call (the caller's, a transfer's), as 8x8 reported it.

    Rebuilt by `ivr.history.calls` from the call's stored Session Summary and
    Call Status events; never edited by hand.
    """

    call = models.ForeignKey(
        Call,
        on_delete=models.CASCADE,
        related_name="legs",
        # Like CallEvent's: no database constraint, so that purging old
        # calls in batches never waits on a foreign key check. The unique
        # constraint below starts with this column and serves as its index.
        db_constraint=False,
        db_index=False,
    )
    call_leg_id = models.CharField(
        "call id",
        max_length=100,
        help_text="8x8's callId; the leg's key in the summary (callA) without one.",
    )
    direction = models.CharField(max_length=20, blank=True)
    call_type = models.CharField(max_length=20, blank=True)
    source = models.CharField("from", max_length=100, blank=True)
    destination = models.CharField("to", max_length=100, blank=True)
    status = models.CharField(max_length=30, blank=True)
    initiated_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(
        null=True, blank=True, help_text="Blank: never answered."
    )
    disconnected_at = models.DateTimeField("disconnected", null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(
        "duration (s)", null=True, blank=True, help_text="Connected time."
    )
    mos = models.FloatField("MOS", null=True, blank=True)
    jitter_ms = models.FloatField("jitter (ms)", null=True, blank=True)
    packet_loss_rate = models.FloatField(
        "packet loss", null=True, blank=True, help_text="A fraction: 0.01 is 1 %."
    )
    in_summary = models.BooleanField(
        "in 8x8's summary",
        default=False,
        help_text="Described by a Session Summary, which is final; otherwise "
        "only by Call Status events.",
    )

    class Meta:
        ordering = [models.F("initiated_at").asc(nulls_last=True), "call_leg_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "call_leg_id"], name="ivr_callleg_unique_call_leg"
            ),
            models.CheckConstraint(
                condition=Q(mos__isnull=True) | Q(mos__gte=1, mos__lte=5),
                name="ivr_callleg_mos_range",
            ),
            models.CheckConstraint(
                condition=Q(jitter_ms__isnull=True) | Q(jitter_ms__gte=0),
                name="ivr_callleg_jitter_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(packet_loss_rate__isnull=True)
                | Q(packet_loss_rate__gte=0, packet_loss_rate__lte=1),
                name="ivr_callleg_packet_loss_range",
            ),
        ]

    def __str__(self):
        return self.call_leg_id


class CallEvent(models.Model):
    """One webhook request from 8x8, as received and as answered.

    Never edited: the admin shows it read-only. The menu and option keep
    their key and digits as text, so the history stays readable after a
    menu is changed or deleted.
    """

    # Unique through Meta.constraints: `unique=True` would add a second,
    # pattern-matching index that no query uses and every insert pays for.
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=30)
    call = models.ForeignKey(
        Call,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        db_constraint=False,
        db_index=False,  # indexed with the time in Meta.indexes
    )
    call_leg_id = models.CharField("call id", max_length=100, blank=True)
    session_id = models.CharField(max_length=100, blank=True)
    sub_account_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=30, blank=True)
    direction = models.CharField(max_length=20, blank=True)
    call_type = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=100, blank=True)
    destination = models.CharField(max_length=100, blank=True)
    digits = models.CharField(max_length=100, blank=True)
    client_action_id = models.CharField(max_length=255, blank=True)
    sip_code = models.IntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField("time")
    received_at = models.DateTimeField("received", auto_now_add=True)
    payload = models.JSONField(help_text="The whole request body, as received.")
    response = models.JSONField(
        null=True, blank=True, help_text="Exactly what was answered."
    )
    menu = models.ForeignKey(
        Menu, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    menu_key = models.CharField("menu", max_length=100, blank=True)
    option = models.ForeignKey(
        MenuOption, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    option_digits = models.CharField("option", max_length=100, blank=True)
    outcome = models.CharField(max_length=20, blank=True, choices=OUTCOME_CHOICES)
    error = models.TextField(blank=True)
    # Database default too: ivr/history/store.py inserts events in hand-written SQL.
    failed_transfer_to = models.CharField(
        "transfer not answered by",
        max_length=100,
        blank=True,
        default="",
        db_default="",
        help_text="The number a transfer called that did not connect.",
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"], name="ivr_callevent_unique_event_id"
            ),
        ]
        # The admin lists events newest first, filtered by one of these
        # columns or not at all: each index serves one filter and the order,
        # so a page is read from an index, never sorted. Every index costs
        # each webhook's insert a little: keep this list short.
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="ivr_event_time"),
            models.Index(
                fields=["outcome", "occurred_at", "id"], name="ivr_event_outcome_time"
            ),
            models.Index(
                fields=["menu_key", "occurred_at", "id"], name="ivr_event_menu_time"
            ),
            models.Index(
                fields=["event_type", "occurred_at", "id"], name="ivr_event_type_time"
            ),
            models.Index(
                fields=["direction", "occurred_at", "id"],
                name="ivr_event_direction_time",
            ),
            # A call's events in order; also finds them by session id (the
            # call's key), and serves deleting a call.
            models.Index(fields=["call", "occurred_at"], name="ivr_event_call"),
            # Searches by phone number, whole or by its last digits.
            models.Index(ReversedNumber("source"), name="ivr_event_source_reversed"),
            models.Index(
                ReversedNumber("destination"), name="ivr_event_destination_reversed"
            ),
            models.Index(fields=["call_leg_id"], name="ivr_event_call_leg"),
        ]

    def __str__(self):
        return self.event_id


class MenuTreeVersion(models.Model):
    """A single row whose token changes whenever a menu, option or number
    does, so every app process can tell cheaply that its in-memory snapshot
    of the menus is stale. A random token, not a counter: a rolled-back
    change must never make an old token current again."""

    token = models.UUIDField()
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "menu tree version"

    def __str__(self):
        return str(self.token)


class Publication(models.Model):
    """A published version of the whole menu tree: what callers hear.

    Once anything is published, edits to menus, options and numbers are a
    draft until the next publication, so a half-finished change to several
    menus never reaches a caller; a call keeps the version it started with
    (see `ivr.menus.publishing`). A rollback publishes an earlier version's menus
    again as a new version, so versions only ever go up.
    """

    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ivr_publications",
    )
    note = models.CharField(max_length=200, blank=True)
    # The menus as `ivr.core.snapshot.snapshot_to_dict` writes them.
    snapshot = models.JSONField()
    restored_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="rolled back to",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = "published version"

    def __str__(self):
        return f"Version {self.pk}"


class VoiceProfile(models.Model):
    """A voice 8x8 offers this account (a speech profile), as
    `manage.py ivr_8x8_voices` last fetched them; menus choose theirs from
    this list once it is fetched (`ivr.menus.voices`)."""

    code = models.CharField(
        max_length=limits.VOICE_PROFILE_MAX_CHARS,
        unique=True,
        help_text="What a menu's voice is set to, for example en-US-BenjaminRUS.",
    )
    locale_code = models.CharField("language code", max_length=50)
    locale_description = models.CharField("language", max_length=100)
    gender = models.CharField(max_length=20, blank=True)
    fetched_at = models.DateTimeField("fetched from 8x8")

    class Meta:
        ordering = ["locale_code", "code"]
        verbose_name = "voice"

    def __str__(self):
        return self.code
