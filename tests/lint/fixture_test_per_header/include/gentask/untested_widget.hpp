// A header without a test, checked by lint.test_per_header_detects_a_missing_test: the fixture's
// tests/ folder holds no untested_widget.cpp.
#pragma once
