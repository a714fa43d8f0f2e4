#include "cli/cli.hpp"

int main(int argc, char** argv) { return pantau::cli::run_cli(argc, argv); }
