using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The web application in Chromium: sign-in, home by role, sign-out, profile, password reset, error pages, district
/// separation, axe on every page and the 360 px fit. Each test has its own district(s), users and browser context.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class WebPagesTests(BrowserFixture web)
{
    /// <summary>Set to 1 to refresh the README's screenshots in docs/screenshots (committed).</summary>
    [Theory]
    [InlineData(Roles.DistrictAdmin, "district admin", "District administration")]
    [InlineData(Roles.SchoolAdmin, "school admin", "School administration")]
    [InlineData(Roles.Teacher, "teacher", "Teaching")]
    [InlineData(Roles.Student, "student", "Learning")]
    [InlineData(Roles.Guardian, "guardian", "Your children")]
    [InlineData(Roles.ComplianceOfficer, "compliance officer", "Compliance")]
    public async Task Each_role_signs_in_from_the_district_address_and_sees_its_home(string role, string roleName, string landing)
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var user = await web.Api.CreateUserAsync(district, role);
        var page = await web.NewPageAsync();

        // The district's address, not signed in: the sign-in page, which comes back to where the person was going.
        await page.GotoAsync(web.Url(district.Slug, "/profile"));
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/account/sign-in?returnUrl=%2Fprofile"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Northwind Unified School District" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        if (role == Roles.Teacher) await BrowserFixture.ScreenshotAsync(page, "sign-in");

        await page.GetByLabel("Email or user name").FillAsync(user.Email);
        await page.GetByLabel("Password").FillAsync(ApiFactory.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/profile"));
        await Expect(page.GetByText(user.Email)).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();
        await Expect(page.Locator("#greeting")).ToHaveTextAsync($"You are signed in to Northwind Unified School District as {roleName}.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = landing, Exact = true })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, $"home-{role}");
    }

    [Fact]
    public async Task Sign_out_ends_the_session_and_the_pages_ask_to_sign_in_again()
    {
        var district = await web.CreateDistrictAsync();
        var user = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, user);
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/account/sign-in?returnUrl=%2F"));
        await page.GotoAsync(web.Url(district.Slug, "/profile"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == LmsCloud.Api.Auth.BrowserSessions.CookieName);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_get_the_same_truthful_message()
    {
        var district = await web.CreateDistrictAsync();
        var user = await web.Api.CreateUserAsync(district, Roles.Student);
        var page = await web.NewPageAsync();

        await web.SignInAsync(page, user, "not the password at all");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(SignInMessages.Failed);
        await Expect(page.GetByLabel("Email or user name")).ToBeEmptyAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "sign-in-failed");

        await web.SignInAsync(page, user with { Email = "nobody-here@example.test" });
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync(SignInMessages.Failed);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == LmsCloud.Api.Auth.BrowserSessions.CookieName);
    }

    [Fact]
    public async Task A_session_of_one_district_does_not_open_another_districts_pages()
    {
        var northwind = await web.CreateDistrictAsync("Northwind");
        var riverside = await web.CreateDistrictAsync("Riverside");
        var user = await web.Api.CreateUserAsync(northwind, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, user);
        await Expect(page.Locator("#greeting")).ToContainTextAsync("Northwind");

        await page.GotoAsync(web.Url(riverside.Slug, "/profile"));
        await Expect(page).ToHaveURLAsync(web.Url(riverside.Slug, "/account/sign-in?returnUrl=%2Fprofile"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Riverside" })).ToBeVisibleAsync();

        await page.GotoAsync(web.Url(northwind.Slug, "/"));
        await Expect(page.Locator("#greeting")).ToContainTextAsync("Northwind"); // still signed in at home
    }

    [Fact]
    public async Task An_unknown_district_gets_a_not_found_page_and_the_api_keeps_its_problem()
    {
        var page = await web.NewPageAsync();
        var response = await page.GotoAsync(web.Url("no-such-district", "/"));
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "District not found" })).ToBeVisibleAsync();
        await Expect(page.GetByText("no-such-district.localhost")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // The same host's API (fetch from the page: only Chromium resolves *.localhost) answers a problem document.
        var api = await page.EvaluateAsync<string>("fetch('/api/district').then(r => r.status + ' ' + r.headers.get('content-type'))");
        Assert.Equal("404 application/problem+json", api);
    }

    [Fact]
    public async Task The_profile_changes_the_display_name_and_the_home_greets_with_it()
    {
        var district = await web.CreateDistrictAsync();
        var user = await web.Api.CreateUserAsync(district, Roles.Guardian);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, user);
        await page.GetByRole(AriaRole.Link, new() { Name = "Profile", Exact = true }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Display name").FillAsync("   ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync(); // required: the browser refuses
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveCountAsync(0);

        await page.GetByLabel("Display name").FillAsync("Pat Guardian");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your display name is saved.");
        await page.GetByRole(AriaRole.Link, new() { Name = "Home", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welcome, Pat Guardian");
    }

    [Fact]
    public async Task A_one_time_reset_code_sets_a_new_password_once()
    {
        var district = await web.CreateDistrictAsync();
        var user = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var reset = await DistrictScope.RunAsync(web.Api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<UserAdministration>().CreatePasswordResetAsync(user.Id, null));
        var token = reset.Value!.Value.Token;
        var page = await web.NewPageAsync(width: 360);

        await page.GotoAsync(web.Url(district.Slug, "/account/password-reset"));
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Reset code").FillAsync(token);
        await page.GetByLabel("New password").FillAsync("a brand new passphrase 42");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your new password is set");

        await page.GotoAsync(web.Url(district.Slug, "/account/password-reset"));
        await page.GetByLabel("Reset code").FillAsync(token);
        await page.GetByLabel("New password").FillAsync("yet another passphrase 43");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set new password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The reset token is invalid, used or expired");

        await web.SignInAsync(page, user, "a brand new passphrase 42");
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Pages_fit_a_360_px_phone_and_the_skip_link_reaches_the_main_content()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var user = await web.Api.CreateUserAsync(district, Roles.Student);
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, user);
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the home page scrolls sideways at 360 px");

        await page.Keyboard.PressAsync("Tab");
        var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to main content" });
        await Expect(skip).ToBeFocusedAsync();
        await Expect(skip).ToBeInViewportAsync(); // visible when focused
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("main")).ToBeFocusedAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "home-phone");
    }

    [Fact]
    public async Task The_sign_in_page_offers_each_enabled_sso_provider_of_its_district_only()
    {
        var district = await web.CreateDistrictAsync();
        var other = await web.CreateDistrictAsync();
        var here = new District(district.Id, district.Slug, district.Name, DistrictStatus.Active);
        var google = await AddProviderAsync(here, "Google Workspace", enabled: true);
        await AddProviderAsync(here, "Old Provider", enabled: false);
        await AddProviderAsync(new District(other.Id, other.Slug, other.Name, DistrictStatus.Active), "Elsewhere", enabled: true);
        var page = await web.NewPageAsync();

        await page.GotoAsync(web.Url(district.Slug, "/account/sign-in?returnUrl=%2Fprofile"));
        var button = page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Google Workspace" });
        await Expect(button).ToHaveAttributeAsync("href", $"/account/sso/{google}?returnUrl=%2Fprofile");
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Sign in with") })).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    async Task<Guid> AddProviderAsync(District district, string name, bool enabled) =>
        await DistrictScope.RunAsync(web.Api.Services, district, async scope =>
        {
            var db = scope.GetRequiredService<LmsCloud.Core.Database.LmsDbContext>();
            var provider = new LmsCloud.Core.Sso.IdentityProvider
            {
                TenantId = district.TenantId, DisplayName = name, Authority = "https://idp.example.test", ClientId = "lms",
                ClientSecretProtected = "unused here", Enabled = enabled, CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.IdentityProviders.Add(provider);
            await db.SaveChangesAsync();
            return provider.Id;
        });

    [Fact]
    public async Task The_forbidden_and_not_found_pages_are_pages()
    {
        var district = await web.CreateDistrictAsync();
        var page = await web.NewPageAsync();
        var forbidden = await page.GotoAsync(web.Url(district.Slug, "/errors/forbidden"));
        Assert.Equal(403, forbidden!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        var missing = await page.GotoAsync(web.Url(district.Slug, "/errors/not-found"));
        Assert.Equal(404, missing!.Status);
        await BrowserFixture.AssertAccessibleAsync(page);

        // A mistyped address of a signed-in person (an anonymous one meets the API's fallback policy first: 401).
        await web.SignInAsync(page, await web.Api.CreateUserAsync(district, Roles.Student));
        await Expect(page.Locator("#greeting")).ToBeVisibleAsync();
        var nowhere = await page.GotoAsync(web.Url(district.Slug, "/no/such/page"));
        Assert.Equal(404, nowhere!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        var api = await page.EvaluateAsync<string>("fetch('/api/no-such-thing').then(r => r.status + ' ' + r.headers.get('content-type'))");
        Assert.Equal("404 application/problem+json", api);
    }
}
