"""Where calls can go: the menus as a graph, and what in it would break a call.

`menu_graph(snapshot)` follows the menus exactly as `decide` does and returns
plain data: the nodes (where calls start, the menus, and the end points a
call reaches: a transfer, a hang-up, a message or a file and then a hang-up),
the edges between them (the options by their keys, "a wrong key or none: ask
again", "retries used up: ..."), and the problems, each with a severity:

- BLOCKING, would break a live call: a path to a menu that is missing or
  not active (the caller hears the apology), a transfer without a valid
  E.164 number, a call that starts in a menu that is missing or not active;
- WARNING, works but is probably a mistake: an active menu no call can reach,
  an active menu from which no path ever ends the call (menus sending
  callers round in circles), an active menu without options.

Menus that are not active are parked: only paths *into* them are problems.

`change_problems(before, after)` compares two snapshots, so that a change
(an admin save, a deletion, an import) is refused only for the problems it
brings, and a problem made earlier never blocks fixing another one.

Pure: no database, no settings, no Django.
"""

from collections import defaultdict, deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ivr.core.capture import capture_for
from ivr.core.numbers import read_typed_number
from ivr.core.prompts import keys_mentioned, keys_offered
from ivr.core.snapshot import (
    ExhaustedAction,
    IvrSnapshot,
    MenuSnapshot,
    NoAnswerAction,
    OptionAction,
)
from ivr.core.state import menu_key_problem


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"


class ProblemKind(StrEnum):
    TARGET_MISSING = "target_missing"  # a path to a menu that does not exist
    TARGET_INACTIVE = "target_inactive"  # a path to a menu that is not active
    BAD_TRANSFER = "bad_transfer"  # a transfer without a valid number
    ENTRY_MISSING = "entry_missing"  # calls start in a menu that does not exist
    ENTRY_INACTIVE = "entry_inactive"  # calls start in a menu that is not active
    UNREACHABLE = "unreachable"
    NO_EXIT = "no_exit"
    DEAD_END = "dead_end"
    NO_ENTRY = "no_entry"  # no default entry and no number: calls reach nothing
    HASH_NOT_SAID = "hash_not_said"  # callers must press # but are not told
    KEY_NOT_SAID = "key_not_said"  # an option the prompt never mentions
    KEY_WITHOUT_OPTION = "key_without_option"  # the prompt offers a key no option has
    KEYS_OVERLAP = "keys_overlap"  # one option's keys start another's: 1 and 12
    KEY_NOT_SAFE = "key_not_safe"  # a key saved before ids were restricted


SEVERITY = {
    ProblemKind.TARGET_MISSING: Severity.BLOCKING,
    ProblemKind.TARGET_INACTIVE: Severity.BLOCKING,
    ProblemKind.BAD_TRANSFER: Severity.BLOCKING,
    ProblemKind.ENTRY_MISSING: Severity.BLOCKING,
    ProblemKind.ENTRY_INACTIVE: Severity.BLOCKING,
    ProblemKind.UNREACHABLE: Severity.WARNING,
    ProblemKind.NO_EXIT: Severity.WARNING,
    ProblemKind.DEAD_END: Severity.WARNING,
    ProblemKind.NO_ENTRY: Severity.WARNING,
    ProblemKind.HASH_NOT_SAID: Severity.WARNING,
    ProblemKind.KEY_NOT_SAID: Severity.WARNING,
    ProblemKind.KEY_WITHOUT_OPTION: Severity.WARNING,
    ProblemKind.KEYS_OVERLAP: Severity.WARNING,
    ProblemKind.KEY_NOT_SAFE: Severity.WARNING,
}

