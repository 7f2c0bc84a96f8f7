"""Where a caller is in the menus, carried in the `clientActionId`.

8x8 echoes the clientActionId of our last answer in the next webhook, so the
call's state travels with the call: any app server can answer the next step,
and a restart in the middle of a call loses nothing. The text starts with the
menu key, so it names the menu the caller is in; the rest is only written when
it differs from a fresh entry:

    sales                                 in "sales", no failures, no history
    sales;retry=1;fail=1;back=main        asked again once, came from "main"
    sales;after=transfer                  bridged to a number from "sales"
    sales;v=12                            on version 12 of the published menus

Once menus are published, every answer names the version it was decided
with, so a call that started before a new publication keeps its version to
the end (see `ivr.publishing`).

Menu keys cannot contain ";", "=" or ",", so the parts never collide.
"""

from dataclasses import dataclass, replace

from ..eightbyeight.limits import CLIENT_ACTION_ID_MAX_CHARS

# How many menus "back" remembers; deeper history is dropped oldest first.
BACK_STACK_DEPTH = 5
AFTER_TRANSFER = "transfer"


@dataclass(frozen=True)
class CallState:
    menu: str = ""
    retry: int = 0  # failed attempts so far in this menu
    fail: int = 0  # failed attempts since the caller last chose an option
    back: tuple[str, ...] = ()  # menus the caller came from, oldest first
    after: str = ""  # "transfer": the caller was bridged to a number
    version: int = 0  # the published menus the call runs on; 0: as saved

    def entering(self, menu: str, *, remember_current: bool) -> "CallState":
        """The state on entering `menu` after a valid choice."""
        back = self.back
        if remember_current and self.menu and self.menu != menu:
            back = (*back, self.menu)[-BACK_STACK_DEPTH:]
        return CallState(menu=menu, back=back, version=self.version)

    def failed(self) -> "CallState":
        return replace(self, retry=self.retry + 1, fail=self.fail + 1)


def encode_state(state: CallState) -> str:
    """The clientActionId for `state`, at most 255 characters."""
    back = list(state.back)
    while True:
        parts = [state.menu]
        if state.retry:
            parts.append(f"retry={state.retry}")
        if state.fail:
            parts.append(f"fail={state.fail}")
        if back:
            parts.append("back=" + ",".join(back))
        if state.after:
            parts.append(f"after={state.after}")
        if state.version:
            parts.append(f"v={state.version}")
        text = ";".join(parts)
        if len(text) <= CLIENT_ACTION_ID_MAX_CHARS or not back:
            return text[:CLIENT_ACTION_ID_MAX_CHARS]
        back.pop(0)


def decode_state(text: str | None) -> CallState:
    """The state in a clientActionId. Lenient: a bare menu key (as in 8x8's
    guides, or from an older version of this app) is a fresh entry, and parts
    it does not understand are ignored."""
    menu, *parts = (text or "").split(";")
    values = {}
    for part in parts:
        name, _, value = part.partition("=")
        values[name.strip()] = value.strip()
    back = tuple(key for key in values.get("back", "").split(",") if key)
    return CallState(
        menu=menu.strip(),
        retry=_count(values.get("retry")),
        fail=_count(values.get("fail")),
        back=back[-BACK_STACK_DEPTH:],
        after=values.get("after", ""),
        version=_count(values.get("v"), most=2**31 - 1),
    )


def _count(text: str | None, most: int = 1000) -> int:
    if not (text and text.isascii() and text.isdigit() and len(text) <= 10):
        return 0
    return min(int(text), most)
