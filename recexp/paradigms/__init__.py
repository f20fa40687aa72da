"""Paradigms: ordered lists of stages (conf/paradigm/*.yaml) run by the stage runner."""
