"""The webhook 8x8 posts to, and answering it."""
