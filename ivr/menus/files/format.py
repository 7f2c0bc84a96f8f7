"""A menu file's text: YAML or JSON in, plain data out, and back.

What the data holds is checked by `ivr.menus.files.schema`; this module only
makes sure the text means one thing (a key given twice is refused, not read
as its last value) and that the same data is always written as the same
bytes.
"""

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import yaml

from ivr.menus.files.fields import QUOTED_FIELDS
from ivr.menus.files.problems import FileProblem, MenuFileError, value_described

YAML = "yaml"
JSON = "json"
FILE_FORMATS = (YAML, JSON)

NOT_YAML = "The file is not valid YAML: {problem} (line {line}, column {column})."
# PyYAML's words when a value starts with "*" (an alias) or "&" (an anchor).
YAML_ALIAS_PROBLEM = "expected alphabetic or numeric character"
YAML_QUOTE_HINT = ' In YAML, quote keys such as "*" and "#": digits: "*".'
NOT_JSON = "The file is not valid JSON: {problem} (line {line}, column {column})."
DUPLICATE_KEY = "“{key}” is given twice in one mapping"
NOT_A_MAPPING = (
    "The file must be a mapping with “menus” (and optionally “numbers” and "
    "“default_menu”), not {given}."
)
EMPTY_FILE = "an empty file"


def menu_file_format(name: str) -> str | None:
    """The format a file name says (YAML or JSON); None when it says neither,
    for example "-" for standard input."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return JSON
    if lowered.endswith((".yaml", ".yml")):
        return YAML
    return None


def menu_file_load(*, text: str, file_format: str | None = None) -> dict[str, Any]:
    """The mapping in a menu file's `text`, parsed as `file_format`, or as JSON
    when it starts with "{" and as YAML otherwise.

    Raises MenuFileError when the text is not valid in that format, or holds
    something other than a mapping. The mapping is not checked further:
    `menu_tree_import` does that.
    """
    if file_format is None:
        file_format = JSON if text.lstrip().startswith("{") else YAML
    data = _json_load(text) if file_format == JSON else _yaml_load(text)
    if not isinstance(data, dict):
        given = EMPTY_FILE if data is None else value_described(data)
        raise MenuFileError([FileProblem(NOT_A_MAPPING.format(given=given))])
    return data


def menu_file_dump(*, data: dict[str, Any], file_format: str = YAML) -> str:
    """`data` (from `menu_tree_export`) as the text of a menu file.

    Deterministic: the same data gives the same bytes. Option digits and
    phone numbers are always quoted, so YAML never reads them back as
    integers.
    """
    if file_format == JSON:
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=False,
    )


def _repeated(keys: Iterable[Any]) -> Any | None:
    """The first of `keys` given more than once; None when there is none."""
    return next((key for key, count in Counter(keys).items() if count > 1), None)


class _DuplicateKeyError(ValueError):
    pass


def _json_load(text: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
        repeated = _repeated(key for key, _ in pairs)
        if repeated is not None:
            raise _DuplicateKeyError(DUPLICATE_KEY.format(key=repeated))
        return dict(pairs)

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as error:
        message = NOT_JSON.format(
            problem=error.msg, line=error.lineno, column=error.colno
        )
    except _DuplicateKeyError as error:
        message = f"The file is not valid JSON: {error}."
    raise MenuFileError([FileProblem(message)])


class _YamlInt(int):
    """An integer read from YAML that remembers how it was written."""

    text: str


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that an integer remembers its text, so an
    unquoted key written 01 or a number written +6531581234 reads back as
    written where text is expected, and a key given twice in one mapping is
    an error rather than silently the last one."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            repeated = _repeated(
                key.value
                for key, _ in node.value
                if isinstance(key, yaml.ScalarNode) and key.value != "<<"
            )
            if repeated is not None:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    DUPLICATE_KEY.format(key=repeated),
                    node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    value = _YamlInt(loader.construct_yaml_int(node))
    value.text = node.value
    return value


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def _yaml_load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        if mark is None:
            message = f"The file is not valid YAML: {problem}."
        else:
            message = NOT_YAML.format(
                problem=problem, line=mark.line + 1, column=mark.column + 1
            )
        if YAML_ALIAS_PROBLEM in problem:
            message += YAML_QUOTE_HINT
    raise MenuFileError([FileProblem(message)])


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line text as
    literal blocks, keys and phone numbers in double quotes."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


def _represent_mapping(dumper: _Dumper, data: dict) -> yaml.MappingNode:
    pairs = []
    for key, value in data.items():
        if key in QUOTED_FIELDS and isinstance(value, str):
            node = dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
        else:
            node = dumper.represent_data(value)
        pairs.append((dumper.represent_data(key), node))
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)


def _represent_text(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(dict, _represent_mapping)
_Dumper.add_representer(str, _represent_text)
