"""The admin's menu form and its options formset.

A menu and its options are checked together (`ivr.menus.checks.menu_option_problems`)
so that staff can't save capture settings under which an option could never
be entered. Django validates the menu form before its inline formset, and
neither can see the other, so the work is split:

- `MenuForm` checks its own capture settings (min/max digits, finish on #)
  against the option keys submitted with it, and shows each problem on the
  menu field that causes it;
- `MenuOptionInlineFormSet` checks the options among themselves (the same
  keys twice) and shows that above the options; then, once the menu form
  and every option are valid, it checks the menus as they would be after the
  save (`ivr.menus.checks`, `core.graph`): a change that would break live calls
  is refused, each problem on the option or menu field at fault, else at the
  top of the form; what only looks wrong is kept in `menu_warnings`, which
  the admin shows after saving.
"""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ivr.core.graph import ChangeProblems, Problem
from ivr.menus.checks import menu_option_problems, menu_save_problems
from ivr.menus.phone_numbers import PhoneNumberFormMixin
from ivr.menus.snapshots import option_snapshot
from ivr.menus.voices import VoiceSelect, voice_problem
from ivr.models import Menu, MenuOption, Number

# Django names an inline formset's fields after the relation's related_name.
OPTIONS_PREFIX = "options"


def submitted_option_digits(menu: Menu, data) -> list[str]:
    """The keys of `menu`'s options as they will be once `data` (the admin's
    POST, holding the options formset under OPTIONS_PREFIX) is saved.

    Saved options count unless the POST deletes or changes them, so a menu
    saved without its options formset (a user who may only view options)
    is still checked against the options it has.
    """
    saved = dict(menu.options.values_list("pk", "digits")) if menu.pk else {}
    added = []
    delete = forms.CheckboxInput()
    try:
        total = int(data.get(f"{OPTIONS_PREFIX}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0  # the formset itself reports a broken management form
    for index in range(min(total, 1000)):
        prefix = f"{OPTIONS_PREFIX}-{index}-"
        pk = data.get(f"{prefix}id", "")
        pk = int(pk) if pk.isdigit() else None
        if delete.value_from_datadict(data, {}, f"{prefix}DELETE"):
            saved.pop(pk, None)
            continue
        if f"{prefix}digits" not in data:
            continue  # shown read-only: the saved keys stand
        digits = data[f"{prefix}digits"].strip()
        if pk in saved:
            saved[pk] = digits
        elif digits:
            added.append(digits)
    return [digits for digits in [*saved.values(), *added] if digits]


MENUS_WOULD_BREAK = (
    "Nothing was saved: this change would break live calls. The problems "
    "are shown above."
)
# The form field at fault for a problem, by the snapshot field it names.
PROBLEM_FIELDS = {
    "target": "target_menu",
    "destination": "destination",
    "caller_id": "caller_id",
    "exhausted_target": "exhausted_menu",
    "exhausted_destination": "exhausted_destination",
    "no_answer_target": "no_answer_menu",
    "no_answer_destination": "no_answer_destination",
}

MENU_CHANGED_MEANWHILE = (
    "Someone else saved this menu at {time} since you opened it, so your "
    "changes were not saved. Open the menu again to see theirs, then make "
    "yours."
)


class MenuForm(PhoneNumberFormMixin, forms.ModelForm):
    # When the menu was last saved, as the page was loaded: two staff saving
    # the same menu at once must not mix their edits. The check locks the
    # menu's row for the rest of the admin's transaction, so the second save
    # waits for the first and then sees that the menu changed.
    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Menu
        fields = [
            "key",
            "name",
            "is_active",
            "is_default",
            "prompt",
            "voice_profile",
            "speed",
            "min_digits",
            "max_digits",
            "digit_timeout_ms",
            "overall_timeout_ms",
            "complete_on_hash",
            "tries",
            "invalid_message",
            "no_input_message",
            "max_retries",
            "on_exhausted",
            "exhausted_message",
            "exhausted_destination",
            "exhausted_menu",
        ]
        widgets = {
            "voice_profile": VoiceSelect(),
            "prompt": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "invalid_message": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "no_input_message": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "exhausted_message": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_menu_choices(self, "exhausted_menu")
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.updated_at.isoformat()

    def clean_voice_profile(self):
        return _checked_voice(self, self.cleaned_data["voice_profile"])

    def clean(self):
        cleaned_data = super().clean()
        self._check_not_changed_meanwhile(cleaned_data.get("loaded_version"))
        if cleaned_data.get("is_default"):
            self._check_default_is_free()
        digits = submitted_option_digits(self.instance, self.data)
        problems = menu_option_problems(
            option_digits=digits,
            min_digits=cleaned_data.get("min_digits"),
            max_digits=cleaned_data.get("max_digits"),
            complete_on_hash=cleaned_data.get("complete_on_hash"),
        )
        # "options" (the same keys twice) is the formset's to report.
        problems.pop("options", None)
        for field, messages in problems.items():
            if field in self.fields:
                self.add_error(field, messages)
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        # The options formset is validated after this form, on this same
        # instance: it checks the menus as they would be after the save, and
        # reports menu-wide problems here (MenuOptionInlineFormSet).
        self.instance.menu_form = self

    def _check_default_is_free(self) -> None:
        """Name the menu that is the default entry already, with a link, where
        the database's constraint would only say "another menu"."""
        other = Menu.objects.filter(is_default=True).exclude(pk=self.instance.pk)
        other = other.first()
        if other is not None:
            url = reverse("admin:ivr_menu_change", args=[other.pk])
            link = format_html('<a href="{}">{}</a>', url, str(other))
            self.add_error("is_default", format_html(DEFAULT_TAKEN, menu=link))

    def _check_not_changed_meanwhile(self, loaded: str | None) -> None:
        if not self.instance.pk or not loaded:
            return
        saved = (
            Menu.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("updated_at", flat=True)
            .first()
        )
        if saved is not None and saved.isoformat() != loaded:
            time = timezone.localtime(saved).strftime("%H:%M:%S")
            raise forms.ValidationError(
                MENU_CHANGED_MEANWHILE.format(time=time), code="changed"
            )


NOT_ACTIVE = "{menu} (not active: callers would hear the apology)"
DEFAULT_TAKEN = (
    "{menu} is already the default entry, where calls to numbers not listed "
    "start. Untick “default entry” there first, then tick it here."
)


def problem_links(problems: Iterable[Problem]) -> list[SafeString]:
    """Each problem in plain words, linked to the page where it is fixed:
    the menu (its options, for an option's problem) or the number at fault,
    or the menu list for the default entry."""
    problems = list(problems)
    keys = {p.menu for p in problems if p.menu}
    menus = dict(Menu.objects.filter(key__in=keys).values_list("key", "pk"))
    numbers = {p.number for p in problems if p.number}
    number_ids = dict(
        Number.objects.filter(number__in=numbers).values_list("number", "pk")
    )
    links = []
    for problem in problems:
        if problem.number and problem.number in number_ids:
            url = reverse("admin:ivr_number_change", args=[number_ids[problem.number]])
        elif problem.entry:
            url = reverse("admin:ivr_menu_changelist")
        elif problem.menu in menus:
            url = reverse("admin:ivr_menu_change", args=[menus[problem.menu]])
            if problem.digits is not None:
                url += "#options-group"
        else:
            links.append(format_html("{}", str(problem)))
            continue
        links.append(format_html('<a href="{}">{}</a>', url, str(problem)))
    return links


def menu_choice_label(menu: Menu) -> str:
    """A menu as the drop-downs that choose one name it: inactive ones say so."""
    return str(menu) if menu.is_active else NOT_ACTIVE.format(menu=menu)


def _label_menu_choices(form: forms.ModelForm, *names: str) -> None:
    for name in names:
        if name in form.fields:
            form.fields[name].label_from_instance = menu_choice_label


def _checked_voice(form: forms.ModelForm, voice: str) -> str:
    """`voice`, when it is one of 8x8's voices for this account (or the list
    was never fetched). Checked only when changed: a voice saved before the
    list was fetched must not block every other edit of its menu; the select
    marks it "(not in 8x8's list)" meanwhile."""
    if "voice_profile" in form.changed_data:
        problem = voice_problem(voice)
        if problem:
            raise forms.ValidationError(problem, code="voice_profile")
    return voice


def formfield(db_field, **kwargs):
    # Django 6 reads an address typed without a scheme as https: do so now.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class MenuOptionForm(PhoneNumberFormMixin, forms.ModelForm):
    class Meta:
        formfield_callback = formfield
        model = MenuOption
        fields = [
            "digits",
            "label",
            "action",
            "target_menu",
            "destination",
            "caller_id",
            "record",
            "message",
            "voice_profile",
            "file_url",
            "on_no_answer",
            "no_answer_message",
            "no_answer_menu",
            "no_answer_destination",
        ]
        # One option per table row: keep the inputs narrow.
        widgets = {
            "digits": forms.TextInput(attrs={"size": 4}),
            "label": forms.TextInput(attrs={"size": 12}),
            "destination": forms.TextInput(attrs={"size": 13}),
            "caller_id": forms.TextInput(attrs={"size": 13}),
            "message": forms.Textarea(attrs={"rows": 2, "cols": 28}),
            "voice_profile": VoiceSelect(
                {"data-width": "12em"}, blank_label="the menu's voice"
            ),
            "file_url": forms.URLInput(attrs={"size": 24}),
            "no_answer_message": forms.Textarea(attrs={"rows": 2, "cols": 22}),
            "no_answer_destination": forms.TextInput(attrs={"size": 13}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _label_menu_choices(self, "target_menu", "no_answer_menu")

    def clean_voice_profile(self):
        return _checked_voice(self, self.cleaned_data["voice_profile"])


class MenuOptionInlineFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        # Keys used twice are said once, above the options, in words
        # (checks.DUPLICATE_DIGITS, from clean below); Django's own check
        # would mark every such row with "Please correct the duplicate
        # values below." as well. The database's constraint still holds.
        pass

    def clean(self):
        kept = [
            form.cleaned_data["digits"]
            for form in self.forms
            if form.cleaned_data.get("digits") and not self._should_delete_form(form)
        ]
        problems = menu_option_problems(option_digits=kept).get("options", [])
        super().clean()
        if problems:
            raise ValidationError(problems)
        self._check_menus_after_save()

    # --- The menus as they would be after the save ------------------------------

    # What the admin shows as warnings once the menu is saved.
    menu_warnings: tuple[Problem, ...] = ()

    def _check_menus_after_save(self) -> None:
        menu_form = getattr(self.instance, "menu_form", None)
        kept = [form for form in self.forms if not self._should_delete_form(form)]
        if menu_form is None or menu_form.errors or any(f.errors for f in kept):
            return  # not saved anyway; the errors shown say why
        change = menu_save_problems(
            menu=self.instance, options_after=self._options_after_save
        )
        self.menu_warnings = change.warnings
        if change.refused:
            self._refuse(menu_form, change)

    def _options_after_save(self, saved):
        """The options as this save leaves them: the saved ones, less those
        deleted, with the rows edited or added here. Rows this user may only
        view never change."""
        options = {option.id: option for option in saved}
        added = []
        for form in self.forms:
            row = form.instance.pk
            if self._should_delete_form(form):
                options.pop(row, None)
            elif form.has_changed():
                option = option_snapshot(form.instance)
                if row in options:
                    options[row] = option
                else:
                    added.append(option)
        return (*options.values(), *added)

    def _refuse(self, menu_form, change: ChangeProblems) -> None:
        key = self.instance.key
        menu_wide = False
        for problem in change.refused:
            field = PROBLEM_FIELDS.get(problem.field)
            ours = problem.menu == key and not (problem.number or problem.entry)
            row = self._option_form(problem.digits) if ours else None
            if row is not None and field in row.fields:
                row.add_error(field, problem.message)
                continue
            menu_wide = True
            if ours and problem.digits is None and field in menu_form.fields:
                menu_form.add_error(field, problem.message)
            else:
                # Another menu's option, a number, the default entry: linked
                # to the page where it is fixed.
                menu_form.add_error(None, problem_links([problem])[0])
        if menu_wide:
            # The menu form was found valid before this formset was checked:
            # an error of this formset is what stops the save.
            raise ValidationError(MENUS_WOULD_BREAK, code="breaks_calls")

    def _option_form(self, digits: str | None):
        """The row of the option with these keys; None for none."""
        if digits is None:
            return None
        for form in self.forms:
            deleted = self._should_delete_form(form)
            if not deleted and form.cleaned_data.get("digits") == digits:
                return form
        return None
