"""A small menu tree that uses every action, in the database.

main (default entry; +6531581234 starts here)
  1 → menu sales          2 → transfer +6560001111 (recorded)
  3 → say, then hang up   4 → play a file, then back to main
  9 → repeat              * → back            0 → hang up
sales
  1 → transfer +6560002222 with caller ID +6531580000
  2 → say, then go to main
  * → back                retries run out → go to main
support (inactive)

`DEMO_FILE` is the example menus file (examples/demo.yaml) that `make run`
imports.
"""

from pathlib import Path

from ivr.models import Menu, MenuOption, Number

DEMO_FILE = Path(__file__).parent.parent / "examples" / "demo.yaml"
VIRTUAL_NUMBER = "+6531581234"
# Each prompt names every key of its menu, as the menu checks expect.
MAIN_PROMPT = (
    "Welcome to Acme. For sales press 1. For support press 2. If we are "
    "closed press 3, for our hours press 4. To hear this again press 9, to "
    "go back press star, to hang up press 0."
)
SALES_PROMPT = "Sales. Press 1 to talk to us, 2 for our offer, or star to go back."


def create_menu_tree() -> dict[str, Menu]:
    main = Menu.objects.create(
        key="main",
        name="Main menu",
        prompt=MAIN_PROMPT,
        is_default=True,
    )
    sales = Menu.objects.create(key="sales", name="Sales", prompt=SALES_PROMPT)
    support = Menu.objects.create(
        key="support", name="Support", prompt="Support.", is_active=False
    )
    sales.on_exhausted = "menu"
    sales.exhausted_menu = main
    sales.save()
    options = [
        (main, "1", "menu", {"target_menu": sales}),
        (main, "2", "transfer", {"destination": "+6560001111", "record": True}),
        (main, "3", "say", {"message": "Our office is closed. Goodbye."}),
        (
            main,
            "4",
            "play",
            {"file_url": "https://example.com/hours.mp3", "target_menu": main},
        ),
        (main, "9", "repeat", {}),
        (main, "*", "back", {}),
        (main, "0", "hangup", {}),
        (
            sales,
            "1",
            "transfer",
            {"destination": "+6560002222", "caller_id": "+6531580000"},
        ),
        (sales, "2", "say", {"message": "Thanks!", "target_menu": main}),
        (sales, "*", "back", {}),
    ]
    for menu, digits, action, fields in options:
        MenuOption.objects.create(menu=menu, digits=digits, action=action, **fields)
    Number.objects.create(number=VIRTUAL_NUMBER, menu=main)
    return {"main": main, "sales": sales, "support": support}
