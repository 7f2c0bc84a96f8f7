"""Phone numbers staff type, in Django: the rule of `core.numbers`
(`read_typed_number`) with the IVR_DEFAULT_COUNTRY setting, and the admin's
form field that shows a converted number before it is saved.

The model field (`models.E164Field`) accepts only numbers in international
form, whatever the setting: a national number is converted only where the
conversion can be shown to whoever typed it (the admin's form field below,
the menu file import's warnings, the simulator's output).
"""

from django import forms
from django.conf import settings

from ivr.core.numbers import TypedNumber, read_typed_number

READ_AS = "Read as {number} ({country}). Check it and save again."


def default_country() -> str:
    """IVR_DEFAULT_COUNTRY, read when called: the country whose national
    numbers staff may type ("SG"), or "" for international form only."""
    return settings.IVR_DEFAULT_COUNTRY


def read_number(text: str) -> TypedNumber:
    """`read_typed_number` of `text` with the configured default country."""
    return read_typed_number(text, default_country=default_country())


class PhoneNumberField(forms.CharField):
    """A phone number typed in the admin, cleaned to E.164.

    A number in international form is cleaned as it is ("+65 6000 1234"
    becomes "+6560001234"). A national number of the default country is not
    saved at once: the submission is refused with the number as read
    (READ_AS) and the field shows the E.164 reading, so saving again, once
    checked, stores it.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        reading = read_number(value)
        if reading.problem:
            raise forms.ValidationError(reading.problem, code="phone_number")
        if reading.converted:
            raise forms.ValidationError(
                READ_AS.format(number=reading.shown, country=reading.country),
                code="phone_number_read_as",
            )
        return reading.e164

    def bound_data(self, data, initial):
        # What the page shows after a refused save: the reading of a
        # converted number, to be checked and saved as it is.
        if isinstance(data, str) and data.strip():
            reading = read_number(data)
            if reading.converted:
                return reading.e164
        return super().bound_data(data, initial)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # Typed with spaces and brackets, a number is longer than it is
        # stored ("+1 (415) 555-0100" is 17 characters): a browser must not
        # cut it at the stored length, dropping its last digits unseen.
        attrs.pop("maxlength", None)
        return attrs


class PhoneNumberFormMixin:
    """For a ModelForm with phone numbers whose model checks that one is
    given: a number the field refused, or showed converted, reaches the
    model blank, and "Enter the number to transfer to." would stand beside
    the message that says what to do."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            for name in list(errors.error_dict):
                field = self.fields.get(name)
                if isinstance(field, PhoneNumberField) and name in self._errors:
                    del errors.error_dict[name]
        super()._update_errors(errors)
