"""The map of the menus: an SVG picture of where calls go, drawn on the
server for the admin.

    layout   where each box goes: columns in the order a call meets them,
             each menu's rows; pure geometry over `ivr.core.graph.MenuGraph`
             (no Django), and why it is drawn by hand, not by a library
    drawing  the laid-out map as SVG: boxes, arrows, colours, legend, written
             with `ivr.admin.svg` (every text and attribute escaped there)
    view     the admin page: the map of the menus as saved, and the problems
             under it in plain words

The graph itself (what leads where, what would break a call) is
`ivr.core.graph`; the page's template is `admin/ivr/menu/map.html`.
"""
