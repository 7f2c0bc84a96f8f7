"""Menu snapshots built by hand, for tests of the pure core (no database)."""

from ivr.core.snapshot import (
    ExhaustedAction,
    Fallback,
    IvrSnapshot,
    MenuSnapshot,
    OptionAction,
    OptionSnapshot,
)
from ivr.eightbyeight.events import (
    ACTION_COMPLETED,
    CALL_ACTION,
    CALL_RECEIVED,
    INBOUND,
    VoiceEvent,
)

VOICE = "en-US-BenjaminRUS"
OUR_NUMBER = "+6531581234"
CALLER = "+6591234567"


def option(digits, action, **fields) -> OptionSnapshot:
    return OptionSnapshot(digits=digits, action=OptionAction(action), **fields)


def menu(key, *options, **fields) -> MenuSnapshot:
    fields.setdefault("prompt", f"This is the {key} menu.")
    fields.setdefault("voice_profile", VOICE)
    fields.setdefault("options", tuple(options))
    return MenuSnapshot(key=key, **fields)


def snapshot(*menus, numbers=None, default=None, transfer_to="") -> IvrSnapshot:
    return IvrSnapshot(
        menus={m.key: m for m in menus},
        numbers=numbers or {},
        default_menu=default,
        fallback=Fallback(
            message="Sorry, something went wrong.",
            voice_profile=VOICE,
            transfer_to=transfer_to,
        ),
    )


def tree(**overrides) -> IvrSnapshot:
    """main → sales → billing, with every option action.

    main:  1 sales, 2 transfer, 3 say+hangup, 4 play→main, 5 say→sales,
           6 play+hangup, 9 repeat, * back, 0 hangup, 11 → billing
    sales: 1 billing, 2 transfer with caller ID, * back; exhausted → main
    billing: * back, 0 hangup; exhausted → transfer
    """
    main = menu(
        "main",
        option("1", "menu", target="sales"),
        option("2", "transfer", destination="+6560001111", record=True),
        option("3", "say", message="We are closed."),
        option("4", "play", file_url="https://example.com/a.mp3", target="main"),
        option("5", "say", message="Going to sales.", target="sales"),
        option("6", "play", file_url="https://example.com/b.wav"),
        option("9", "repeat"),
        option("*", "back"),
        option("0", "hangup", message="Bye now."),
        option("11", "menu", target="billing"),
        **overrides.pop("main", {}),
    )
    sales = menu(
        "sales",
        option("1", "menu", target="billing"),
        option("2", "transfer", destination="+6560002222", caller_id="+6531580000"),
        option("*", "back"),
        **{
            "on_exhausted": ExhaustedAction.MENU,
            "exhausted_target": "main",
            **overrides.pop("sales", {}),
        },
    )
    billing = menu(
        "billing",
        option("*", "back"),
        option("0", "hangup"),
        **{
            "on_exhausted": ExhaustedAction.TRANSFER,
            "exhausted_destination": "+6560003333",
            **overrides.pop("billing", {}),
        },
    )
    return snapshot(
        main, sales, billing, numbers={OUR_NUMBER: "main"}, default="main", **overrides
    )


def large_tree(count: int) -> IvrSnapshot:
    """`count` menus: "main", then m01, m02, ... three under each menu
    (main leads to m01 to m03, m01 to m04 to m06, ...), as a large
    company's menus grow. Each menu transfers to its
    own operator and hangs up, the menus under main go back; every third
    says the opening hours, every fifth (past m05) leads to a menu higher
    up, every fourth gives up back to main when retries run out."""
    keys = ["main", *(f"m{i:02}" for i in range(1, count))]
    children: dict[str, list[str]] = {key: [] for key in keys}
    for index, key in enumerate(keys[1:], start=1):
        children[keys[(index - 1) // 3]].append(key)
    menus = []
    for index, key in enumerate(keys):
        options = [
            option(str(n), "menu", target=child, label=f"Department {child}")
            for n, child in enumerate(children[key], start=1)
        ]
        last = len(options)
        options.append(
            option(
                str(last + 1),
                "transfer",
                destination=f"+656000{index:04}",
                label="Operator",
            )
        )
        if index % 3 == 0:
            options.append(
                option(str(last + 2), "say", message="We open at 9.", label="Hours")
            )
        if index % 5 == 2 and index > 5:
            options.append(
                option("8", "menu", target=keys[index // 2], label="Related")
            )
        if key != "main":
            options.append(option("*", "back"))
        options.append(option("0", "hangup"))
        exhausted = (
            {"on_exhausted": ExhaustedAction.MENU, "exhausted_target": "main"}
            if index % 4 == 1
            else {}
        )
        menus.append(menu(key, *options, name=f"Menu {key}", **exhausted))
    return snapshot(*menus, numbers={OUR_NUMBER: "main"}, default="main")


def inbound_call(**fields) -> VoiceEvent:
    fields = {
        "event_id": "evt-1",
        "direction": INBOUND,
        "source": CALLER,
        "destination": OUR_NUMBER,
        **fields,
    }
    return VoiceEvent(event_type=CALL_ACTION, call_status=CALL_RECEIVED, **fields)


def pressed(digits, client_action_id, **fields) -> VoiceEvent:
    fields.setdefault("event_id", "evt-2")
    fields.setdefault("direction", INBOUND)
    fields.setdefault("source", CALLER)
    fields.setdefault("destination", OUR_NUMBER)
    return VoiceEvent(
        event_type=CALL_ACTION,
        call_status=ACTION_COMPLETED,
        digits=digits,
        client_action_id=client_action_id,
        **fields,
    )
