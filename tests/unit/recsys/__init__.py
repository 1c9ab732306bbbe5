"""Unit tests of the recsys part."""
