"""The menu graph (ivr.core.graph): where every path leads, and each problem
found in the menus, with its severity. No database: snapshots built by hand.
"""

from dataclasses import replace

import pytest

from ivr.core import graph
from ivr.core.graph import EdgeKind, NodeKind, ProblemKind, Severity
from ivr.core.snapshot import ExhaustedAction, NoAnswerAction
from tests import snapshots
from tests.snapshots import OUR_NUMBER, option, snapshot, tree

HANGUP = option("0", "hangup")


def problems(ivr) -> set[tuple]:
    """(kind, menu, digits, field) of every problem in `ivr`."""
    return {(p.kind, p.menu, p.digits, p.field) for p in graph.menu_graph(ivr).problems}


def menu(key, *options, **fields):
    """A menu whose prompt names each of its options' keys, as the menu
    checks expect, unless the case gives one."""
    fields.setdefault("prompt", naming(options))
    return snapshots.menu(key, *options, **fields)


def naming(options) -> str:
    words = {"*": "star", "#": "hash"}
    return " ".join(f"Press {words.get(o.digits, o.digits)}." for o in options)


def spoken(ivr):
    """`ivr` with each menu's prompt naming its keys."""
    menus = {key: replace(m, prompt=naming(m.options)) for key, m in ivr.menus.items()}
    return replace(ivr, menus=menus)


def main_to(*options, **fields):
    """main (default entry) with `options` and a way out, and `fields`."""
    return menu("main", *options, HANGUP, **fields)


# (menus, expected problems) — every menu set is whole: a case lists all the
# problems it has, so a check that fires too often fails as well.
BLOCKING_CASES = {
    "option to a missing menu": (
        snapshot(main_to(option("1", "menu", target="gone")), default="main"),
        {(ProblemKind.TARGET_MISSING, "main", "1", "target")},
    ),
    "option to a menu with none chosen": (
        snapshot(main_to(option("1", "menu")), default="main"),
        {(ProblemKind.TARGET_MISSING, "main", "1", "target")},
    ),
    "option to an inactive menu": (
        snapshot(
            main_to(option("1", "menu", target="old")),
            menu("old", HANGUP, active=False),
            default="main",
        ),
        {(ProblemKind.TARGET_INACTIVE, "main", "1", "target")},
    ),
    "message, then an inactive menu": (
        snapshot(
            main_to(option("1", "say", message="Hi.", target="old")),
            menu("old", HANGUP, active=False),
            default="main",
        ),
        {(ProblemKind.TARGET_INACTIVE, "main", "1", "target")},
    ),
    "file, then a missing menu": (
        snapshot(
            main_to(option("1", "play", file_url="https://e.com/a.mp3", target="x")),
            default="main",
        ),
        {(ProblemKind.TARGET_MISSING, "main", "1", "target")},
    ),
    "retries used up, to a missing menu": (
        snapshot(
            main_to(on_exhausted=ExhaustedAction.MENU, exhausted_target="gone"),
            default="main",
        ),
        {(ProblemKind.TARGET_MISSING, "main", None, "exhausted_target")},
    ),
    "retries used up, to an inactive menu": (
        snapshot(
            main_to(on_exhausted=ExhaustedAction.MENU, exhausted_target="old"),
            menu("old", HANGUP, active=False),
            default="main",
        ),
        {(ProblemKind.TARGET_INACTIVE, "main", None, "exhausted_target")},
    ),
    "retries used up, to no menu": (
        snapshot(main_to(on_exhausted=ExhaustedAction.MENU), default="main"),
        {(ProblemKind.TARGET_MISSING, "main", None, "exhausted_target")},
    ),
    "transfer without a number": (
        snapshot(main_to(option("1", "transfer")), default="main"),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "destination")},
    ),
    "transfer to a number that is not E.164": (
        snapshot(main_to(option("1", "transfer", destination="0123")), default="main"),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "destination")},
    ),
    "transfer showing a caller ID that is not E.164": (
        snapshot(
            main_to(option("1", "transfer", destination="+6560001111", caller_id="1")),
            default="main",
        ),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "caller_id")},
    ),
    # Bare digits are not E.164 with a "+" left out: "6000 1234" would be
    # +60001234, in Malaysia.
    "transfer to a number without its country code": (
        snapshot(
            main_to(option("1", "transfer", destination="6000 1234")), default="main"
        ),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "destination")},
    ),
    "caller ID without its country code": (
        snapshot(
            main_to(
                option("1", "transfer", destination="+6560001111", caller_id="31580000")
            ),
            default="main",
        ),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "caller_id")},
    ),
    "retries used up, transfer to a number without its country code": (
        snapshot(
            main_to(
                on_exhausted=ExhaustedAction.TRANSFER, exhausted_destination="31589999"
            ),
            default="main",
        ),
        {(ProblemKind.BAD_TRANSFER, "main", None, "exhausted_destination")},
    ),
    "retries used up, transfer without a number": (
        snapshot(main_to(on_exhausted=ExhaustedAction.TRANSFER), default="main"),
        {(ProblemKind.BAD_TRANSFER, "main", None, "exhausted_destination")},
    ),
    "retries used up, transfer to a bad number": (
        snapshot(
            main_to(
                on_exhausted=ExhaustedAction.TRANSFER, exhausted_destination="12345"
            ),
            default="main",
        ),
        {(ProblemKind.BAD_TRANSFER, "main", None, "exhausted_destination")},
    ),
    "transfer not answered, to a missing menu": (
        snapshot(
            main_to(
                option(
                    "1",
                    "transfer",
                    destination="+6560001111",
                    on_no_answer=NoAnswerAction.MENU,
                    no_answer_target="gone",
                )
            ),
            default="main",
        ),
        {(ProblemKind.TARGET_MISSING, "main", "1", "no_answer_target")},
    ),
    "transfer not answered, to an inactive menu": (
        snapshot(
            main_to(
                option(
                    "1",
                    "transfer",
                    destination="+6560001111",
                    on_no_answer=NoAnswerAction.MENU,
                    no_answer_target="old",
                )
            ),
            menu("old", HANGUP, active=False),
            default="main",
        ),
        {(ProblemKind.TARGET_INACTIVE, "main", "1", "no_answer_target")},
    ),
    "transfer not answered, to a bad number": (
        snapshot(
            main_to(
                option(
                    "1",
                    "transfer",
                    destination="+6560001111",
                    on_no_answer=NoAnswerAction.TRANSFER,
                    no_answer_destination="999",
                )
            ),
            default="main",
        ),
        {(ProblemKind.BAD_TRANSFER, "main", "1", "no_answer_destination")},
    ),
    "default entry inactive": (
        snapshot(main_to(active=False), default="main"),
        {(ProblemKind.ENTRY_INACTIVE, "main", None, "active")},
    ),
    "default entry missing": (
        snapshot(default="main"),
        {(ProblemKind.ENTRY_MISSING, "main", None, "active")},
    ),
    "a number's menu inactive": (
        snapshot(
            main_to(option("1", "menu", target="sales")),
            menu("sales", HANGUP, active=False),
            numbers={OUR_NUMBER: "sales"},
            default="main",
        ),
        {
            (ProblemKind.ENTRY_INACTIVE, "sales", None, "active"),
            (ProblemKind.TARGET_INACTIVE, "main", "1", "target"),
        },
    ),
}

