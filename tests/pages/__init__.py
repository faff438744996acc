"""Loopback test pages shaped like big IdPs, and listeners that record what reaches them."""
