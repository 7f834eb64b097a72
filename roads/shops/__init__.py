"""Shops along the streets and their weekly red/black flags (红黑旗评比): shops, flags, rules, tallies."""
