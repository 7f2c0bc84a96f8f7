"""The admin's pages as a browser uses them, for the tests of every admin page.

- `admin_url(model, view, *args)`: the address of one of a model's admin pages.
- `menu_form_data(menu)`: a menu's change form as the admin posts it, with its
  options inline; `add_option` adds a row, `option_row` finds one by its keys.
- `post_menu(client, menu, data)`: saves that form.
- `form_errors(response)`: every error the page shows, by where it shows.
- `SCRIPT`: text that would run if a page did not escape it.
"""

from django.contrib.admin.utils import quote
from django.forms.models import model_to_dict
from django.urls import reverse

from ivr.admin.forms import OPTIONS_PREFIX, MenuForm, MenuOptionForm
from ivr.models import Menu

SCRIPT = "<script>alert(1)</script>"


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_{view}",
        args=[quote(arg) for arg in args],
    )


def menu_form_data(menu: Menu) -> dict:
    """The menu's change form as the admin posts it, options inline."""
    data = _form_values(model_to_dict(menu, fields=MenuForm._meta.fields))
    options = list(menu.options.all()) if menu.pk else []
    data.update(
        {
            f"{OPTIONS_PREFIX}-TOTAL_FORMS": len(options),
            f"{OPTIONS_PREFIX}-INITIAL_FORMS": len(options),
            f"{OPTIONS_PREFIX}-MIN_NUM_FORMS": 0,
            f"{OPTIONS_PREFIX}-MAX_NUM_FORMS": 1000,
        }
    )
    for index, option in enumerate(options):
        values = model_to_dict(option, fields=MenuOptionForm._meta.fields)
        values.update(id=option.pk, menu=menu.pk)
        data.update(_option_values(index, values))
    return data


def add_option(data: dict, **values) -> dict:
    # A select always posts its value: a new row's is the default.
    values.setdefault("on_no_answer", "return")
    index = data[f"{OPTIONS_PREFIX}-TOTAL_FORMS"]
    data[f"{OPTIONS_PREFIX}-TOTAL_FORMS"] = index + 1
    data.update(_option_values(index, values))
    return data


def option_row(data: dict, digits: str) -> str:
    """The form prefix of the option row with these keys."""
    for index in range(data[f"{OPTIONS_PREFIX}-TOTAL_FORMS"]):
        if data.get(f"{OPTIONS_PREFIX}-{index}-digits") == digits:
            return f"{OPTIONS_PREFIX}-{index}-"
    raise KeyError(digits)


def _option_values(index: int, values: dict) -> dict:
    prefixed = {
        f"{OPTIONS_PREFIX}-{index}-{name}": value for name, value in values.items()
    }
    return _form_values(prefixed)


def _form_values(values: dict) -> dict:
    """As a browser posts them: no unchecked boxes, "" for None, and the
    three-way "finish on #" select."""
    data = {}
    for name, value in values.items():
        if name.endswith("complete_on_hash"):
            data[name] = {None: "unknown", True: "true", False: "false"}[value]
        elif value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = "" if value is None else value
    return data


def post_menu(client, menu: Menu, data: dict):
    return client.post(admin_url(Menu, "change", menu.pk), {**data, "_save": "Save"})


def form_errors(response) -> dict:
    """{(where, field): messages} of every error on the menu's page: where is
    "menu" (a menu field), "option" (a field of an option's row) or "options"
    (above the options, field None)."""
    errors = {}
    for field, messages in response.context["adminform"].form.errors.items():
        errors[("menu", field)] = list(messages)
    formset = response.context["inline_admin_formsets"][0].formset
    if formset.non_form_errors():
        errors[("options", None)] = list(formset.non_form_errors())
    for row_errors in formset.errors:
        for field, messages in row_errors.items():
            errors.setdefault(("option", field), []).extend(messages)
    return errors
