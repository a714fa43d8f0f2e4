#include "server/commands.hpp"
namespace pantau {
int serve_command(const std::vector<std::string>&) { throw std::runtime_error("serve: not built yet"); }
}
