// The translation unit that owns the test suites' precompiled header (tests/CMakeLists.txt):
// every suite reuses it, so none waits for another suite to build first.