# What staff read, in the admin and from ivr_import; tests assert these.
TARGET_NOT_CHOSEN = "Goes to a menu, but no menu is chosen."
TARGET_MISSING = "Goes to menu “{target}”, which does not exist."
TARGET_INACTIVE = (
    "Goes to menu “{target}”, which is not active: callers would hear the "
    "apology instead."
)
TRANSFER_NO_NUMBER = "Transfers the caller, but no number is given."
TRANSFER_BAD_NUMBER = (
    "Transfers to “{number}”, which is not a phone number in international "
    "(E.164) form, such as +6531581234."
)
CALLER_ID_BAD_NUMBER = (
    "Shows “{number}” as caller ID, which is not a phone number in "
    "international (E.164) form: the transfer would fail."
)
ENTRY_MISSING = "Calls start in menu “{target}”, which does not exist."
ENTRY_INACTIVE = (
    "Calls start in menu “{target}”, which is not active: callers would hear "
    "the apology instead."
)
UNREACHABLE = (
    "No call can reach this menu: no number, default entry, option or "
    "“retries used up” leads to it."
)
NO_EXIT = (
    "No path from this menu ever ends the call: every option leads back to "
    "menus, never to a transfer, a hang-up or an end."
)
DEAD_END = "This menu has no options: every key the caller presses is wrong."
NO_ENTRY = (
    "No menu is the default entry and no number has a menu: no call reaches any menu."
)
HASH_NOT_SAID = (
    "Its options have keys of different lengths, so callers end their choice "
    "with #, but the prompt never says so: add “then press hash” to it."
)
KEY_NOT_SAFE = (
    "Its key “{key}” was saved before keys were limited to what 8x8's "
    "clientActionId takes. Calls still work (the key is sent encoded); rename "
    "it when you next edit the menu. {why}"
)
KEY_NOT_SAID = (
    "The prompt never mentions key {digits}: callers will not know to press it."
)
KEY_WITHOUT_OPTION = (
    "The prompt offers key {key}, but no option has it: callers who press it "
    "hear “not a valid choice”."
)
KEYS_OVERLAP = (
    "Keys {short} and {long} overlap: a caller who wants {long} must not stop "
    "after {short}. Keys of one length (such as 1 and 2, or 11 and 12) are "
    "easier."
)
# Words a prompt may use to tell callers about the # key.
HASH_WORDS = ("#", "hash", "pound", "square")


class NodeKind(StrEnum):
    ENTRY = "entry"  # where calls start: a number, or the default entry
    MENU = "menu"
    MISSING = "missing"  # a menu that is named but does not exist
    TRANSFER = "transfer"
    HANGUP = "hangup"
    MESSAGE = "message"  # a message, then hang up
    FILE = "file"  # an audio file, then hang up


# The end points: a call that gets there is over (or with someone else).
EXITS = frozenset({NodeKind.TRANSFER, NodeKind.HANGUP, NodeKind.MESSAGE, NodeKind.FILE})


class EdgeKind(StrEnum):
    ENTRY = "entry"  # a call starts here
    OPTION = "option"  # the caller pressed the option's keys
    BACK = "back"  # "go back": to a menu the caller may have come from
    RETRY = "retry"  # a wrong key or none: asked again
    EXHAUSTED = "exhausted"  # retries used up
    NO_ANSWER = "no_answer"  # from a transfer that did not connect


@dataclass(frozen=True)
class Node:
    id: str
    kind: NodeKind
    label: str
    menu: str | None = None  # the menu's key (menus, missing menus)
    active: bool = True
    detail: str = ""  # what the caller hears there: a message, a file's URL


@dataclass(frozen=True)
class Edge:
    source: str  # node ids
    target: str
    kind: EdgeKind
    digits: str = ""  # the option's keys
    label: str = ""
    action: OptionAction | None = None  # the option's action


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: `menu` with `digits` names an option,
    `menu` alone the menu (with `field` "exhausted_*" its retries-used-up
    path), `number` a number's entry, `entry` alone the default entry."""

    kind: ProblemKind
    message: str = field(compare=False)
    menu: str | None = None
    digits: str | None = None
    # The snapshot field at fault: target, destination, caller_id,
    # no_answer_target, no_answer_destination, exhausted_target,
    # exhausted_destination, active.
    field: str | None = None
    target: str | None = None  # the menu or number pointed at
    number: str | None = None
    entry: bool = False  # about where calls start

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.BLOCKING

    @property
    def where(self) -> str:
        if self.number:
            return f"Number {self.number}"
        if self.entry:
            return "The default entry"
        if self.menu is None:
            return ""
        if self.digits is not None and (self.field or "").startswith("no_answer"):
            return (
                f"Menu “{self.menu}”, option {self.digits}, "
                "when the transfer is not answered"
            )
        if self.digits is not None:
            return f"Menu “{self.menu}”, option {self.digits}"
        if self.field and self.field.startswith("exhausted"):
            return f"Menu “{self.menu}”, when retries run out"
        return f"Menu “{self.menu}”"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass(frozen=True)
class MenuGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    problems: tuple[Problem, ...]  # blocking first

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.blocking)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.blocking)

    def menus_with(self, kind: ProblemKind) -> frozenset[str]:
        """The keys of the menus that have a problem of this kind."""
        return frozenset(p.menu for p in self.problems if p.kind == kind and p.menu)


def menu_node_id(key: str) -> str:
    return f"menu:{key}"


def menu_graph(snapshot: IvrSnapshot) -> MenuGraph:
    """The menus of `snapshot` as nodes, edges and problems (see the module
    docstring). Deterministic: menus in key order, options as listed."""
    return _Builder(snapshot).build()


class _Builder:
    def __init__(self, snapshot: IvrSnapshot):
        self.snapshot = snapshot
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.problems: list[Problem] = []
        # The menu whose option made each transfer: a call reaches what a
        # transfer's "not answered" path leads to from that menu.
        self.transfer_menus: dict[str, str] = {}

    def build(self) -> MenuGraph:
        menus = [self.snapshot.menus[key] for key in sorted(self.snapshot.menus)]
        for menu in menus:
            self._add(
                Node(
                    menu_node_id(menu.key),
                    NodeKind.MENU,
                    menu.name or menu.key,
                    menu=menu.key,
                    active=menu.active,
                    detail=menu.prompt,
                )
            )
        self._entries()
        for menu in menus:
            self._options(menu)
            self._failures(menu)
        self._back_edges(menus)
        self._warnings(menus)
        problems = sorted(self.problems, key=lambda p: not p.blocking)
        return MenuGraph(tuple(self.nodes.values()), tuple(self.edges), tuple(problems))

    def _add(self, node: Node) -> str:
        self.nodes.setdefault(node.id, node)
        return node.id

    # --- Where calls start -----------------------------------------------------

    def _entries(self) -> None:
        entries = []
        if self.snapshot.default_menu is not None:
            entries.append(("entry:default", "Numbers not listed", None))
        for number in sorted(self.snapshot.numbers):
            entries.append((f"entry:{number}", f"Calls to {number}", number))
        for node_id, label, number in entries:
            key = (
                self.snapshot.numbers[number] if number else self.snapshot.default_menu
            )
            self._add(Node(node_id, NodeKind.ENTRY, label))
            target = self._menu_target(key)
            self.edges.append(Edge(node_id, target, EdgeKind.ENTRY))
            menu = self.snapshot.menus.get(key)
            if menu is None:
                kind, text = ProblemKind.ENTRY_MISSING, ENTRY_MISSING
            elif not menu.active:
                kind, text = ProblemKind.ENTRY_INACTIVE, ENTRY_INACTIVE
            if menu is None or not menu.active:
                self.problems.append(
                    Problem(
                        kind,
                        text.format(target=key),
                        menu=key,
                        field="active",
                        target=key,
                        number=number,
                        entry=number is None,
                    )
                )

    # --- The options -----------------------------------------------------------

    def _options(self, menu: MenuSnapshot) -> None:
        source = menu_node_id(menu.key)
        for option in menu.options:
            end_id = f"end:{menu.key}:{option.digits}"
            problem = {"menu": menu.key, "digits": option.digits}
            label = option.label
            match option.action:
                case OptionAction.MENU:
                    target = self._path_to_menu(option.target, "target", problem)
                case OptionAction.TRANSFER:
                    self._check_number(option.destination, "destination", problem)
                    if option.caller_id and not _is_e164(option.caller_id):
                        self.problems.append(
                            Problem(
                                ProblemKind.BAD_TRANSFER,
                                CALLER_ID_BAD_NUMBER.format(number=option.caller_id),
                                field="caller_id",
                                target=option.caller_id,
                                **problem,
                            )
                        )
                    target = self._transfer_node(
                        end_id, option.destination, option.record, option.message
                    )
                    self._no_answer(menu, option, target, problem)
                case OptionAction.SAY | OptionAction.PLAY if option.target:
                    target = self._path_to_menu(option.target, "target", problem)
                case OptionAction.SAY:
                    target = self._add(
                        Node(
                            end_id,
                            NodeKind.MESSAGE,
                            "Message, then hang up",
                            detail=option.message,
                        )
                    )
                case OptionAction.PLAY:
                    target = self._add(
                        Node(
                            end_id,
                            NodeKind.FILE,
                            "Audio file, then hang up",
                            detail=option.file_url,
                        )
                    )
                case OptionAction.REPEAT:
                    target = source
                case OptionAction.HANGUP:
                    target = self._add(
                        Node(
                            end_id,
                            NodeKind.HANGUP,
                            "Hang up",
                            detail=option.message or self.snapshot.goodbye_message,
                        )
                    )
                case _:  # BACK: edges added once every option is known
                    continue
            self.edges.append(
                Edge(
                    source,
                    target,
                    EdgeKind.OPTION,
                    digits=option.digits,
                    label=label,
                    action=option.action,
                )
            )

    def _back_edges(self, menus: list[MenuSnapshot]) -> None:
        """ "Go back" returns to the menu the caller came from by an option,
        or, with none (where the call started), stays in this menu."""
        came_from = defaultdict(list)
        for edge in self.edges:
            pushes = edge.kind == EdgeKind.OPTION and edge.action != OptionAction.REPEAT
            if pushes and edge.source != edge.target:
                came_from[edge.target].append(edge.source)
        for menu in menus:
            source = menu_node_id(menu.key)
            for option in menu.options:
                if option.action != OptionAction.BACK:
                    continue
                for target in dict.fromkeys(came_from[source]) or [source]:
                    self.edges.append(
                        Edge(
                            source,
                            target,
                            EdgeKind.BACK,
                            digits=option.digits,
                            label=option.label,
                            action=option.action,
                        )
                    )

    def _no_answer(self, menu: MenuSnapshot, option, transfer: str, where: dict):
        """Where a caller goes from the transfer `transfer` (a node id) when
        it is not answered: an edge from it, as `decide` answers."""
        self.transfer_menus[transfer] = menu.key
        end_id = f"{transfer}:no_answer"
        message = option.no_answer_message
        match option.on_no_answer:
            case NoAnswerAction.MENU:
                target = self._path_to_menu(
                    option.no_answer_target, "no_answer_target", where
                )
            case NoAnswerAction.TRANSFER:
                self._check_number(
                    option.no_answer_destination, "no_answer_destination", where
                )
                target = self._transfer_node(
                    end_id, option.no_answer_destination, option.record, message
                )
            case NoAnswerAction.HANGUP:
                target = self._add(
                    Node(end_id, NodeKind.HANGUP, "Hang up", detail=message)
                )
            case _:
                target = menu_node_id(menu.key)
        self.edges.append(
            Edge(
                transfer,
                target,
                EdgeKind.NO_ANSWER,
                digits=option.digits,
                label="Not answered",
            )
        )

    # --- Wrong keys, no keys, retries used up -------------------------------

    def _failures(self, menu: MenuSnapshot) -> None:
        source = menu_node_id(menu.key)
        if menu.max_retries:
            times = "once" if menu.max_retries == 1 else f"{menu.max_retries} times"
            self.edges.append(
                Edge(
                    source,
                    source,
                    EdgeKind.RETRY,
                    label=f"A wrong key or none: asked again, up to {times}",
                )
            )
        end_id = f"end:{menu.key}:exhausted"
        problem = {"menu": menu.key}
        match menu.on_exhausted:
            case ExhaustedAction.MENU:
                target = self._path_to_menu(
                    menu.exhausted_target, "exhausted_target", problem
                )
            case ExhaustedAction.TRANSFER:
                self._check_number(
                    menu.exhausted_destination, "exhausted_destination", problem
                )
                target = self._transfer_node(
                    end_id, menu.exhausted_destination, False, menu.exhausted_message
                )
            case _:
                target = self._add(
                    Node(
                        end_id,
                        NodeKind.HANGUP,
                        "Hang up",
                        detail=menu.exhausted_message,
                    )
                )
        self.edges.append(
            Edge(source, target, EdgeKind.EXHAUSTED, label="Retries used up")
        )

    # --- Paths ---------------------------------------------------------------

    def _menu_target(self, key: str | None) -> str:
        """The node of menu `key`: the menu, or a missing-menu node."""
        if key in self.snapshot.menus:
            return menu_node_id(key)
        label = f"Missing menu “{key}”" if key else "No menu chosen"
        return self._add(Node(f"missing:{key or ''}", NodeKind.MISSING, label, key))

    def _path_to_menu(self, key: str | None, field_name: str, where: dict) -> str:
        target = self.snapshot.menus.get(key) if key else None
        if target is None:
            text = TARGET_MISSING.format(target=key) if key else TARGET_NOT_CHOSEN
            kind = ProblemKind.TARGET_MISSING
        elif not target.active:
            text, kind = TARGET_INACTIVE.format(target=key), ProblemKind.TARGET_INACTIVE
        else:
            return menu_node_id(key)
        self.problems.append(Problem(kind, text, field=field_name, target=key, **where))
        return self._menu_target(key)

    def _check_number(self, number: str, field_name: str, where: dict) -> None:
        if _is_e164(number):
            return
        text = (
            TRANSFER_BAD_NUMBER.format(number=number) if number else TRANSFER_NO_NUMBER
        )
        self.problems.append(
            Problem(
                ProblemKind.BAD_TRANSFER,
                text,
                field=field_name,
                target=number or None,
                **where,
            )
        )

    def _transfer_node(
        self, node_id: str, number: str, record: bool, message: str
    ) -> str:
        shown = read_typed_number(number).e164 or number
        label = f"Transfer to {shown or '(no number)'}"
        if record:
            label += " (recorded)"
        return self._add(Node(node_id, NodeKind.TRANSFER, label, detail=message))

    # --- Warnings --------------------------------------------------------------

    def _warnings(self, menus: list[MenuSnapshot]) -> None:
        active = {menu.key for menu in menus if menu.active}
        successors = defaultdict(set)  # active menu → active menus it leads to
        exits = set()  # active menus with a path straight to an end point
        for edge in self.edges:
            source = self.nodes[edge.source]
            target = self.nodes[edge.target]
            if source.menu not in active:
                continue
            if target.kind in EXITS:
                exits.add(source.menu)
            elif target.kind == NodeKind.MENU and target.menu in active:
                successors[source.menu].add(target.menu)
        starts = [
            self.nodes[edge.target].menu
            for edge in self.edges
            if edge.kind == EdgeKind.ENTRY
        ]
        if menus and not starts:
            self.problems.append(Problem(ProblemKind.NO_ENTRY, NO_ENTRY))
        # Reachable: from where calls start, along options and retries used
        # up ("go back" only returns to menus the caller has been in).
        forward = defaultdict(set)
        for edge in self.edges:
            if edge.kind in (EdgeKind.OPTION, EdgeKind.EXHAUSTED):
                menu, target = self.nodes[edge.source].menu, self.nodes[edge.target]
            elif edge.kind == EdgeKind.NO_ANSWER:
                menu = self.transfer_menus.get(edge.source)
                target = self.nodes[edge.target]
            else:
                continue
            if menu in active and target.kind == NodeKind.MENU:
                forward[menu].add(target.menu)
        reached = _reachable((key for key in starts if key in active), forward, active)
        # A way out: an end point reachable, found backwards from the exits.
        backward = defaultdict(set)
        for menu, targets in successors.items():
            for target in targets:
                backward[target].add(menu)
        can_leave = _reachable(exits, backward, active)
        for menu in menus:
            if not menu.active:
                continue
            if starts and menu.key not in reached:
                self._warn(ProblemKind.UNREACHABLE, UNREACHABLE, menu.key)
            if menu.key not in can_leave:
                self._warn(ProblemKind.NO_EXIT, NO_EXIT, menu.key)
            if not menu.options:
                self._warn(ProblemKind.DEAD_END, DEAD_END, menu.key)
            if menu.options and not _tells_about_hash(menu):
                self._warn(ProblemKind.HASH_NOT_SAID, HASH_NOT_SAID, menu.key)
            self._prompt_warnings(menu)
        for menu in menus:
            why = menu_key_problem(menu.key)
            if why:
                text = KEY_NOT_SAFE.format(key=menu.key, why=why)
                self._warn(ProblemKind.KEY_NOT_SAFE, text, menu.key)

    def _warn(
        self, kind: ProblemKind, text: str, key: str, digits: str | None = None
    ) -> None:
        self.problems.append(Problem(kind, text, menu=key, digits=digits))

    def _prompt_warnings(self, menu: MenuSnapshot) -> None:
        """What the prompt says against the options: keys never mentioned,
        keys offered that no option has, and keys that start others."""
        keys = [option.digits for option in menu.options]
        mentioned = keys_mentioned(menu.prompt)
        for digits in keys:
            if digits not in mentioned:
                text = KEY_NOT_SAID.format(digits=digits)
                self._warn(ProblemKind.KEY_NOT_SAID, text, menu.key, digits)
        offered = keys_offered(menu.prompt) - set(keys)
        if capture_for(menu).complete_on_hash:
            offered.discard("#")  # the key that finishes a choice
        for key in sorted(offered):
            text = KEY_WITHOUT_OPTION.format(key=key)
            self._warn(ProblemKind.KEY_WITHOUT_OPTION, text, menu.key)
        for short in keys:
            for long in keys:
                if long != short and long.startswith(short):
                    text = KEYS_OVERLAP.format(short=short, long=long)
                    self._warn(ProblemKind.KEYS_OVERLAP, text, menu.key, long)


