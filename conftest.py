"""Root conftest: nothing to register.

The dataflow-qa pytest plugin loads through its ``pytest11`` entry point
(``dataflow_qa.pytest_plugin``), here as in any repository that installs the
package; this file only marks the repository root for pytest.
"""
