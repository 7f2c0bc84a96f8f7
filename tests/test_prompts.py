"""The keys a prompt tells callers about (ivr.core.prompts), read from its
plainest wordings."""

import pytest

from ivr.core.prompts import keys_mentioned, keys_offered

CASES = [
    # (prompt, offered, mentioned)
    ("For sales, press 1. For support, press 2.", {"1", "2"}, {"1", "2"}),
    ("To go back, press star. To end, press the hash key.", {"*", "#"}, {"*", "#"}),
    ("Press one for yes, two for no.", {"1"}, {"1", "2"}),
    ("Field engineers, enter 7 7.", {"77"}, {"77"}),
    ("Dial seven seven for the desk.", {"77"}, {"77"}),
    ("Press 12 for billing.", {"12"}, {"12"}),
    ("Press 1, 2 or 3.", {"1"}, {"1", "2", "3"}),
    ("We are open from 9 to 5.", set(), {"9", "5"}),
    ("Choose an option, then press POUND.", {"#"}, {"#"}),
    ("Press your choice, then the hash key.", set(), {"#"}),
    ("Select 0 for an operator.", {"0"}, {"0"}),
    ("Welcome to Acme.", set(), set()),
    ("", set(), set()),
]


@pytest.mark.parametrize(("prompt", "offered", "mentioned"), CASES)
def test_the_keys_a_prompt_names(prompt, offered, mentioned):
    assert keys_offered(prompt) == offered
    assert keys_mentioned(prompt) == mentioned
