// doctest_main.cpp — the shared main() for every doctest binary under tests/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
