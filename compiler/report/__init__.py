"""Reporters: how results are written for people and for machines."""
