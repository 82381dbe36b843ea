using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Auth;

/// <summary>Browser sessions: the sign-in form, the <c>__Host-</c> cookie and what ends it, through HTTP on each district's host.</summary>
public sealed class BrowserSessionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static async Task<JsonElement> MeAsync(TestBrowser browser)
    {
        var response = await browser.GetAsync("/api/me");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static async Task SignedOutAsync(TestBrowser browser)
    {
        var response = await browser.GetAsync("/api/me");
        await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, "Unauthorized", withDetail: true);
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys); // and the refused cookie is deleted
    }

    [Fact]
    public async Task Sign_in_by_form_sets_a_host_only_secure_httponly_lax_session_cookie_and_redirects_303_to_the_return_url()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = new TestBrowser(api, district.Slug);

        var response = await browser.SignInAsync(teacher.Email, returnUrl: "/courses?term=fall");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/courses?term=fall", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(browser.LastSetCookies, c => c.Name == BrowserSessions.CookieName);
        Assert.True(cookie.Secure);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, cookie.SameSite);
        Assert.Equal("/", cookie.Path.Value);
        Assert.Null(cookie.Domain.Value);
        Assert.Null(cookie.Expires); // a session cookie: gone when the browser closes; the ticket inside expires on its own

        var me = await MeAsync(browser);
        Assert.Equal(teacher.Id.ToString(), me.GetProperty("subject").GetString());
        Assert.Equal(teacher.Email, me.GetProperty("email").GetString());

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = await officer.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=sign_in.succeeded&subject={teacher.Id}");
        Assert.Equal(1, events.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Without_a_return_url_sign_in_goes_to_the_start_page_and_roles_come_from_the_account()
    {
        var district = await api.Database.CreateDistrictAsync();
        var student = await api.CreateUserAsync(district, Roles.Student);
        var browser = new TestBrowser(api, district.Slug);

        var response = await browser.SignInAsync(student.Email);

        Assert.Equal("/", response.Headers.Location?.OriginalString);
        var denied = await browser.GetAsync("/api/users");
        await HttpAssert.ProblemAsync(denied, HttpStatusCode.Forbidden, "Forbidden", withDetail: true);
        Assert.True(browser.Cookies.ContainsKey(BrowserSessions.CookieName)); // a 403 does not end the session
    }

    [Fact]
    public async Task A_session_cookie_copied_to_another_districts_host_is_refused_and_keeps_working_at_home()
    {
        var a = await api.Database.CreateDistrictAsync();
        var b = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(a, Roles.Teacher);
        var browser = await new TestBrowser(api, a.Slug).SignedInAsync(teacher);

        var stolen = browser.CopyTo(api, b.Slug);
        await SignedOutAsync(stolen);
        // Refused for its district, before the user lookup (which RLS would leave empty on b's host anyway).
        Assert.Contains(api.Logs, l => l.Message == "Browser session refused: the session was issued for another district");

        await MeAsync(browser);
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_answer_identically_and_start_no_session()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Student);
        var browser = new TestBrowser(api, district.Slug);

        var unknown = await browser.SignInAsync("nobody@example.test", "whatever-it-is");
        var unknownBody = await unknown.Content.ReadAsStringAsync();
        var wrong = await browser.SignInAsync(user.Email, "whatever-it-is");

        await HttpAssert.ProblemAsync(wrong, HttpStatusCode.BadRequest, "Sign-in failed");
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        Assert.Equal(Normalize(unknownBody), Normalize(await wrong.Content.ReadAsStringAsync()));
        Assert.Contains(AccountEndpoints.SignInFailed, unknownBody);
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
    }

    /// <summary>Problem documents carry the request's trace id; everything else must match.</summary>
    static string Normalize(string problem) => System.Text.RegularExpressions.Regex.Replace(problem, "\"traceId\":\"[^\"]*\"", "");

    [Fact]
    public async Task A_form_post_without_a_valid_antiforgery_token_is_refused_before_the_password_is_checked()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = new TestBrowser(api, district.Slug);
        await browser.AntiforgeryTokenAsync(); // the cookie half alone

        var noToken = await browser.PostFormAsync("/account/sign-in", false, ("username", user.Email), ("password", ApiFactory.Password));
        await HttpAssert.ProblemAsync(noToken, HttpStatusCode.BadRequest, "Form refused", withDetail: true);

        // A token from another browser (an attacker's page) does not match this browser's cookie.
        var othersToken = await new TestBrowser(api, district.Slug).AntiforgeryTokenAsync();
        var forged = await browser.PostFormAsync("/account/sign-in", false,
            ("username", user.Email), ("password", ApiFactory.Password), ("__RequestVerificationToken", othersToken));
        await HttpAssert.ProblemAsync(forged, HttpStatusCode.BadRequest, "Form refused");

        var json = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/account/sign-in")
        {
            Content = JsonContent.Create(new { username = user.Email, password = ApiFactory.Password }),
        });
        await HttpAssert.ProblemAsync(json, HttpStatusCode.BadRequest, "Form refused");

        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = await officer.GetFromJsonAsync<JsonElement>($"/api/audit/events?subject={user.Id}&action=sign_in.succeeded");
        Assert.Equal(0, events.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\t/evil.example/")]
    [InlineData("javascript:alert(1)")]
    [InlineData("courses")]
    public async Task A_return_url_off_this_site_is_refused(string returnUrl)
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = new TestBrowser(api, district.Slug);

        var response = await browser.SignInAsync(user.Email, returnUrl: returnUrl);

        await HttpAssert.ValidationProblemAsync(response, "returnUrl", returnUrl);
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
    }

    [Fact]
    public async Task Sign_out_ends_the_session_and_is_audited()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = await new TestBrowser(api, district.Slug).SignedInAsync(user);

        var refused = await browser.PostFormAsync("/account/sign-out", withToken: false);
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.BadRequest, "Form refused");
        await MeAsync(browser); // still signed in: a cross-site post cannot sign anyone out

        var response = await browser.SignOutAsync();

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
        var anonymous = await browser.GetAsync("/api/me");
        await HttpAssert.ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        Assert.StartsWith("Bearer", anonymous.Headers.WwwAuthenticate.ToString()); // neither cookie nor token: the API's own 401

        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var events = await officer.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=sign_out&subject={user.Id}");
        var signOut = Assert.Single(events.GetProperty("items").EnumerateArray());
        Assert.Equal(user.Id.ToString(), signOut.GetProperty("actorId").GetString());
    }

    [Fact]
    public async Task Lock_role_change_and_password_reset_by_an_admin_end_the_session_on_the_next_request()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var locked = await api.CreateUserAsync(district, Roles.Teacher);
        var demoted = await api.CreateUserAsync(district, Roles.SchoolAdmin);
        var reset = await api.CreateUserAsync(district, Roles.Student);
        var unchanged = await api.CreateUserAsync(district, Roles.Teacher);
        var browsers = new Dictionary<TestUser, TestBrowser>();
        foreach (var user in new[] { locked, demoted, reset, unchanged })
            browsers[user] = await new TestBrowser(api, district.Slug).SignedInAsync(user);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{locked.Id}", new { locked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{demoted.Id}", new { roles = new[] { Roles.Teacher } })).StatusCode);
        var resetToken = (await (await admin.PostAsync($"/api/users/{reset.Id}/password-reset", null)).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("token").GetString();
        await MeAsync(browsers[reset]); // asking for a reset changes nothing yet
        var done = await api.ClientFor(district.Slug).PostAsJsonAsync("/api/account/password-reset", new { token = resetToken, newPassword = "my brand new passphrase" });
        Assert.True(done.IsSuccessStatusCode, await done.Content.ReadAsStringAsync());

        await SignedOutAsync(browsers[locked]);
        await SignedOutAsync(browsers[demoted]);
        await SignedOutAsync(browsers[reset]);
        await MeAsync(browsers[unchanged]);
    }

    [Fact]
    public async Task A_person_the_sis_dropped_or_disabled_loses_the_session_on_the_next_request()
    {
        var district = await api.Database.CreateDistrictAsync();
        var dropped = await api.CreateUserAsync(district, Roles.Student);
        var disabled = await api.CreateUserAsync(district, Roles.Student);
        var droppedBrowser = await new TestBrowser(api, district.Slug).SignedInAsync(dropped);
        var disabledBrowser = await new TestBrowser(api, district.Slug).SignedInAsync(disabled);

        // What the import does to the account (the SIS changes no security stamp).
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        {
            Assert.Equal(1, await Exec(conn, "update users set status = 'tobedeleted' where id = $1", dropped.Id));
            Assert.Equal(1, await Exec(conn, "update users set enabled_user = false where id = $1", disabled.Id));
        }

        await SignedOutAsync(droppedBrowser);
        await SignedOutAsync(disabledBrowser);
    }

    static async Task<int> Exec(NpgsqlConnection conn, string sql, Guid id)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(id);
        return await cmd.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_bearer_token_wins_over_a_session_cookie_sent_with_it()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = await new TestBrowser(api, district.Slug).SignedInAsync(teacher);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new("Bearer", "not-a-token");
        await HttpAssert.ProblemAsync(await browser.SendAsync(request), HttpStatusCode.Unauthorized);
        await MeAsync(browser); // the cookie was not looked at, nor deleted
    }

    [Fact]
    public async Task A_cookie_issued_by_one_node_is_accepted_by_another_over_the_shared_key_ring()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        var onNodeA = await new TestBrowser(api, district.Slug).SignedInAsync(teacher);
        await using var nodeB = api.AnotherNode();

        var onNodeB = onNodeA.CopyTo(nodeB, district.Slug);

        Assert.Equal(teacher.Email, (await MeAsync(onNodeB)).GetProperty("email").GetString());
        var signOut = await onNodeB.SignOutAsync(); // B's antiforgery token and cookie, for A's session
        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);

        // One key, A's, read by B from the table (a node that could not see it would have made and stored its own).
        await using var conn = await api.Database.OpenAsTenantAsync(null);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from data_protection_keys"));
    }

    [Fact]
    public async Task The_app_role_can_read_and_add_data_protection_keys_but_not_change_or_delete_them()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);
        await new TestBrowser(api, district.Slug).SignedInAsync(teacher); // the key ring exists from the first cookie on

        await using var conn = await api.Database.OpenAsTenantAsync(null);
        Assert.True(await TestDatabase.ScalarAsync<long>(conn, "select count(*) from data_protection_keys") >= 1);
        foreach (var sql in new[] { "update data_protection_keys set xml = '<key/>'", "delete from data_protection_keys", "truncate data_protection_keys" })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => TestDatabase.ScalarAsync<object>(conn, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        }
    }
}
