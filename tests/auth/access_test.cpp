// The access rules of DESIGN §4 as the dispatch point applies them, one rule per test, with
// in-memory lookups standing in for the credentials file (a unit test of pure logic).
#include "auth/access.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace pantau::auth {
namespace {

class Access : public ::testing::Test {
protected:
    std::map<std::string, principal, std::less<>> secrets;
    std::map<std::string, principal, std::less<>> sessions;
    access_policy policy;
    credential_lookup lookup{
        [this](std::string_view s) -> std::optional<principal> {
            auto it = secrets.find(s);
            return it == secrets.end() ? std::nullopt : std::optional(it->second);
        },
        [this](std::string_view s) -> std::optional<principal> {
            auto it = sessions.find(s);
            return it == sessions.end() ? std::nullopt : std::optional(it->second);
        },
    };

    void SetUp() override
    {
        secrets["pk_laksa"] = principal{principal::kind::source, "laksa", std::nullopt, 1, false};
        secrets["pt_wall"] = principal{principal::kind::person, "wall 3", role::viewer, 2, false};
        secrets["pt_siti"] = principal{principal::kind::person, "siti", role::operator_, 3, false};
        secrets["pt_root"] = principal{principal::kind::person, "admin", role::admin, 4, false};
        secrets["pt_pupr"] = principal{principal::kind::person, "Dinas PUPR", role::agency, 5, false};
        sessions["cookie-siti"] = secrets["pt_siti"];
    }

