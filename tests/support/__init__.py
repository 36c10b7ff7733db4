"""Helpers shared by the tests: distributions to serve and isolated clients to fetch them."""
