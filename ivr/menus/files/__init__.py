"""Menus as files: the YAML or JSON that `ivr_import` reads and `ivr_export`
writes. One module per step, each imported from where it lives:

- `format`: the text, YAML or JSON, to plain data and back
  (`menu_file_load`, `menu_file_dump`, `menu_file_format`).
- `fields`: the fields a menu, an option and a number may have, the model
  field each one sets and the kind of value it holds (`MENU_FIELDS`,
  `OPTION_FIELDS`, `NUMBER_FIELDS`).
- `schema`: reading the data into records, with what only a file can get
  wrong (`menu_file_read`; messages such as `UNKNOWN_FIELD`, `WRONG_TYPE`).
- `importer`: the records checked as the admin checks a save and written to
  the database in one transaction (`menu_tree_import`, `ImportSummary`).
- `export`: the database as the data of a file (`menu_tree_export`).
- `problems`: what every step reports (`FileProblem`), all at once
  (`MenuFileError`).

The schema is written by hand, not as DRF serializers. A trial on the option
kept the exact messages only with a custom field for each kind of value
(DRF's own fields take "5" for 5 and "yes" for true), an overridden
`to_internal_value` for unknown fields and code turning nested error dicts
back into `menu "main", option "2", field "x"`, and it still lost problems:
a serializer with any error gives back no values, so `full_clean()` cannot
check the rest of the row in the same run; it runs `validate()` only once
every field is valid, so an option with an unknown field is not also told
that its action does not use another; and it reports fields in the order
they are declared, not the order the file gives them.
"""
