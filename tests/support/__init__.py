"""Test-only helpers shared by the suite (servers, fixtures)."""
