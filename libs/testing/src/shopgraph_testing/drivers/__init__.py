"""Drivers: each drives one service (or the whole stack) the way its callers would."""