WARNING_CASES = {
    "a menu nothing leads to": (
        snapshot(main_to(), menu("lost", HANGUP), default="main"),
        {(ProblemKind.UNREACHABLE, "lost", None, None)},
    ),
    "a menu only an inactive menu leads to": (
        snapshot(
            main_to(),
            menu("old", option("1", "menu", target="lost"), active=False),
            menu("lost", HANGUP),
            default="main",
        ),
        {(ProblemKind.UNREACHABLE, "lost", None, None)},
    ),
    "a menu only an inactive entry leads to": (
        snapshot(
            main_to(option("1", "menu", target="next"), active=False),
            menu("next", HANGUP),
            default="main",
        ),
        {
            (ProblemKind.ENTRY_INACTIVE, "main", None, "active"),
            (ProblemKind.UNREACHABLE, "next", None, None),
        },
    ),
    "menus that send callers round with no way out": (
        snapshot(
            main_to(option("1", "menu", target="a")),
            menu(
                "a",
                option("1", "menu", target="b"),
                on_exhausted=ExhaustedAction.MENU,
                exhausted_target="b",
            ),
            menu(
                "b",
                option("1", "menu", target="a"),
                on_exhausted=ExhaustedAction.MENU,
                exhausted_target="a",
            ),
            default="main",
        ),
        {
            (ProblemKind.NO_EXIT, "a", None, None),
            (ProblemKind.NO_EXIT, "b", None, None),
        },
    ),
    "a menu without options": (
        snapshot(main_to(option("1", "menu", target="empty")), menu("empty")),
        {
            (ProblemKind.DEAD_END, "empty", None, None),
            (ProblemKind.NO_ENTRY, None, None, None),
        },
    ),
    "no default entry and no number": (
        snapshot(main_to()),
        {(ProblemKind.NO_ENTRY, None, None, None)},
    ),
    "options of different lengths, and # never mentioned": (
        snapshot(main_to(option("12", "hangup")), default="main"),
        {(ProblemKind.HASH_NOT_SAID, "main", None, None)},
    ),
    "finish on # asked for, and # never mentioned": (
        snapshot(main_to(complete_on_hash=True), default="main"),
        {(ProblemKind.HASH_NOT_SAID, "main", None, None)},
    ),
    "an option the prompt never mentions": (
        snapshot(main_to(option("5", "hangup"), prompt="Press 0."), default="main"),
        {(ProblemKind.KEY_NOT_SAID, "main", "5", None)},
    ),
    "a key the prompt offers that no option has": (
        snapshot(main_to(prompt="Press 0. For sales press 1."), default="main"),
        {(ProblemKind.KEY_WITHOUT_OPTION, "main", None, None)},
    ),
    "keys that overlap": (
        snapshot(
            main_to(
                option("1", "hangup"),
                option("12", "hangup"),
                prompt="Press 1, 12 or 0, then the hash key.",
            ),
            default="main",
        ),
        {(ProblemKind.KEYS_OVERLAP, "main", "12", None)},
    ),
    "a key saved before ids were limited": (
        snapshot(main_to(option("1", "menu", target="a.b")), menu("a.b", HANGUP)),
        {
            (ProblemKind.NO_ENTRY, None, None, None),
            (ProblemKind.KEY_NOT_SAFE, "a.b", None, None),
        },
    ),
}

