"""Test data that spans every app (factories combined), for the page, API and query-count tests of any app."""
