// A fixture for lint.test_names: a name with a ';', which ctest would split in two.
TEST_CASE("a fixture name; split in two by ctest", "[lint]") {}
