"""The audit history of menus, their options and numbers: who changed what,
when, and a way back.

django-simple-history stores a row for every save and delete of a `Menu`,
`MenuOption` or `Number` (their `history` managers):

- `records`: how a row is made (the change reason, e.g. "imported from
  demo.yaml"); imported by `ivr.models`, so it imports no model.
- `versions`: a menu's history with its options' and a number's (newest
  first, each with its field-by-field changes, saves that changed nothing
  left out), and the options a version of a menu had.
- `restore`: the writes that take a menu or a number back, to a version
  (revert) or to before one change (undo), checked as any save is.
- `admin`: the admin's history pages, a version's read-only page with its
  Revert, and the undo page.
"""