CLEAN_CASES = {
    # Its main menu has options of 1 and 2 keys: callers end with #, and the
    # prompt must say so.
    "every action, with a way out everywhere": spoken(
        snapshots.snapshot(
            *(m for m in tree().menus.values() if m.key != "main"),
            replace(
                tree().menus["main"],
                # Its 1 and 11 overlap: that is a warning of its own.
                options=tuple(
                    o for o in tree().menus["main"].options if o.digits != "11"
                ),
            ),
            numbers={OUR_NUMBER: "main"},
            default="main",
        )
    ),
    # Not problems: a parked menu nobody uses, a menu only "retries used up"
    # leads to, a menu whose only way out is "go back" to one that has one,
    # a transfer to a number written with spaces.
    "options of different lengths, and the prompt says to press #": snapshot(
        main_to(option("12", "hangup"), prompt="Press 12 or 0, then the hash key."),
        default="main",
    ),
    "options of different lengths, and the prompt says pound": snapshot(
        main_to(option("12", "hangup"), prompt="Press 12 or 0, then POUND."),
        default="main",
    ),
    "a menu reached only when a transfer is not answered": snapshot(
        main_to(
            option(
                "1",
                "transfer",
                destination="+6560001111",
                on_no_answer=NoAnswerAction.MENU,
                no_answer_target="busy",
            )
        ),
        menu("busy", HANGUP),
        default="main",
    ),
    "inactive menu nobody points to": snapshot(
        main_to(), menu("parked", active=False), default="main"
    ),
    "menu reached only when retries run out": snapshot(
        main_to(on_exhausted=ExhaustedAction.MENU, exhausted_target="help"),
        menu("help", HANGUP),
        default="main",
    ),
    "menu whose only way out is back": snapshot(
        main_to(option("1", "menu", target="info")),
        menu(
            "info",
            option("*", "back"),
            option("9", "repeat"),
            on_exhausted=ExhaustedAction.MENU,
            exhausted_target="main",
        ),
        default="main",
    ),
    "number written with spaces": snapshot(
        main_to(option("1", "transfer", destination="+65 6000 1111")), default="main"
    ),
    "menu reached from a number only": snapshot(
        main_to(),
        menu("faults", HANGUP),
        numbers={OUR_NUMBER: "faults"},
        default="main",
    ),
}


@pytest.mark.parametrize(
    ("ivr", "expected"), list(BLOCKING_CASES.values()), ids=list(BLOCKING_CASES)
)
def test_problems_that_would_break_a_call_are_blocking(ivr, expected):
    found = graph.menu_graph(ivr).problems

    assert problems(ivr) == expected
    assert all(p.severity == Severity.BLOCKING for p in found)


@pytest.mark.parametrize(
    ("ivr", "expected"), list(WARNING_CASES.values()), ids=list(WARNING_CASES)
)
def test_likely_mistakes_are_warnings(ivr, expected):
    assert problems(ivr) == expected


@pytest.mark.parametrize("ivr", list(CLEAN_CASES.values()), ids=list(CLEAN_CASES))
def test_menus_without_problems_have_none(ivr):
    assert graph.menu_graph(ivr).problems == ()


