"""Registers the dataflow-qa pytest plugin for the generated suite and the project's tests."""

pytest_plugins = ["fixtures.plugin", "fixtures.select_plugin"]
