#include "store/credential_store.hpp"

#include "store/detail/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>

namespace pantau::store {
namespace {

namespace fs = std::filesystem;
using detail::disk_write;
using detail::exec;
using detail::query_int;
using detail::statement;
using detail::transaction;

// 'PANC' in the header's application_id: tells this file from the event log and any other database.
constexpr int application_id = 0x50414E43;
constexpr int schema_version = 1;

constexpr const char* schema_sql = R"sql(
CREATE TABLE credentials(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK(kind IN ('key', 'token')),
  name TEXT NOT NULL,
  role TEXT,
  hash BLOB NOT NULL UNIQUE,
  hint TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER);
CREATE TABLE sessions(
  hash BLOB PRIMARY KEY,
  token_id INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL);
)sql";

// Sessions whose token is no longer valid end with it.
constexpr const char* drop_orphan_sessions_sql =
    "DELETE FROM sessions WHERE token_id NOT IN (SELECT id FROM credentials WHERE revoked_ms IS NULL)";

std::string_view kind_name(auth::credential_kind kind)
{
    return kind == auth::credential_kind::source_key ? "key" : "token";
}

std::string_view as_bytes(const auth::secret_hash& h)
{
    return {reinterpret_cast<const char*>(h.data()), h.size()};
}

credential read_credential(const statement& s, int first_column)
{
    credential c;
    c.id = static_cast<std::uint64_t>(s.int64(first_column));
    c.kind = s.bytes(first_column + 1) == "key" ? auth::credential_kind::source_key : auth::credential_kind::person_token;
    c.name = std::string(s.bytes(first_column + 2));
    if (!s.is_null(first_column + 3))
        c.role = auth::role_from_string(s.bytes(first_column + 3));
    c.hint = std::string(s.bytes(first_column + 4));
    c.created_ms = s.int64(first_column + 5);
    if (!s.is_null(first_column + 6))
        c.revoked_ms = s.int64(first_column + 6);
    return c;
}

// The file is made owner-only before SQLite opens it; SQLite gives its -wal and -shm files the
// same permissions.
void create_private(const fs::path& file, const std::string& context)
{
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0)
        throw error(context + "cannot create: " + std::generic_category().message(errno));
    // Also when it existed: it holds hashes only, but who may use them is nobody's business.
    const bool private_now = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
    ::close(fd);
    if (!private_now)
        throw error(context + "cannot make it owner-only: " + std::generic_category().message(errno));
}

} // namespace