@pytest.mark.parametrize(
    ("problem", "text"),
    [
        (
            graph.Problem(
                ProblemKind.TARGET_INACTIVE,
                graph.TARGET_INACTIVE.format(target="old"),
                menu="main",
                digits="1",
                field="target",
            ),
            "Menu “main”, option 1: Goes to menu “old”, which is not active: "
            "callers would hear the apology instead.",
        ),
        (
            graph.Problem(
                ProblemKind.BAD_TRANSFER,
                graph.TRANSFER_NO_NUMBER,
                menu="main",
                field="exhausted_destination",
            ),
            "Menu “main”, when retries run out: Transfers the caller, but no "
            "number is given.",
        ),
        (
            graph.Problem(
                ProblemKind.ENTRY_INACTIVE,
                graph.ENTRY_INACTIVE.format(target="main"),
                menu="main",
                number=OUR_NUMBER,
            ),
            f"Number {OUR_NUMBER}: Calls start in menu “main”, which is not active: "
            "callers would hear the apology instead.",
        ),
        (
            graph.Problem(ProblemKind.UNREACHABLE, graph.UNREACHABLE, menu="lost"),
            f"Menu “lost”: {graph.UNREACHABLE}",
        ),
        (
            graph.Problem(
                ProblemKind.TARGET_MISSING,
                graph.TARGET_MISSING.format(target="gone"),
                menu="main",
                digits="2",
                field="no_answer_target",
            ),
            "Menu “main”, option 2, when the transfer is not answered: Goes to "
            "menu “gone”, which does not exist.",
        ),
    ],
)
def test_each_problem_says_where_in_plain_words(problem, text):
    assert str(problem) == text


def test_problems_list_blocking_ones_first():
    ivr = snapshot(
        main_to(option("1", "menu", target="gone")),
        menu("lost", HANGUP),
        default="main",
    )

    severities = [p.severity for p in graph.menu_graph(ivr).problems]

    assert severities == [Severity.BLOCKING, Severity.WARNING]


def test_the_graph_has_every_path_a_call_can_take():
    found = graph.menu_graph(tree())
    nodes = {node.id: node for node in found.nodes}

    def edges(kind, source):
        return {
            (edge.digits, edge.target)
            for edge in found.edges
            if edge.kind == kind and edge.source == source
        }

    assert edges(EdgeKind.ENTRY, "entry:default") == {("", "menu:main")}
    assert edges(EdgeKind.ENTRY, f"entry:{OUR_NUMBER}") == {("", "menu:main")}
    assert edges(EdgeKind.OPTION, "menu:main") == {
        ("1", "menu:sales"),
        ("2", "end:main:2"),
        ("3", "end:main:3"),
        ("4", "menu:main"),
        ("5", "menu:sales"),
        ("6", "end:main:6"),
        ("9", "menu:main"),
        ("0", "end:main:0"),
        ("11", "menu:billing"),
    }
    assert [nodes[f"end:main:{d}"].kind for d in "2360"] == [
        NodeKind.TRANSFER,
        NodeKind.MESSAGE,
        NodeKind.FILE,
        NodeKind.HANGUP,
    ]
    assert nodes["end:main:2"].label == "Transfer to +6560001111 (recorded)"
    assert nodes["end:main:0"].detail == "Bye now."
    # Wrong keys ask again; then sales goes to main, billing transfers, main
    # hangs up.
    assert edges(EdgeKind.RETRY, "menu:sales") == {("", "menu:sales")}
    assert edges(EdgeKind.EXHAUSTED, "menu:sales") == {("", "menu:main")}
    assert nodes["end:billing:exhausted"].kind == NodeKind.TRANSFER
    assert nodes["end:main:exhausted"].kind == NodeKind.HANGUP
    # "Back" from billing: to main or sales, whichever the caller came from;
    # from main, where calls start, main again.
    assert edges(EdgeKind.BACK, "menu:billing") == {
        ("*", "menu:main"),
        ("*", "menu:sales"),
    }
    assert edges(EdgeKind.BACK, "menu:main") == {("*", "menu:main")}


