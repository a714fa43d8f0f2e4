// The credentials file as `pantau keys|tokens` and a running server share it: two stores on one
// real SQLite file, one writing as the CLI does, one looking up as the server does.
#include "store/credential_store.hpp"

#include "core/error.hpp"

#include "tests/support/scratch_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

namespace pantau::store {
namespace {

using auth::credential_kind;
using auth::role;

constexpr std::int64_t t0 = 1'795'824'000'000;

std::string file_bytes(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(CredentialStore, ASecretAddedOrRevokedByAnotherProcessTakesEffectAtTheNextLookup)
{
    testing::scratch_dir dir("pantau-credentials");
    credential_store server(dir.path());
    credential_store cli(dir.path());

    const std::string key = auth::new_secret(credential_kind::source_key);
    EXPECT_FALSE(server.find(key));
    const credential added = cli.add(credential_kind::source_key, "laksa", std::nullopt, key, t0);
    const auto found = server.find(key);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, added.id);
    EXPECT_EQ(found->name, "laksa");
    EXPECT_EQ(found->kind, credential_kind::source_key);

    EXPECT_EQ(cli.revoke(credential_kind::source_key, added.id, t0 + 1), 1u);
    EXPECT_FALSE(server.find(key));
    // Revoking again, or as the wrong kind, changes nothing.
    EXPECT_EQ(cli.revoke(credential_kind::source_key, added.id, t0 + 2), 0u);
    const auto listed = server.list(credential_kind::source_key);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].revoked_ms, t0 + 1);
    EXPECT_EQ(listed[0].hint, key.substr(0, 7));
}

TEST(CredentialStore, TokensCarryTheirRoleAndRevokingByNameEndsTheirSessions)
{
    testing::scratch_dir dir("pantau-credentials");
    credential_store server(dir.path());
    credential_store cli(dir.path());
    const std::string token = auth::new_secret(credential_kind::person_token);
    const std::string other = auth::new_secret(credential_kind::person_token);
    const credential siti = cli.add(credential_kind::person_token, "siti", role::operator_, token, t0);
    cli.add(credential_kind::person_token, "budi", role::viewer, other, t0);
    EXPECT_EQ(server.find(token)->role, role::operator_);

    server.add_session("cookie-1", siti.id, t0 + 3'600'000, t0);
    ASSERT_TRUE(server.find_session("cookie-1", t0 + 1));
    EXPECT_EQ(server.find_session("cookie-1", t0 + 1)->name, "siti");
    EXPECT_FALSE(server.find_session("cookie-1", t0 + 3'600'000)) << "an expired session still counts";
    EXPECT_FALSE(server.find_session("cookie-2", t0 + 1));

    EXPECT_EQ(cli.revoke_named(credential_kind::person_token, "siti", t0 + 2), 1u);
    EXPECT_FALSE(server.find_session("cookie-1", t0 + 3)) << "a session outlived its revoked token";
    EXPECT_FALSE(server.find(token));
    EXPECT_TRUE(server.find(other));
}

TEST(CredentialStore, NoSecretIsInTheFilesInClearAndTheFileIsOwnerOnly)
{
    testing::scratch_dir dir("pantau-credentials");
    const std::string key = auth::new_secret(credential_kind::source_key);
    const std::string token = auth::new_secret(credential_kind::person_token);
    {
        credential_store s(dir.path());
        s.add(credential_kind::source_key, "laksa", std::nullopt, key, t0);
        const credential t = s.add(credential_kind::person_token, "siti", role::admin, token, t0);
        s.add_session("cookie-secret-value-0123456789", t.id, t0 + 1000, t0);
        EXPECT_TRUE(s.find(key));
    }
    std::string everything;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        everything += file_bytes(entry.path());
    ASSERT_NE(everything.find("laksa"), std::string::npos) << "the test reads the wrong files";
    EXPECT_EQ(everything.find(key.substr(7)), std::string::npos);
    EXPECT_EQ(everything.find(token.substr(7)), std::string::npos);
    EXPECT_EQ(everything.find("cookie-secret-value"), std::string::npos);

    struct stat st{};
    ASSERT_EQ(::stat((dir.path() / "credentials.sqlite").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(CredentialStore, AFileThatIsNotOursIsRefusedWithItsPath)
{
    testing::scratch_dir dir("pantau-credentials");
    std::filesystem::create_directories(dir.path());
    std::ofstream(dir.path() / "credentials.sqlite") << "not a database at all, just text that is long enough";
    try {
        credential_store s(dir.path());
        FAIL() << "opened a file that is not a credentials file";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("credentials.sqlite"), std::string::npos) << e.what();
    }
}

} // namespace
} // namespace pantau::store
