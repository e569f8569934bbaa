"""Helpers shared by the suites: a live sandbox and logins, Pilot helpers, task scenes."""
