"""The pure core: given a snapshot of the menus and a normalized 8x8 event,
decide what the caller hears next.

Nothing in this package touches the database, the request, the settings or
the clock: inputs are plain dataclasses, output is a JSON-ready dict. That is
what makes every menu decision testable without Django and reusable by the
simulator and the admin preview.
"""
