"""Any saved or deleted menu, option or number changes the menu tree's
version token, so every app process reloads its snapshot on the next call."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ivr.menus.snapshots import menu_tree_changed
from ivr.models import Menu, MenuOption, Number


@receiver(post_save, sender=Menu)
@receiver(post_save, sender=MenuOption)
@receiver(post_save, sender=Number)
@receiver(post_delete, sender=Menu)
@receiver(post_delete, sender=MenuOption)
@receiver(post_delete, sender=Number)
def on_menu_tree_change(sender, **kwargs):
    # Runs in the same transaction as the change, so other processes see the
    # new token exactly when they can see the new menus.
    if not kwargs.get("raw"):
        menu_tree_changed()