def _reachable(
    starts: Iterable[str], successors: dict[str, set[str]], allowed: set[str]
) -> set[str]:
    seen = {key for key in starts if key in allowed}
    queue = deque(seen)
    while queue:
        for target in successors.get(queue.popleft(), ()):
            if target in allowed and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _is_e164(number: str) -> bool:
    # The rule for typed numbers: bare digits are not one, whatever country
    # they would land in with a "+".
    return bool(number) and not read_typed_number(number).problem


def _tells_about_hash(menu: MenuSnapshot) -> bool:
    """True unless callers must end their choice with # (see core.capture)
    and the prompt never mentions the key."""
    if not capture_for(menu).complete_on_hash:
        return True
    prompt = menu.prompt.lower()
    return any(word in prompt for word in HASH_WORDS)


# --- Checking a change -----------------------------------------------------------


@dataclass(frozen=True)
class ChangeProblems:
    """What a change to the menus does to calls."""

    # Blocking problems the change brings: refuse it.
    refused: tuple[Problem, ...]
    # Problems to show once it is made: those it brings, and every one left
    # in the menus it changed (blocking ones made earlier included).
    warnings: tuple[Problem, ...]


def change_problems(
    before: IvrSnapshot, after: IvrSnapshot, *, changed: Collection[str] = ()
) -> ChangeProblems:
    """The problems of the menus `after` a change, against those `before` it.

    A blocking problem that was there before does not refuse the change (it
    stays a warning), so that staff can fix one problem at a time; `changed`
    names the menus the change edits, whose problems are all shown.
    """
    old = set(menu_graph(before).problems)
    new = menu_graph(after).problems
    refused = tuple(p for p in new if p.blocking and p not in old)
    warnings = tuple(
        p for p in new if p not in refused and (p not in old or p.menu in changed)
    )
    return ChangeProblems(refused=refused, warnings=warnings)


