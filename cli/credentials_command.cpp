// `pantau keys ...` and `pantau tokens ...` (DESIGN §3, docs/security.md): source keys and
// people's tokens in DIR/credentials.sqlite. `add` prints the new secret once on stdout and
// nothing else there; it works while `pantau serve` runs on that data dir, and the server sees
// every change at its next request.

#include "cli/cli.hpp"
#include "cli/commands.hpp"
#include "store/credential_store.hpp"
#include "store/wall_clock.hpp"

#include "auth/role.hpp"
#include "auth/secret.hpp"
#include "core/error.hpp"
#include "core/time_text.hpp"

#include <boost/program_options.hpp>

#include <charconv>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace pantau::cli {
namespace {

using auth::credential_kind;

struct kind_words {
    const char* command;  // "keys"
    const char* name_flag; // "source"
    const char* name_help;
};

kind_words words(credential_kind kind)
{
    if (kind == credential_kind::source_key)
        return {"keys", "source", "the source the key sends reports as (1-64 of A-Z a-z 0-9 . _ -)"};
    return {"tokens", "name", "who holds the token: written into the audit of every change they make"};
}

std::string usage(credential_kind kind)
{
    if (kind == credential_kind::source_key)
        return "Usage:\n"
               "  pantau keys add    [--data-dir DIR] --source NAME\n"
               "  pantau keys list   [--data-dir DIR]\n"
               "  pantau keys revoke [--data-dir DIR] (ID | --source NAME)\n\n"
               "Source API keys: a source sends reports with X-API-Key: KEY, and the key names its source.\n"
               "`add` prints the new key once on stdout; only its hash is kept. Changes take effect at once,\n"
               "also in a running server. DIR is the server's --data-dir (default ./var).\n";
    return "Usage:\n"
           "  pantau tokens add    [--data-dir DIR] --role viewer|operator|admin|agency --name NAME\n"
           "  pantau tokens list   [--data-dir DIR]\n"
           "  pantau tokens revoke [--data-dir DIR] (ID | --name NAME)\n\n"
           "Tokens for people and walls: Authorization: Bearer TOKEN, or traded for a session cookie at\n"
           "/login. viewer reads the API and the stream, operator also changes incidents, admin also\n"
           "manages keys and tokens. `add` prints the new token once on stdout; only its hash is kept.\n"
           "Changes take effect at once, also in a running server. DIR is the server's --data-dir\n"
           "(default ./var).\n";
}

std::string when(std::int64_t ms) { return rfc3339(ms); }

void print_list(credential_kind kind, const store::credential_store& s)
{
    const bool keys = kind == credential_kind::source_key;
    std::cout << "id\t" << (keys ? "source" : "name\trole") << "\thint\tcreated\trevoked\n";
    for (const store::credential& c : s.list(kind)) {
        std::cout << c.id << '\t' << c.name;
        if (!keys)
            std::cout << '\t' << (c.role ? auth::to_string(*c.role) : "-");
        std::cout << '\t' << c.hint << "...\t" << when(c.created_ms) << '\t'
                  << (c.revoked_ms ? when(*c.revoked_ms) : "-") << '\n';
    }
}

int run(credential_kind kind, const std::vector<std::string>& args)
{
    const kind_words w = words(kind);
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        (args.empty() ? std::cerr : std::cout) << usage(kind);
        return args.empty() ? exit_usage : exit_ok;
    }
    const std::string action = args.front();
    if (action != "add" && action != "list" && action != "revoke")
        throw usage_error("unknown action \"" + action + "\"; expected add, list or revoke");

    std::string data_dir = "var";
    std::string name;
    std::string role_name;
    std::vector<std::string> ids;
    po::options_description options;
    options.add_options()("help,h", "")("data-dir", po::value(&data_dir), "")(w.name_flag, po::value(&name), w.name_help);
    if (kind == credential_kind::person_token)
        options.add_options()("role", po::value(&role_name), "");
    options.add_options()("id", po::value(&ids));
    po::positional_options_description positional;
    positional.add("id", -1);
    po::variables_map vm;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    po::store(po::command_line_parser(rest).options(options).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << usage(kind);
        return exit_ok;
    }

    const std::int64_t now = store::wall_now_ms();
    if (action == "add") {
        if (!ids.empty())
            throw usage_error("add takes no ID");
        if (name.empty())
            throw usage_error(std::string("add needs --") + w.name_flag);
        const auto bad_name = kind == credential_kind::source_key ? auth::check_source_name(name)
                                                                  : auth::check_holder_name(name);
        if (bad_name)
            throw usage_error(std::string("--") + w.name_flag + ": " + *bad_name);
        std::optional<auth::role> role;
        if (kind == credential_kind::person_token) {
            role = auth::role_from_string(role_name);
            if (!role)
                throw usage_error("add needs --role viewer, operator, admin or agency");
        }
        store::credential_store s(data_dir);
        const std::string secret = auth::new_secret(kind);
        const store::credential c = s.add(kind, name, role, secret, now);
        std::cout << secret << '\n';
        std::cerr << "pantau " << w.command << ": added " << (kind == credential_kind::source_key ? "key " : "token ")
                  << c.id << " for " << c.name << (role ? " (" + std::string(auth::to_string(*role)) + ")" : "")
                  << "; it is shown only this once\n";
        return exit_ok;
    }
    if (action == "list") {
        if (!ids.empty() || !name.empty())
            throw usage_error("list takes only --data-dir");
        store::credential_store s(data_dir);
        print_list(kind, s);
        return exit_ok;
    }
    // revoke
    if (ids.empty() == name.empty() || ids.size() > 1)
        throw usage_error(std::string("revoke needs one ID (see list) or --") + w.name_flag);
    store::credential_store s(data_dir);
    std::size_t revoked = 0;
    if (!ids.empty()) {
        std::uint64_t id = 0;
        const std::string& text = ids.front();
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (ec != std::errc() || end != text.data() + text.size())
            throw usage_error("revoke: \"" + text + "\" is not an ID (a number, see list)");
        revoked = s.revoke(kind, id, now);
        if (revoked == 0)
            throw error(std::string("no valid ") + (kind == credential_kind::source_key ? "key" : "token") +
                        " with ID " + text + " (see list)");
    } else {
        revoked = s.revoke_named(kind, name, now);
        if (revoked == 0)
            throw error(std::string("no valid ") + w.command + " for " + w.name_flag + " " + name + " (see list)");
    }
    std::cerr << "pantau " << w.command << ": revoked " << revoked << '\n';
    return exit_ok;
}

} // namespace

int keys_command(const std::vector<std::string>& args) { return run(credential_kind::source_key, args); }
int tokens_command(const std::vector<std::string>& args) { return run(credential_kind::person_token, args); }

} // namespace pantau::cli
