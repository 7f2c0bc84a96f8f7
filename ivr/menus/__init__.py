"""The menus staff build, beside their models (`ivr.models`): reading them
for calls, checking a change, menu files, publishing.

- `snapshots`: the menus as a plain snapshot for the decision code, with the
  fallback from the settings, and the menus' version token;
- `signals`: any change to a menu, option or number changes that token;
- `checks`: every check on menus, in one place (and where the field and row
  checks live);
- `files`: the YAML/JSON menu files (`ivr_import`, `ivr_export`);
- `publishing`: published versions, rollback, discarding the draft;
- `voices`: 8x8's voices for this account, offered and checked;
- `phone_numbers`: the rule for a number staff type, in forms.
"""