    std::variant<principal, refusal> decide(access needed, request_facts r) { return authorize(needed, r, policy, lookup); }
    static unsigned status(const std::variant<principal, refusal>& v)
    {
        return std::holds_alternative<refusal>(v) ? std::get<refusal>(v).status : 200;
    }
};

TEST_F(Access, OpenRoutesNeedNothing)
{
    EXPECT_EQ(status(decide(access::open, {})), 200u);
    // Not even valid credentials: a bad header on /healthz does not fail it.
    EXPECT_EQ(status(decide(access::open, {.api_key = "pk_nonsense"})), 200u);
}

TEST_F(Access, IngestNeedsAValidSourceKeyInEitherHeaderAndNamesTheSource)
{
    EXPECT_EQ(status(decide(access::source, {})), 401u);
    const auto bad = decide(access::source, {.api_key = "pk_revoked"});
    ASSERT_EQ(status(bad), 401u);
    EXPECT_TRUE(std::get<refusal>(bad).bad_credentials);
    for (request_facts r : {request_facts{.api_key = "pk_laksa"}, request_facts{.authorization = "Bearer pk_laksa"},
                            request_facts{.authorization = "bearer   pk_laksa "}}) {
        const auto ok = decide(access::source, r);
        ASSERT_EQ(status(ok), 200u);
        EXPECT_EQ(std::get<principal>(ok).name, "laksa");
        EXPECT_EQ(std::get<principal>(ok).is, principal::kind::source);
    }
    // A person's token is valid but not a source: forbidden, not unauthorized.
    EXPECT_EQ(status(decide(access::source, {.authorization = "Bearer pt_root"})), 403u);
}

// An agency's token passes only the one route declared for it (PATCH of an incident, where the
// handler limits it to its own incidents); it reads nothing and is no operator.
TEST_F(Access, AnAgencyTokenPassesOnlyTheOperatorOrAgencyRoute)
{
    const std::string pupr = "Bearer pt_pupr", wall = "Bearer pt_wall", siti = "Bearer pt_siti";
    EXPECT_EQ(status(decide(access::operator_or_agency, {.authorization = pupr})), 200u);
    EXPECT_EQ(status(decide(access::operator_or_agency, {.authorization = siti})), 200u);
    EXPECT_EQ(status(decide(access::operator_or_agency, {.authorization = wall})), 403u);
    for (access a : {access::viewer, access::operator_, access::admin, access::source})
        EXPECT_EQ(status(decide(a, {.authorization = pupr})), 403u) << static_cast<int>(a);
    policy.public_read = true;
    EXPECT_EQ(status(decide(access::viewer, {.authorization = pupr})), 403u) << "also under --public-read";
}

TEST_F(Access, RolesAreOrderedViewerOperatorAdmin)
{
    // request_facts holds views: the strings live here.
    const std::string wall = "Bearer pt_wall", siti = "Bearer pt_siti", root = "Bearer pt_root";
    EXPECT_EQ(status(decide(access::viewer, {.authorization = wall})), 200u);
    EXPECT_EQ(status(decide(access::operator_, {.authorization = wall})), 403u);
    EXPECT_EQ(status(decide(access::operator_, {.authorization = siti})), 200u);
    EXPECT_EQ(status(decide(access::admin, {.authorization = siti})), 403u);
    EXPECT_EQ(status(decide(access::admin, {.authorization = root})), 200u);
    EXPECT_EQ(status(decide(access::viewer, {.authorization = root})), 200u);
    const auto who = decide(access::operator_, {.authorization = siti});
    EXPECT_EQ(std::get<principal>(who).name, "siti");
    // A source key reads nothing.
    EXPECT_EQ(status(decide(access::viewer, {.api_key = "pk_laksa"})), 403u);
    EXPECT_EQ(status(decide(access::viewer, {.authorization = "Bearer pt_unknown"})), 401u);
    EXPECT_EQ(status(decide(access::viewer, {.authorization = "Basic c2l0aTpzZWNyZXQ="})), 401u);
}

TEST_F(Access, PublicReadOpensViewerAccessOnlyAndOnlyWhenAsked)
{
    EXPECT_EQ(status(decide(access::viewer, {})), 401u);
    policy.public_read = true;
    const auto anonymous = decide(access::viewer, {});
    ASSERT_EQ(status(anonymous), 200u);
    EXPECT_EQ(std::get<principal>(anonymous).is, principal::kind::anonymous);
    EXPECT_EQ(status(decide(access::operator_, {})), 401u);
    EXPECT_EQ(status(decide(access::source, {})), 401u);
    // A bad token is still refused: public read does not turn a wrong secret into anonymity.
    EXPECT_EQ(status(decide(access::viewer, {.authorization = "Bearer pt_unknown"})), 401u);
}

TEST_F(Access, ASessionCookieReadsAndChangesButOnlyFromThisServersOwnPages)
{
    const std::string cookie = "theme=dark; pantau_session=cookie-siti";
    const auto read = decide(access::viewer, {.cookie = cookie});
    ASSERT_EQ(status(read), 200u);
    EXPECT_TRUE(std::get<principal>(read).by_cookie);
    // A change from a foreign page, or with no sign of where it came from: refused.
    EXPECT_EQ(std::get<refusal>(decide(access::operator_, {.unsafe_method = true, .cookie = cookie,
                                                           .origin = "https://evil.example", .host = "pantau:8080"}))
                  .code,
              "cross_site");
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie, .host = "pantau:8080"})), 403u);
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie, .fetch_site = "cross-site",
                                                .host = "pantau:8080"})),
              403u);
    // From its own origin (scheme and host), or a fetch the browser marks same-origin: allowed.
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie,
                                                .origin = "http://pantau:8080", .host = "pantau:8080"})),
              200u);
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie,
                                                .origin = "http://pantau:8080", .host = "pantau:8080", .tls = true})),
              403u);
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie, .fetch_site = "same-origin"})),
              200u);
    policy.allowed_origins = {"https://wall.example.org"};
    EXPECT_EQ(status(decide(access::operator_, {.unsafe_method = true, .cookie = cookie,
                                                .origin = "https://wall.example.org", .host = "pantau:8080"})),
              200u);
    // An ended session is a 401 the browser may well cause itself: not counted as an attack.
    const auto ended = decide(access::viewer, {.cookie = "pantau_session=gone"});
    ASSERT_EQ(status(ended), 401u);
    EXPECT_FALSE(std::get<refusal>(ended).bad_credentials);
}

TEST_F(Access, OriginsAndCookiesParse)
{
    EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", false, policy));
    EXPECT_TRUE(origin_allowed("HTTP://127.0.0.1:8080", "127.0.0.1:8080", false, policy));
    EXPECT_FALSE(origin_allowed("http://127.0.0.1:8081", "127.0.0.1:8080", false, policy));
    EXPECT_FALSE(origin_allowed("null", "127.0.0.1:8080", false, policy));
    EXPECT_FALSE(origin_allowed("http://", "", false, policy));
    EXPECT_EQ(cookie_value("a=1; pantau_session=xyz; b=2", "pantau_session"), "xyz");
    EXPECT_EQ(cookie_value("xpantau_session=no", "pantau_session"), "");
    EXPECT_EQ(cookie_value("", "pantau_session"), "");
}

} // namespace
} // namespace pantau::auth
