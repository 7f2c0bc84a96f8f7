"""Under gunicorn (DEBUG off, no web server) the admin looks as it does in
development: the app serves its own static files, even before collectstatic."""

import pytest


@pytest.mark.django_db
def test_admin_pages_and_their_styles_are_served_without_debug(client, settings):
    settings.DEBUG = False
    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert b'href="/static/admin/css/base.css"' in page.content
    css = client.get("/static/admin/css/base.css")
    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
