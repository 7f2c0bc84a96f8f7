"""The menus, options and numbers in the database as the data of a menu file,
for `format.menu_file_dump` to write; importing it gives back the same rows,
and exporting them again the same bytes."""

from typing import Any

from django.db import models
from django.db.models import Prefetch

from ivr.core.snapshot import keypad_order
from ivr.menus.files.fields import (
    MENU_FIELDS,
    MENU_OPTIONS_FIELD,
    NUMBER_FIELDS,
    OPTION_FIELDS,
    FileField,
    model_default,
    value_to_file,
)
from ivr.models import Menu, MenuOption, Number


def menu_tree_export(*, all_fields: bool = False) -> dict[str, Any]:
    """Every menu, option and number as the plain data of a menu file.

    Menus are in key order, options in keypad order, numbers in number order.
    Values equal to the model defaults are left out, unless `all_fields`;
    `default_menu` is left out when no menu is the default entry.
    """
    options = MenuOption.objects.select_related("target_menu", "no_answer_menu")
    menus = sorted(
        Menu.objects.select_related("exhausted_menu").prefetch_related(
            Prefetch("options", queryset=options)
        ),
        key=lambda menu: menu.key,
    )
    numbers = sorted(Number.objects.select_related("menu"), key=lambda n: n.number)
    data: dict[str, Any] = {}
    default = next((menu.key for menu in menus if menu.is_default), None)
    if default is not None or all_fields:
        data["default_menu"] = default
    data["numbers"] = [_export_row(n, NUMBER_FIELDS, all_fields) for n in numbers]
    data["menus"] = [
        {
            **_export_row(menu, MENU_FIELDS, all_fields),
            MENU_OPTIONS_FIELD: [
                _export_row(option, OPTION_FIELDS, all_fields)
                for option in sorted(
                    menu.options.all(), key=lambda o: keypad_order(o.digits)
                )
            ],
        }
        for menu in menus
    ]
    return data


def _export_row(
    instance: models.Model, fields: tuple[FileField, ...], all_fields: bool
) -> dict[str, Any]:
    row = {}
    # A field the row's choice does not use is written as its default: an
    # older row may still hold a value no call used.
    unused = instance.unused_fields() if hasattr(instance, "unused_fields") else ()
    for spec in fields:
        default = value_to_file(spec, model_default(type(instance), spec.attribute))
        value = (
            default
            if spec.attribute in unused
            else value_to_file(spec, getattr(instance, spec.attribute))
        )
        if all_fields or spec.always or value != default:
            row[spec.name] = value
    return row