credential_store::credential_store(const fs::path& data_dir)
    : path_(data_dir / "credentials.sqlite"), context_("credentials " + path_.string() + ": ")
{
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (ec)
        throw error(context_ + "cannot create the data directory: " + ec.message());
    create_private(path_, context_);
    db_ = detail::open_database(path_, context_, std::chrono::seconds(5));
    sqlite3* db = db_.get();
    exec(db, context_, "PRAGMA journal_mode = WAL");
    exec(db, context_, "PRAGMA synchronous = FULL");
    transaction t(db, context_);
    const auto version = query_int(db, context_, "PRAGMA user_version");
    const auto app = query_int(db, context_, "PRAGMA application_id");
    if (version == 0 && app == 0 && query_int(db, context_, "SELECT count(*) FROM sqlite_master") == 0) {
        exec(db, context_, schema_sql);
        exec(db, context_, ("PRAGMA application_id = " + std::to_string(application_id)).c_str());
        exec(db, context_, ("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
    } else if (app != application_id) {
        throw error(context_ + "not a pantau credentials file");
    } else if (version != schema_version) {
        throw error(context_ + "schema version " + std::to_string(version) + " is not the " +
                    std::to_string(schema_version) + " this build knows");
    }
    t.commit();
}

credential credential_store::add(auth::credential_kind kind, std::string_view name, std::optional<auth::role> role,
                                 std::string_view secret, std::int64_t now_ms)
{
    const auth::secret_hash hash = auth::hash_secret(secret);
    credential c;
    c.kind = kind;
    c.name = std::string(name);
    c.role = role;
    c.hint = auth::secret_hint(secret);
    c.created_ms = now_ms;
    std::lock_guard lock(mutex_);
    statement insert(db_.get(), context_,
                     "INSERT INTO credentials(kind, name, role, hash, hint, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    insert.bind_text(1, kind_name(kind));
    insert.bind_text(2, name);
    if (role)
        insert.bind_text(3, auth::to_string(*role));
    else
        insert.bind_null(3);
    insert.bind_blob(4, as_bytes(hash));
    insert.bind_text(5, c.hint);
    insert.bind(6, now_ms);
    insert.step();
    c.id = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.get()));
    data_version_ = -1; // our own commit does not change data_version
    return c;
}

std::vector<credential> credential_store::list(auth::credential_kind kind) const
{
    std::lock_guard lock(mutex_);
    statement s(db_.get(), context_,
                "SELECT id, kind, name, role, hint, created_ms, revoked_ms FROM credentials WHERE kind = ?1 ORDER BY id");
    s.bind_text(1, kind_name(kind));
    std::vector<credential> out;
    while (s.step())
        out.push_back(read_credential(s, 0));
    return out;
}

std::uint64_t credential_store::revoke_where(const char* sql, auth::credential_kind kind, std::string_view name,
                                             std::uint64_t id, std::int64_t now_ms)
{
    std::lock_guard lock(mutex_);
    transaction t(db_.get(), context_);
    statement s(db_.get(), context_, sql);
    s.bind(1, now_ms);
    s.bind_text(2, kind_name(kind));
    if (name.empty())
        s.bind(3, id);
    else
        s.bind_text(3, name);
    s.step();
    const auto revoked = static_cast<std::uint64_t>(sqlite3_changes(db_.get()));
    exec(db_.get(), context_, drop_orphan_sessions_sql);
    t.commit();
    data_version_ = -1;
    return revoked;
}

std::size_t credential_store::revoke(auth::credential_kind kind, std::uint64_t id, std::int64_t now_ms)
{
    return revoke_where("UPDATE credentials SET revoked_ms = ?1 WHERE kind = ?2 AND id = ?3 AND revoked_ms IS NULL",
                        kind, {}, id, now_ms);
}

std::size_t credential_store::revoke_named(auth::credential_kind kind, std::string_view name, std::int64_t now_ms)
{
    if (name.empty())
        return 0;
    return revoke_where("UPDATE credentials SET revoked_ms = ?1 WHERE kind = ?2 AND name = ?3 AND revoked_ms IS NULL",
                        kind, name, 0, now_ms);
}

void credential_store::refresh()
{
    const std::int64_t version = query_int(db_.get(), context_, "PRAGMA data_version");
    if (version == data_version_)
        return;
    std::map<std::string, credential, std::less<>> valid;
    std::map<std::uint64_t, credential> tokens;
    std::map<std::string, session, std::less<>> sessions;
    {
        statement s(db_.get(), context_,
                    "SELECT hash, id, kind, name, role, hint, created_ms, revoked_ms FROM credentials "
                    "WHERE revoked_ms IS NULL");
        while (s.step()) {
            credential c = read_credential(s, 1);
            if (c.kind == auth::credential_kind::person_token)
                tokens.emplace(c.id, c);
            valid.emplace(std::string(s.bytes(0)), std::move(c));
        }
    }
    {
        statement s(db_.get(), context_, "SELECT hash, token_id, expires_ms FROM sessions");
        while (s.step())
            sessions.emplace(std::string(s.bytes(0)),
                             session{static_cast<std::uint64_t>(s.int64(1)), s.int64(2)});
    }
    valid_by_hash_ = std::move(valid);
    tokens_by_id_ = std::move(tokens);
    sessions_ = std::move(sessions);
    data_version_ = version;
}

std::optional<credential> credential_store::find(std::string_view secret)
{
    const auth::secret_hash hash = auth::hash_secret(secret);
    std::lock_guard lock(mutex_);
    refresh();
    const auto it = valid_by_hash_.find(as_bytes(hash));
    if (it == valid_by_hash_.end())
        return std::nullopt;
    return it->second;
}

void credential_store::add_session(std::string_view session_secret, std::uint64_t token_id, std::int64_t expires_ms,
                                   std::int64_t now_ms)
{
    const auth::secret_hash hash = auth::hash_secret(session_secret);
    std::lock_guard lock(mutex_);
    disk_write([&] {
        transaction t(db_.get(), context_);
        {
            statement expired(db_.get(), context_, "DELETE FROM sessions WHERE expires_ms <= ?1");
            expired.bind(1, now_ms);
            expired.step();
        }
        {
            // Room for the new one: the oldest sessions go first.
            statement oldest(db_.get(), context_,
                             "DELETE FROM sessions WHERE hash IN (SELECT hash FROM sessions ORDER BY created_ms DESC "
                             "LIMIT -1 OFFSET ?1)");
            oldest.bind(1, static_cast<std::int64_t>(max_sessions - 1));
            oldest.step();
        }
        statement insert(db_.get(), context_,
                         "INSERT OR REPLACE INTO sessions(hash, token_id, created_ms, expires_ms) VALUES(?1, ?2, ?3, ?4)");
        insert.bind_blob(1, as_bytes(hash));
        insert.bind(2, token_id);
        insert.bind(3, now_ms);
        insert.bind(4, expires_ms);
        insert.step();
        t.commit();
        data_version_ = -1;
    });
}

std::optional<credential> credential_store::find_session(std::string_view session_secret, std::int64_t now_ms)
{
    const auth::secret_hash hash = auth::hash_secret(session_secret);
    std::lock_guard lock(mutex_);
    refresh();
    const auto it = sessions_.find(as_bytes(hash));
    if (it == sessions_.end() || it->second.expires_ms <= now_ms)
        return std::nullopt;
    const auto token = tokens_by_id_.find(it->second.token_id);
    if (token == tokens_by_id_.end())
        return std::nullopt;
    return token->second;
}

void credential_store::remove_session(std::string_view session_secret)
{
    const auth::secret_hash hash = auth::hash_secret(session_secret);
    std::lock_guard lock(mutex_);
    disk_write([&] {
        statement remove(db_.get(), context_, "DELETE FROM sessions WHERE hash = ?1");
        remove.bind_blob(1, as_bytes(hash));
        remove.step();
    });
    data_version_ = -1;
}

} // namespace pantau::store
