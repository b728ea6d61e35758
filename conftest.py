"""Registers the dataflow-qa pytest plugins for the generated suite and the project's tests."""

pytest_plugins = ["fixtures.plugin", "fixtures.report_plugin", "fixtures.select_plugin"]
