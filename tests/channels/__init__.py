"""Tests of the channel adapters, against real peers on loopback."""
