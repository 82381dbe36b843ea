using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using LmsCloud.Api.Rostering;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using Quartz;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The district admin's pages in Chromium (/admin, /admin/district, /admin/users…) and the profile's password change,
/// driven as a person would, axe on every page; a teacher gets the 403 page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class AdminPagesTests(BrowserFixture web)
{
    static District Active(DistrictSummary d) => new(d.Id, d.Slug, d.Name, DistrictStatus.Active);

    [Fact]
    public async Task An_admin_changes_the_district_settings_and_sees_them_on_the_next_page()
    {
        var district = await web.CreateDistrictAsync("Lakeside District");
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        // A nightly import is scheduled in the district's time zone (America/Chicago).
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("insert into sis_schedules (tenant_id, enabled) values ($1, true)", conn))
        {
            cmd.Parameters.AddWithValue(district.Id);
            await cmd.ExecuteNonQueryAsync();
        }
        await DistrictScope.RunAsync(web.Api.Services, Active(district), async scope =>
        {
            await scope.GetRequiredService<NightlyImportTriggers>().SyncAsync(scope.GetRequiredService<LmsDbContext>(), default);
            return 0;
        });
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, admin);

        await page.GetByRole(AriaRole.Link, new() { Name = "Administration", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administration", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(["District settings", "Users", "Integration clients", "SSO providers"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "District settings" }).ClickAsync();
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Lakeside District");
        await Expect(page.GetByLabel("Deletion threshold (%)")).ToHaveValueAsync("10"); // the engine's default, 0.10, as a percent
        await BrowserFixture.AssertAccessibleAsync(page);

        // A colour too light for white text, a zone that does not exist and a percent that is not a number: errors, input kept, nothing saved.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Lakeside Unified");
        await page.GetByLabel("Time zone").FillAsync("Mars/Olympus_Mons");
        await page.GetByLabel("Brand colour").FillAsync("#ffff00");
        await page.GetByLabel("Deletion threshold (%)").FillAsync("lots");
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("'Mars/Olympus_Mons' is not an IANA time zone");
        await Expect(alert).ToContainTextAsync("#ffff00 is too light: white text on it has a contrast of 1.1:1, and at least 4.5:1 is needed");
        await Expect(alert).ToContainTextAsync("from 0 to 1 (0% to 100%)");
        await Expect(page.GetByLabel("Brand colour")).ToHaveValueAsync("#ffff00");
        await Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Mars/Olympus_Mons");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Lakeside Unified");
        await Expect(page.GetByLabel("Brand colour")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Lakeside District" })).ToBeVisibleAsync(); // the header: not saved
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Time zone").FillAsync("America/Denver");
        await page.GetByLabel("Brand colour").FillAsync("#7C2D12");
        await page.GetByLabel("Row errors").SelectOptionAsync("strict");
        await page.GetByLabel("Deletion threshold (%)").FillAsync("25");
        await page.GetByLabel("When a local edit and the SIS disagree").SelectOptionAsync("LocalWins");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The district's settings are saved.");
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/admin/district?saved=true"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Lakeside Unified" })).ToBeVisibleAsync();
        Assert.Equal("rgb(124, 45, 18)", await page.Locator(".site-header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await Expect(page.GetByLabel("Deletion threshold (%)")).ToHaveValueAsync("25");
        await Expect(page.GetByLabel("Row errors")).ToHaveValueAsync("strict");
        await Expect(page.Locator("main time")).ToContainTextAsync("UTC-07:00"); // "last changed", in Denver's winter time
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the settings page scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "admin-district");

        // The next page has the name and colour too; the engine reads the import settings from the profile.
        await page.GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();
        await Expect(page.Locator("#greeting")).ToHaveTextAsync("You are signed in to Lakeside Unified as district admin.");
        Assert.Equal("rgb(124, 45, 18)", await page.Locator(".site-header").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(district.Id))
        {
            var sis = JsonDocument.Parse(await TestDatabase.ScalarAsync<string>(conn, "select (settings -> 'sis')::text from district_profiles")).RootElement;
            Assert.Equal(("strict", 0.25, "LocalWins"),
                (sis.GetProperty("mode").GetString(), sis.GetProperty("deletionThreshold").GetDouble(), sis.GetProperty("localEdits").GetString()));
        }
        // The nightly import followed the district's clock (the page's change, through the same DistrictSettings as the API).
        var scheduler = await web.Api.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = Assert.IsAssignableFrom<ICronTrigger>(await scheduler.GetTrigger(NightlyImportTriggers.TriggerKeyFor(district.Id)));
        Assert.Equal("America/Denver", trigger.TimeZone.Id);
    }

    [Fact]
    public async Task An_admin_finds_creates_and_manages_a_user_who_then_signs_in_with_a_reset_code()
    {
        var district = await web.CreateDistrictAsync();
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        await DistrictScope.RunAsync(web.Api.Services, Active(district), async scope =>
        {
            var users = scope.GetRequiredService<UserAdministration>();
            for (var i = 1; i <= 55; i++)
                Assert.Null((await users.CreateAsync(new NewUser($"pupil{i:00}@example.test", $"Pupil {i:00}", [Roles.Student], null))).Errors);
            return 0;
        });
        // And 1,000 guardians, so the first page is drawn over a district of a real size.
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("""
            with people as (
              insert into users (tenant_id, id, user_name, normalized_user_name, email, normalized_email, display_name, security_stamp, concurrency_stamp)
              select $1, gen_random_uuid(), 'guardian' || i || '@example.test', upper('guardian' || i || '@example.test'),
                     'guardian' || i || '@example.test', upper('guardian' || i || '@example.test'), 'Guardian ' || lpad(i::text, 4, '0'), 'x', 'x'
              from generate_series(1, 1000) i returning id)
            insert into user_roles (tenant_id, user_id, role) select $1, id, 'Guardian' from people
            """, conn))
        {
            cmd.Parameters.AddWithValue(district.Id);
            await cmd.ExecuteNonQueryAsync();
        }
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Administration", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Users", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Users (1056)" }).Locator("tbody tr")).ToHaveCountAsync(50);
        // How fast this page renders over a district this size is the pages benchmark's to say (docs/benchmarks.md), not a timed test's.

        // Search by role, page through with the filter kept.
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync(Roles.Student);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Users (55)" });
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(50);
        await Expect(table.Locator("tbody tr").First.Locator("th")).ToHaveTextAsync("Pupil 01");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the user list scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/admin/users?role=Student&page=2"));
        await Expect(table.Locator("tbody th")).ToHaveTextAsync(["Pupil 51", "Pupil 52", "Pupil 53", "Pupil 54", "Pupil 55"]);
        await Expect(page.GetByLabel("Role", new() { Exact = true })).ToHaveValueAsync(Roles.Student);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/admin/users?role=Student&page=1"));
        // By text in the email.
        await page.GetByLabel("Name, email or user name").FillAsync("PUPIL07@");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Users (1)" }).Locator("tbody th")).ToHaveTextAsync("Pupil 07");

        // Create a teacher: no password yet, the page offers a reset code.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create a user" }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Display name").FillAsync("Jordan Lee");
        await page.GetByLabel("Email (also the user name)").FillAsync("jordan.lee@example.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("At least one role is required.");
        await Expect(page.GetByLabel("Display name")).ToHaveValueAsync("Jordan Lee");
        await page.GetByLabel("teacher", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jordan Lee", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The user is created");
        await Expect(page.Locator(".facts")).ToContainTextAsync("Not set");
        await BrowserFixture.AssertAccessibleAsync(page);

        // Give a role.
        await page.GetByLabel("school admin", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The roles are saved.");
        await Expect(page.GetByLabel("school admin", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(page.GetByLabel("teacher", new() { Exact = true })).ToBeCheckedAsync();

        // Lock: the locked filter finds Jordan; unlock.
        await page.GetByRole(AriaRole.Button, new() { Name = "Lock account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The account is locked");
        await page.GotoAsync(web.Url(district.Slug, "/admin/users"));
        await page.GetByLabel("Status").SelectOptionAsync("locked");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var locked = page.GetByRole(AriaRole.Table, new() { Name = "Users (1)" });
        await Expect(locked.Locator("tbody td").Last).ToHaveTextAsync("Locked");
        await locked.GetByRole(AriaRole.Link, new() { Name = "Jordan Lee" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Unlock account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The account is unlocked.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Lock account" })).ToBeVisibleAsync();

        // A one-time reset code, shown once with its expiry in the district's time.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a password reset code" }).ClickAsync();
        var shown = page.Locator("#reset-code");
        await Expect(shown).ToContainTextAsync("shown only now");
        await Expect(shown.Locator("time")).ToContainTextAsync("UTC-06:00"); // America/Chicago in winter
        var code = (await shown.Locator(".secret").TextContentAsync())!.Trim();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "admin-user");

        // Jordan, in another browser, sets a password with it and signs in.
        var jordan = await web.NewPageAsync();
        await jordan.GotoAsync(web.Url(district.Slug, "/account/password-reset"));
        await jordan.GetByLabel("Reset code").FillAsync(code);
        await jordan.GetByLabel("New password").FillAsync("jordans own passphrase 7");
        await jordan.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        await Expect(jordan.GetByRole(AriaRole.Status)).ToContainTextAsync("Your new password is set");
        await web.SignInAsync(jordan, new TestUser(Guid.Empty, "jordan.lee@example.test", district.Slug), "jordans own passphrase 7");
        await Expect(jordan.Locator("#greeting")).ToHaveTextAsync($"You are signed in to {district.Name} as school admin, teacher.");

        // The admin's own page: changing one's own roles or lock is refused with a message, nothing changes.
        await page.GotoAsync(web.Url(district.Slug, $"/admin/users/{admin.Id}"));
        await page.GetByLabel("district admin", new() { Exact = true }).UncheckAsync();
        var own = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Save roles" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(409, own.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("You cannot change your own roles; ask another district admin.");
        await Expect(page.GetByLabel("district admin", new() { Exact = true })).ToBeCheckedAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Lock account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("You cannot lock your own account.");
        await BrowserFixture.AssertAccessibleAsync(page);

        var missing = await page.GotoAsync(web.Url(district.Slug, $"/admin/users/{Guid.NewGuid()}"));
        Assert.Equal(404, missing!.Status);
    }

    [Fact]
    public async Task A_teacher_gets_the_403_page_on_the_admin_pages()
    {
        var district = await web.CreateDistrictAsync();
        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, teacher);
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Administration" })).ToHaveCountAsync(0);

        foreach (var path in new[] { "/admin", "/admin/district", "/admin/users", "/admin/users/new", $"/admin/users/{teacher.Id}" })
        {
            var response = await page.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_password_change_ends_every_session_and_token_and_the_new_password_signs_in()
    {
        var district = await web.CreateDistrictAsync();
        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var other = await web.NewPageAsync(); // the person's other browser
        await web.SignInAsync(other, teacher);
        await Expect(other.Locator("#greeting")).ToBeVisibleAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web.Port}") };
        var accessToken = await AccessTokenAsync(http, district.Slug, teacher.Email, ApiFactory.Password);
        Assert.Equal(HttpStatusCode.OK, (await GetMeAsync(http, district.Slug, accessToken)).StatusCode);

        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, teacher);
        await page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // A wrong current password, then a confirmation that differs: clear errors, still signed in.
        await page.GetByLabel("Current password").FillAsync("not my password at all");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a fresh passphrase 2026");
        await page.GetByLabel("Confirm the new password").FillAsync("a fresh passphrase 2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.Locator("#password-errors")).ToHaveTextAsync("Your current password is not right.");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Current password").FillAsync(ApiFactory.Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a fresh passphrase 2026");
        await page.GetByLabel("Confirm the new password").FillAsync("a fresh passphrase 2027");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.Locator("#password-errors")).ToHaveTextAsync("The new password and its confirmation differ.");
        await page.GetByLabel("Current password").FillAsync(ApiFactory.Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("short");
        await page.GetByLabel("Confirm the new password").FillAsync("short");
        await page.Locator("form:has(#newPassword)").EvaluateAsync("f => f.noValidate = true"); // the server's rule, not the browser's
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page.Locator("#password-errors")).ToContainTextAsync("at least 10 characters");

        await page.GetByLabel("Current password").FillAsync(ApiFactory.Password);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("a fresh passphrase 2026");
        await page.GetByLabel("Confirm the new password").FillAsync("a fresh passphrase 2026");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/account/sign-in?notice=password-changed"));
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your password was changed; sign in with your new password.");
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == LmsCloud.Api.Auth.BrowserSessions.CookieName);
        await BrowserFixture.AssertAccessibleAsync(page);

        // The other browser's session and the API token have ended; the old password no longer works, the new one does.
        await other.GotoAsync(web.Url(district.Slug, "/profile"));
        await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMeAsync(http, district.Slug, accessToken)).StatusCode);
        await web.SignInAsync(page, teacher);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The user name or password is incorrect");
        await web.SignInAsync(page, teacher, "a fresh passphrase 2026");
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();

        await using var conn = await web.Api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn,
            "select count(*) from audit_events where action = 'password.changed' and subject_user_id = $1", teacher.Id));
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn,
            "select count(*) from audit_events where action = 'password.change_failed' and subject_user_id = $1", teacher.Id));
    }

    async Task<string> AccessTokenAsync(HttpClient http, string slug, string userName, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password", ["username"] = userName, ["password"] = password }),
        };
        request.Headers.Host = $"{slug}.localhost:{web.Port}";
        var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    async Task<HttpResponseMessage> GetMeAsync(HttpClient http, string slug, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Host = $"{slug}.localhost:{web.Port}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await http.SendAsync(request);
    }
}