@pytest.mark.parametrize(
    ("fields", "target", "kind"),
    [
        ({}, "menu:main", NodeKind.MENU),
        (
            {"on_no_answer": NoAnswerAction.MENU, "no_answer_target": "sales"},
            "menu:sales",
            NodeKind.MENU,
        ),
        (
            {
                "on_no_answer": NoAnswerAction.TRANSFER,
                "no_answer_destination": "+6560009999",
            },
            "end:main:2:no_answer",
            NodeKind.TRANSFER,
        ),
        (
            {"on_no_answer": NoAnswerAction.HANGUP},
            "end:main:2:no_answer",
            NodeKind.HANGUP,
        ),
    ],
)
def test_a_transfer_not_answered_leads_where_its_option_says(fields, target, kind):
    ivr = tree()
    main = ivr.menus["main"]
    transfer = replace(main.option_for("2"), **fields)
    options = tuple(transfer if o.digits == "2" else o for o in main.options)
    ivr.menus["main"] = replace(main, options=options)
    found = graph.menu_graph(ivr)
    nodes = {node.id: node for node in found.nodes}

    no_answer = [edge for edge in found.edges if edge.kind == EdgeKind.NO_ANSWER]

    assert [(e.source, e.target, e.digits) for e in no_answer] == [
        ("end:main:2", target, "2"),
        # sales' option 2 transfers too, and returns to sales by default.
        ("end:sales:2", "menu:sales", "2"),
    ]
    assert nodes[target].kind == kind


def test_a_missing_menu_is_a_node_of_its_own():
    found = graph.menu_graph(
        snapshot(main_to(option("1", "menu", target="gone")), default="main")
    )
    missing = [node for node in found.nodes if node.kind == NodeKind.MISSING]

    assert [(node.id, node.menu) for node in missing] == [("missing:gone", "gone")]


def test_no_retries_means_no_retry_path():
    found = graph.menu_graph(snapshot(main_to(max_retries=0), default="main"))

    assert not [edge for edge in found.edges if edge.kind == EdgeKind.RETRY]


# --- Checking a change -----------------------------------------------------------


def test_a_change_is_refused_only_for_the_blocking_problems_it_brings():
    broken = replace(
        tree(), menus={**tree().menus, "old": menu("old", HANGUP, active=False)}
    )
    before = graph.snapshot_with_menu(
        broken, main_to(option("7", "menu", target="old")), replacing="main"
    )
    # Breaking sales: refused. Editing main, still broken: let through, and
    # the problem left in main is shown.
    sales = replace(tree().menus["sales"], exhausted_target="old")
    worse = graph.change_problems(before, graph.snapshot_with_menu(before, sales))
    same = graph.change_problems(
        before,
        graph.snapshot_with_menu(before, replace(before.menus["main"], name="Front")),
        changed={"main"},
    )

    assert [(p.kind, p.menu, p.field) for p in worse.refused] == [
        (ProblemKind.TARGET_INACTIVE, "sales", "exhausted_target")
    ]
    assert same.refused == ()
    assert [(p.kind, p.menu, p.digits) for p in same.warnings] == [
        (ProblemKind.TARGET_INACTIVE, "main", "7")
    ]


def test_a_change_warns_of_the_warnings_it_brings():
    before = tree()
    unlinked = replace(
        before.menus["main"],
        options=tuple(o for o in before.menus["main"].options if o.digits != "11"),
    )
    sales = replace(before.menus["sales"], options=before.menus["sales"].options[1:])

    change = graph.change_problems(
        before,
        graph.snapshot_with_menu(graph.snapshot_with_menu(before, unlinked), sales),
    )

    assert change.refused == ()
    assert [(p.kind, p.menu) for p in change.warnings] == [
        (ProblemKind.UNREACHABLE, "billing")
    ]


def test_a_renamed_menu_keeps_every_path_to_it():
    before = tree()
    renamed = replace(before.menus["main"], key="front")

    after = graph.snapshot_with_menu(before, renamed, replacing="main")

    assert set(after.menus) == {"front", "sales", "billing"}
    assert after.default_menu == "front"
    assert after.numbers == {OUR_NUMBER: "front"}
    assert after.menus["sales"].exhausted_target == "front"
    assert after.menus["front"].option_for("4").target == "front"
    assert graph.change_problems(before, after).refused == ()


@pytest.mark.parametrize(
    ("key", "default", "expected"),
    [
        ("sales", True, "sales"),
        ("main", False, None),
        ("sales", False, "main"),  # not the default: nothing changes
        ("main", None, "main"),
    ],
)
def test_a_menu_can_become_or_stop_being_the_default(key, default, expected):
    before = tree()

    after = graph.snapshot_with_menu(before, before.menus[key], default=default)

    assert after.default_menu == expected


def test_deleting_the_default_entry_is_refused():
    before = tree()

    change = graph.change_problems(
        before, graph.snapshot_without_menus(before, {"main"})
    )

    assert {(p.kind, p.menu, p.digits, p.number) for p in change.refused} == {
        (ProblemKind.ENTRY_MISSING, "main", None, None),
        (ProblemKind.ENTRY_MISSING, "main", None, OUR_NUMBER),
        (ProblemKind.TARGET_MISSING, "sales", None, None),
    }
