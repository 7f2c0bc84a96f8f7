"""The audit history of menus, their options and numbers: who changed what,
when, and a way back.

django-simple-history stores a row for every save and delete of a `Menu`,
`MenuOption` or `Number` (their `history` managers):

- `records`: how a row is made (the change reason, e.g. "imported from
  demo.yaml"); imported by `ivr.models`, so it imports no model.
- `versions`: a menu's history with its options' (newest first, each with its
  field-by-field changes), and the options a version of a menu had, which a
  revert restores.
- `admin`: the admin's history pages and the revert.
"""