def snapshot_with_menu(
    snapshot: IvrSnapshot,
    menu: MenuSnapshot,
    *,
    replacing: str | None = None,
    default: bool | None = None,
) -> IvrSnapshot:
    """`snapshot` with `menu` added, or in place of menu `replacing` (its key
    before an edit: every path to it follows it to its new key). `default`
    True makes it the default entry, False stops it being the default."""
    menus = dict(snapshot.menus)
    numbers = dict(snapshot.numbers)
    default_menu = snapshot.default_menu
    if replacing is not None and replacing != menu.key:
        menus.pop(replacing, None)
        menus = {key: _renamed(m, replacing, menu.key) for key, m in menus.items()}
        menu = _renamed(menu, replacing, menu.key)
        numbers = {n: menu.key if k == replacing else k for n, k in numbers.items()}
        if default_menu == replacing:
            default_menu = menu.key
    menus[menu.key] = menu
    if default:
        default_menu = menu.key
    elif default is False and default_menu == menu.key:
        default_menu = None
    return replace(
        snapshot,
        menus=menus,
        numbers=numbers,
        default_menu=default_menu,
        built_actions={},
    )


def snapshot_without_menus(snapshot: IvrSnapshot, keys: Collection[str]) -> IvrSnapshot:
    """`snapshot` with the menus `keys` deleted; what pointed to them still
    does, so it shows up as a path to a missing menu."""
    menus = {key: menu for key, menu in snapshot.menus.items() if key not in keys}
    return replace(snapshot, menus=menus, built_actions={})


def _renamed(menu: MenuSnapshot, old: str, new: str) -> MenuSnapshot:
    options = tuple(
        replace(
            option,
            target=new if option.target == old else option.target,
            no_answer_target=(
                new if option.no_answer_target == old else option.no_answer_target
            ),
        )
        for option in menu.options
    )
    target = new if menu.exhausted_target == old else menu.exhausted_target
    return replace(menu, options=options, exhausted_target=target)
