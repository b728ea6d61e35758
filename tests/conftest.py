"""The golden files are expected output, not tests of this project."""

collect_ignore = ["golden"]
