using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The audit pages in Chromium as a compliance officer (filters with dates in the district's time zone, keyset pages,
/// an expanded event, the CSV, the chain verified intact and then broken), and the pages a browser gets where it used to
/// get JSON (an anonymous unknown address, a suspended district), while API clients keep their problem documents.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class AuditPagesTests(BrowserFixture web)
{
    [Fact]
    public async Task A_compliance_officer_filters_pages_expands_downloads_and_verifies_the_audit_trail()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District"); // America/Chicago: UTC-06:00 in winter
        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var student = await web.Api.CreateUserAsync(district, Roles.Student);
        var actor = AuditActor.User(teacher.Id);
        // Around the district's midnights (the UTC dates differ from Chicago's): only the middle two are on 30 November there.
        await AppendAsync(district.Id, actor, "2026-11-30T05:30:00Z", new AuditEntry("grade.changed", "grade", "g-early", student.Id, Reason: "before the day"));
        var first = await AppendAsync(district.Id, actor, "2026-11-30T06:30:00Z", new AuditEntry("grade.changed", "grade", "g-1", student.Id,
            Before: new { score = 71 }, After: new { score = 88 }, Reason: "=1+2 regraded after a re-take"));
        var last = await AppendAsync(district.Id, actor, "2026-12-01T05:59:00Z", new AuditEntry("grade.changed", "grade", "g-2", student.Id, Reason: "late work"));
        await AppendAsync(district.Id, actor, "2026-12-01T06:00:00Z", new AuditEntry("grade.changed", "grade", "g-late", student.Id, Reason: "next day"));
        for (var i = 0; i < 120; i++) // enough for three pages of 50
            await AppendAsync(district.Id, AuditActor.Operator("ops"), "2026-11-15T12:00:00Z", new AuditEntry("test.bulk", Reason: $"bulk {i}"));

        var page = await web.NewPageAsync(360);
        await web.SignInAsync(page, officer);
        await page.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit trail", Level = 1 })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // Actor by email, an action and a day in the district's time zone.
        await page.GetByLabel("Actor (email, name, or id as recorded)").FillAsync(teacher.Email.ToUpperInvariant());
        await page.GetByLabel("Action").FillAsync("grade.changed");
        await page.GetByLabel("From (a day, America/Chicago)").FillAsync("2026-11-30");
        await page.GetByLabel("To (the whole day, America/Chicago)").FillAsync("2026-11-30");
        var response = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Show events" }).ClickAsync(), r => r.Url.Contains("/audit?"));
        Assert.Matches(@"^app;dur=\d+(\.\d)?$", await response.HeaderValueAsync("server-timing"));
        var rows = page.Locator("#events-caption").Locator("xpath=..").Locator("tbody tr");
        await Expect(page.Locator("#events-caption")).ToHaveTextAsync($"Events {first} to {last}, newest first");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0).Locator("th")).ToHaveTextAsync(last.ToString());
        await Expect(rows.Nth(1)).ToContainTextAsync("11/30/2026 12:30 AM UTC-06:00"); // 06:30Z read in Chicago
        await Expect(rows.Nth(1)).ToContainTextAsync($"Test Teacher ({teacher.Email})");
        await Expect(rows.Nth(1)).ToContainTextAsync($"Test Student ({student.Email})");

        // Expanding an event shows its reason and its before and after values.
        await Expect(page.GetByText("regraded after a re-take")).Not.ToBeVisibleAsync();
        await page.GetByText($"Event {first}", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByText("=1+2 regraded after a re-take")).ToBeVisibleAsync();
        await Expect(rows.Nth(1).Locator("pre").First).ToHaveTextAsync("""{"score":71}""");
        await Expect(rows.Nth(1).Locator("pre").Nth(1)).ToHaveTextAsync("""{"score":88}""");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "audit-filtered");

        // The CSV holds the same two events, the formula-looking reason defused.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download these events as CSV" }).ClickAsync());
        Assert.Equal("audit-events.csv", download.SuggestedFilename);
        var csv = (await File.ReadAllLinesAsync((await download.PathAsync())!)).ToList();
        Assert.Equal(3, csv.Count);
        Assert.StartsWith("seq,occurred_at_utc,actor_type,actor_id,", csv[0]);
        Assert.StartsWith($"{last},2026-12-01T05:59:00.000000Z,user,{teacher.Id},,grade.changed,grade,g-2,{student.Id},", csv[1]);
        Assert.StartsWith($"{first},2026-11-30T06:30:00.000000Z,user,{teacher.Id},,grade.changed,grade,g-1,{student.Id},", csv[2]);
        Assert.Contains("\"'=1+2 regraded after a re-take\"", csv[2]);

        // A subject that is nobody here is a clear error, not an empty list.
        await page.GotoAsync(web.Url(district.Slug, "/audit?subject=nobody%40example.test"));
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Subject: no user in this district has the email, name or id \"nobody@example.test\".");
        Assert.Equal(400, (await page.ReloadAsync())!.Status);
        // A subject by name (any case): the same two events with the teacher's.
        await page.GotoAsync(web.Url(district.Slug, "/audit?action=grade.changed&from=2026-11-30&to=2026-11-30"));
        await page.GetByLabel("Subject (user email, name or id)").FillAsync("test STUDENT");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show events" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(2);

        // Paging through the bulk events: 50, 50, 20, and back; the filter stays in the links.
        await page.GotoAsync(web.Url(district.Slug, "/audit"));
        await page.GetByLabel("Action").FillAsync("test.bulk");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show events" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Previous (newer)" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next (older)" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        await page.GetByRole(AriaRole.Link, new() { Name = "Next (older)" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(20);
        await Expect(rows.Last).ToContainTextAsync("test.bulk");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next (older)" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous (newer)" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        Assert.Contains("action=test.bulk", page.Url);
        await page.GetByRole(AriaRole.Link, new() { Name = "Previous (newer)" }).ClickAsync();
        await Expect(rows).ToHaveCountAsync(50);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Previous (newer)" })).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(page);

        // The chain: intact, then broken where the owner edited one event behind the application's back.
        await page.GetByRole(AriaRole.Link, new() { Name = "Verify the audit chain" }).ClickAsync();
        var total = await CountAsync(district.Id);
        await Expect(page.Locator("#verdict")).ToHaveTextAsync($"The audit trail is intact: {total} events, from event 1 to event {total}, each linked to the one before.");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "audit-verify-intact");

        await using (var owner = new NpgsqlConnection(web.Api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.Id);
            await using var edit = new NpgsqlCommand($"""
                alter table audit_events disable trigger audit_events_append_only;
                update audit_events set reason = 'no re-take happened' where seq = {first};
                alter table audit_events enable trigger audit_events_append_only;
                """, owner);
            await edit.ExecuteNonQueryAsync();
        }
        await page.GetByRole(AriaRole.Link, new() { Name = "Verify again" }).ClickAsync();
        await Expect(page.Locator("#verdict")).ToContainTextAsync(
            $"The audit trail is broken at event {first}. Event {first} was changed after it was written: its content no longer matches its hash.");
        await Expect(page.Locator("#verdict")).ToContainTextAsync($"Events 1 to {first - 1} are intact.");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "audit-verify-broken");
        await page.GetByRole(AriaRole.Link, new() { Name = $"Show the events from event {first} back" }).ClickAsync();
        await Expect(rows.First.Locator("th")).ToHaveTextAsync(first.ToString());
    }

    [Fact]
    public async Task Browsers_get_pages_where_api_clients_get_problems_and_a_teacher_cannot_open_the_audit_trail()
    {
        var district = await web.CreateDistrictAsync("Riverside Schools");
        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var page = await web.NewPageAsync();

        // Not signed in, an unknown address asks to sign in; the same address from a script is the API's 401 problem.
        await page.GotoAsync(web.Url(district.Slug, "/nope"));
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/account/sign-in?returnUrl=%2Fnope"));
        var api = await page.EvaluateAsync<string>("fetch('/nope').then(r => r.status + ' ' + r.headers.get('content-type'))");
        Assert.Equal("401 application/problem+json", api);

        // Signed in as a teacher: the unknown address is the 404 page, the audit pages the 403 page.
        await page.GetByLabel("Email or user name").FillAsync(teacher.Email);
        await page.GetByLabel("Password").FillAsync(ApiFactory.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        Assert.Equal(404, (await page.ReloadAsync())!.Status);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Audit", Exact = true })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/audit", "/audit/verify", "/audit?handler=csv" })
        {
            await page.GotoAsync(web.Url(district.Slug, path));
            await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/errors/forbidden"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(page);

        // A suspended district: a page for the browser, the RFC 9457 problem for API clients.
        await DistrictProvisioning.SetStatusAsync(web.Api.Database.ConnectionStrings, district.Slug, DistrictStatus.Suspended);
        var suspended = await Eventually.MatchAsync(() => page.GotoAsync(web.Url(district.Slug, "/")), r => r?.Status == 403);
        Assert.StartsWith("text/html", await suspended!.HeaderValueAsync("content-type"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "District unavailable", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("Riverside Schools")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "district-suspended");
        var problem = await page.EvaluateAsync<string>("fetch('/api/district').then(async r => r.status + ' ' + r.headers.get('content-type') + ' ' + (await r.json()).title)");
        Assert.Equal("403 application/problem+json District suspended", problem);
        await DistrictProvisioning.SetStatusAsync(web.Api.Database.ConnectionStrings, district.Slug, DistrictStatus.Active);
    }

    /// <summary>One event at a chosen instant, appended to the district's chain as the application would; its seq.</summary>
    async Task<long> AppendAsync(Guid tenantId, AuditActor actor, string at, AuditEntry entry)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(tenantId);
        await using var tx = await conn.BeginTransactionAsync();
        await AuditLog.AppendAsync(conn, tx, tenantId, entry, actor, null, null, DateTimeOffset.Parse(at), default);
        await tx.CommitAsync();
        return await CountAsync(tenantId);
    }

    async Task<long> CountAsync(Guid tenantId)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(tenantId);
        return await TestDatabase.ScalarAsync<long>(conn, "select max(seq) from audit_events");
    }
}
