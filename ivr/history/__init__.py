"""Call history."""
