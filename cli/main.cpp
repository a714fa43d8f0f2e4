#include "cli/cli.hpp"

int main(int argc, char** argv) { return pantau::run_cli(argc, argv); }
