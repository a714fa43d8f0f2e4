#pragma once

// xmllint (Debian's libxml2-utils, scripts/bootstrap) over a document, for tests of the XML pantau
// writes: well-formed, and valid against a schema when one is given.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pantau::testing {

// The OASIS CAP 1.2 schema, vendored with the server tests' fixtures (docs/feeds.md, "CAP out").
inline std::filesystem::path cap12_schema()
{
    return std::filesystem::path(PANTAU_REPO_DATA).parent_path() / "tests/server/fixtures/CAP-v1.2.xsd";
}

struct xmllint_result {
    int status = -1;    // xmllint's exit status: 0 well-formed (and valid)
    std::string errors; // what it said
};

inline xmllint_result xmllint(const std::string& document, const std::filesystem::path& schema = {})
{
    static std::atomic<int> counter{0};
    const auto base = std::filesystem::temp_directory_path() /
                      ("pantau_xmllint_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    const auto file = base.string() + ".xml", errors = base.string() + ".err";
    std::ofstream(file, std::ios::binary) << document;
    std::string command = "xmllint --noout --nonet ";
    if (!schema.empty())
        command += "--schema '" + schema.string() + "' ";
    command += "'" + file + "' 2>'" + errors + "'";
    const int status = std::system(command.c_str());
    xmllint_result r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ostringstream said;
    said << std::ifstream(errors).rdbuf();
    r.errors = said.str();
    std::filesystem::remove(file);
    std::filesystem::remove(errors);
    return r;
}

} // namespace pantau::testing
