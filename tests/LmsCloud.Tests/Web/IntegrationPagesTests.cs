using System.Net;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// A district admin's integration clients and sign-in providers in Chromium: a machine client whose secret is shown once
/// and works at /connect/token until it is revoked; a code-flow app; a provider added, edited, disabled and deleted,
/// with the sign-in page of that district (and only that one) following; a teacher gets the 403 page; axe everywhere.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class IntegrationPagesTests(BrowserFixture web, ITestOutputHelper output)
{
    static ILocator Cells(ILocator table, int row) => table.Locator("tbody tr").Nth(row).Locator("th, td");

    /// <summary>What the SIS automation does with the client: a client_credentials request to the running server, as the district's host.</summary>
    async Task<HttpResponseMessage> ClientCredentialsAsync(string slug, string clientId, string secret)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{web.Port}/connect/token")
        {
            Content = new FormUrlEncodedContent([
                KeyValuePair.Create("grant_type", "client_credentials"), KeyValuePair.Create("client_id", clientId),
                KeyValuePair.Create("client_secret", secret), KeyValuePair.Create("scope", "sis.import")]),
        };
        request.Headers.Host = $"{slug}.localhost:{web.Port}";
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    [Fact]
    public async Task An_admin_creates_a_machine_client_sees_its_secret_once_uses_it_and_revokes_it()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, admin);

        await page.GotoAsync(web.Url(district.Slug, "/admin/integrations"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Integration clients", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("The district has no integration clients yet.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "New integration client" }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "integration-client-new");
        // No scope chosen: the form comes back with the service's message and what was typed.
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Nightly SIS sync");
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Give one or more of: sis.import, {Core.Integrations.Scopes.GradebookReadonly}.");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Nightly SIS sync");

        await page.GetByLabel("sis.import").CheckAsync();
        var created = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(200, created.Status);
        Assert.Contains("no-store", (await created.AllHeadersAsync())["cache-control"]);
        Assert.EndsWith("/admin/integrations/new", page.Url); // shown in the POST's answer: no redirect carries the secret
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Client secret: copy it now" })).ToBeVisibleAsync();
        var clientId = await page.Locator("#client-id").InnerTextAsync();
        var secret = await page.GetByLabel("Client secret", new() { Exact = true }).InputValueAsync();
        Assert.Matches("^lms_[0-9a-f]{20}$", clientId);
        Assert.True(secret.Length >= 32, secret);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "integration-client-secret");

        var token = await ClientCredentialsAsync(district.Slug, clientId, secret);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.True(JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement.TryGetProperty("access_token", out _));

        // The list, reloaded: the client, never its secret again.
        await page.GetByRole(AriaRole.Link, new() { Name = "Done: back to the list" }).ClickAsync();
        await page.ReloadAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Integration clients, page 1" });
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(1);
        await Expect(Cells(table, 0).Nth(0)).ToHaveTextAsync("Nightly SIS sync");
        await Expect(Cells(table, 0).Nth(1)).ToHaveTextAsync(clientId);
        await Expect(Cells(table, 0).Nth(2)).ToHaveTextAsync("Machine (client credentials)");
        await Expect(Cells(table, 0).Nth(3)).ToHaveTextAsync("sis.import");
        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the list scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "integration-clients");

        // Revoke, through the confirmation page; cancel first changes nothing.
        await table.GetByRole(AriaRole.Link, new() { Name = "Revoke Nightly SIS sync" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Revoke Nightly SIS sync?", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(HttpStatusCode.OK, (await ClientCredentialsAsync(district.Slug, clientId, secret)).StatusCode);
        await table.GetByRole(AriaRole.Link, new() { Name = "Revoke Nightly SIS sync" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke Nightly SIS sync" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Nightly SIS sync ({clientId}) is revoked");
        await Expect(table.GetByRole(AriaRole.Link, new() { Name = "Revoke Nightly SIS sync" })).ToHaveCountAsync(0);
        await Expect(Cells(table, 0).Nth(5).Locator("time")).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(page);

        var after = await ClientCredentialsAsync(district.Slug, clientId, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode); // RFC 6749 §5.2: the client failed to authenticate
        Assert.Equal("invalid_client", JsonDocument.Parse(await after.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_admin_registers_a_code_flow_app_and_a_teacher_gets_the_403_page()
    {
        var district = await web.CreateDistrictAsync("Riverside School District");
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, admin);

        await page.GotoAsync(web.Url(district.Slug, "/admin/integrations/new"));
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Riverside parent app");
        await page.GetByLabel("App that signs people in").CheckAsync();
        await page.GetByLabel("openid").CheckAsync();
        await page.GetByLabel("profile").CheckAsync();
        await page.GetByLabel("Redirect URIs, one a line", new() { Exact = true }).FillAsync("http://example.org/callback");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("must use https");
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Redirect URIs, one a line", new() { Exact = true }).FillAsync("https://parents.example.org/callback\nhttp://localhost:5173/callback");
        await page.GetByLabel("Never ask (the district's own app)").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Riverside parent app is created" })).ToBeVisibleAsync();
        await Expect(page.Locator(".facts")).ToContainTextAsync("https://parents.example.org/callback, http://localhost:5173/callback");
        await Expect(page.Locator(".facts")).ToContainTextAsync("implicit");
        await Expect(page.GetByLabel("Client secret", new() { Exact = true })).ToHaveCountAsync(1); // confidential: it has one
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GotoAsync(web.Url(district.Slug, "/admin/integrations"));
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Integration clients, page 1" });
        await Expect(Cells(table, 0).Nth(2)).ToHaveTextAsync("App (code flow)");
        await Expect(Cells(table, 0).Nth(3)).ToHaveTextAsync("openid, profile");

        // Another district with 1,000 clients of its own: its admin pages through them, and never sees riverside's app.
        var other = await web.CreateDistrictAsync("Lakeside District");
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(other.Id))
        {
            await using var insert = new Npgsql.NpgsqlCommand(
                "insert into integration_clients (tenant_id, id, client_id, name, secret_hash, scopes, created_at) " +
                "select $1, gen_random_uuid(), 'lms_bulk' || g, 'Bulk client ' || lpad(g::text, 4, '0'), '\\x00'::bytea, " +
                "array['sis.import'], now() - (1001 - g) * interval '1 second' from generate_series(1, 1000) g", conn)
            { Parameters = { new() { Value = other.Id } } };
            await insert.ExecuteNonQueryAsync();
        }
        var otherAdmin = await web.Api.CreateUserAsync(other, Roles.DistrictAdmin);
        var otherPage = await web.NewPageAsync();
        await web.SignInAsync(otherPage, otherAdmin);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await otherPage.GotoAsync(web.Url(other.Slug, "/admin/integrations"));
        output.WriteLine($"/admin/integrations over 1,000 clients: {clock.ElapsedMilliseconds} ms to the browser's load event");
        var otherTable = otherPage.GetByRole(AriaRole.Table, new() { Name = "Integration clients, page 1" });
        await Expect(otherTable.Locator("tbody tr")).ToHaveCountAsync(50);
        await Expect(Cells(otherTable, 0).Nth(0)).ToHaveTextAsync("Bulk client 0001");
        Assert.DoesNotContain("Riverside parent app", await otherPage.ContentAsync());
        await Expect(otherPage.GetByRole(AriaRole.Link, new() { Name = "Previous" })).ToHaveCountAsync(0);
        await otherPage.GetByRole(AriaRole.Link, new() { Name = "Next" }).ClickAsync();
        var second = otherPage.GetByRole(AriaRole.Table, new() { Name = "Integration clients, page 2" });
        await Expect(Cells(second, 0).Nth(0)).ToHaveTextAsync("Bulk client 0051");
        await BrowserFixture.AssertAccessibleAsync(otherPage);
        await otherPage.GotoAsync(web.Url(other.Slug, "/admin/integrations?page=20"));
        await Expect(Cells(otherPage.GetByRole(AriaRole.Table), 49).Nth(0)).ToHaveTextAsync("Bulk client 1000");
        await Expect(otherPage.GetByRole(AriaRole.Link, new() { Name = "Next" })).ToHaveCountAsync(0);
        await otherPage.GetByRole(AriaRole.Link, new() { Name = "Previous" }).ClickAsync();
        await Expect(otherPage.GetByRole(AriaRole.Table, new() { Name = "Integration clients, page 19" })).ToBeVisibleAsync();

        // A teacher may not open any of these pages.

        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var teacherPage = await web.NewPageAsync();
        await web.SignInAsync(teacherPage, teacher);
        foreach (var path in new[] { "/admin/integrations", "/admin/integrations/new", "/admin/sso", "/admin/sso/new" })
        {
            var response = await teacherPage.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(teacherPage.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
    }

    [Fact]
    public async Task A_provider_added_edited_disabled_and_deleted_on_the_admin_page_shows_on_that_districts_sign_in_page_only()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var other = await web.CreateDistrictAsync("Riverside School District");
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, admin);
        var visitor = await web.NewPageAsync(width: 360);

        async Task<IReadOnlyList<string>> SignInButtonsAsync(string slug)
        {
            await visitor.GotoAsync(web.Url(slug, "/account/sign-in"));
            return await visitor.GetByRole(AriaRole.Link).Filter(new() { HasTextString = "Sign in with" }).AllInnerTextsAsync();
        }

        await page.GotoAsync(web.Url(district.Slug, "/admin/sso"));
        await Expect(page.GetByText("The district has no sign-in providers")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Add a sign-in provider" }).ClickAsync();
        await page.GetByLabel("Display name").FillAsync("Northwind Google");
        await page.GetByLabel("Issuer URL").FillAsync("https://accounts.example.org");
        await page.GetByLabel("Client id").FillAsync("northwind-lms");
        await page.GetByLabel("Client secret").FillAsync("provider-secret-1");
        // Neither a SIS id claim nor email matching: nobody could ever be matched, and the page says so.
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Add provider" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Give a SIS id claim, or allow linking by verified email");
        await Expect(page.GetByLabel("Display name")).ToHaveValueAsync("Northwind Google");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "sso-provider-new");

        await page.GetByLabel("Client secret").FillAsync("provider-secret-1");
        await page.GetByLabel("SIS id claim (optional)").FillAsync("employee_id");
        await page.GetByLabel("Match by verified email address").CheckAsync();
        await page.GetByLabel("Allowed email domains").FillAsync("northwind.example.org, staff.northwind.example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add provider" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Northwind Google is saved.");
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Sign-in providers, page 1" });
        await Expect(Cells(table, 0).Nth(0)).ToHaveTextAsync("Northwind Google");
        await Expect(Cells(table, 0).Nth(1)).ToContainTextAsync("https://accounts.example.org");
        await Expect(Cells(table, 0).Nth(1)).ToContainTextAsync("secret set");
        await Expect(Cells(table, 0).Nth(2)).ToContainTextAsync("employee_id");
        await Expect(Cells(table, 0).Nth(2)).ToContainTextAsync("northwind.example.org, staff.northwind.example.org");
        await Expect(Cells(table, 0).Nth(3)).ToContainTextAsync("Enabled");
        Assert.DoesNotContain("provider-secret-1", await page.ContentAsync());
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "sso-providers");

        Assert.Equal(["Sign in with Northwind Google"], await SignInButtonsAsync(district.Slug));
        Assert.Empty(await SignInButtonsAsync(other.Slug));
        await BrowserFixture.AssertAccessibleAsync(visitor);

        // Edit: the secret is never shown back; leaving it empty keeps it.
        await table.GetByRole(AriaRole.Link, new() { Name = "Edit Northwind Google" }).ClickAsync();
        await Expect(page.GetByLabel("Replace client secret")).ToHaveValueAsync("");
        Assert.DoesNotContain("provider-secret-1", await page.ContentAsync());
        await Expect(page.GetByLabel("SIS id claim (optional)")).ToHaveValueAsync("employee_id");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Display name").FillAsync("Northwind Accounts");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Northwind Accounts is saved.");
        Assert.Equal(["Sign in with Northwind Accounts"], await SignInButtonsAsync(district.Slug));

        // Disable from the list: off the sign-in page; enable again: back.
        await table.GetByRole(AriaRole.Button, new() { Name = "Disable Northwind Accounts" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Northwind Accounts is saved (disabled: it is not on the sign-in page).");
        await Expect(Cells(table, 0).Nth(3)).ToContainTextAsync("Disabled");
        Assert.Empty(await SignInButtonsAsync(district.Slug));
        await table.GetByRole(AriaRole.Button, new() { Name = "Enable Northwind Accounts" }).ClickAsync();
        Assert.Equal(["Sign in with Northwind Accounts"], await SignInButtonsAsync(district.Slug));

        // Delete, through the confirmation page.
        await table.GetByRole(AriaRole.Link, new() { Name = "Delete Northwind Accounts" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Delete Northwind Accounts?", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Northwind Accounts" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The provider is deleted");
        await Expect(page.GetByText("The district has no sign-in providers")).ToBeVisibleAsync();
        Assert.Empty(await SignInButtonsAsync(district.Slug));

        var missing = await page.GotoAsync(web.Url(district.Slug, $"/admin/sso/{Guid.NewGuid()}/edit"));
        Assert.Equal(404, missing!.Status);
    }
}
