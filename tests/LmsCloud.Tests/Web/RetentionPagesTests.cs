using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Certificates;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Compliance.Signing;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The retention, legal hold and certificate pages in Chromium: an officer sets a policy (and meets a floor), makes a
/// dry-run report, sorts it, downloads it, approves it; the run (started here, as the nightly job would) deletes,
/// skips and holds, and its certificate shows as verified. A hold placed on a person found by name makes the next run
/// skip them with its reason; releasing it needs a reason. District admins read only (a forged POST is 403); teachers
/// get the 403 page. axe on every page; the holds list and the report at 360 px.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class RetentionPagesTests(BrowserFixture web)
{
    static readonly AuditActor Nightly = AuditActor.Operator("nightly-retention-test");

    /// <summary>A district with the northwind roster imported two years ago: its import artefacts are due.</summary>
    async Task<DistrictSummary> RosterAsync()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var outcome = await RosterSamples.ImportDirectlyAsync(web.Api.Database, district.Id, "northwind-1.1-bulk");
        await ExecAsync(district, "update import_runs set finished_at = now() - interval '2 years' where id = $1", outcome.RunId);
        return district;
    }

    Task<Guid> PersonAsync(DistrictSummary district, string sourcedId) =>
        RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", sourcedId);

    /// <summary>Marks a person tobedeleted by the SIS 800 days ago (the default keeps departed people a year).</summary>
    async Task DepartAsync(DistrictSummary district, Guid person)
    {
        await ExecAsync(district, "update users set status = 'tobedeleted' where id = $1", person);
        await ExecAsync(district, "update users set departed_at = now() - interval '800 days' where id = $1", person);
    }

    async Task<int> ExecAsync(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return await cmd.ExecuteNonQueryAsync();
    }

    async Task<T> ScalarAsync<T>(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    Task<T> InDistrictAsync<T>(DistrictSummary district, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(web.Api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active), work);

    /// <summary>What the nightly job does with an approved run.</summary>
    async Task ExecuteAsync(DistrictSummary district, Guid runId)
    {
        var outcome = await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ExecuteAsync(runId, Nightly));
        Assert.True(outcome.Error == null, outcome.Error?.Message);
        Assert.Equal(RetentionRunStates.Completed, outcome.Run!.State);
    }

    static Guid RunIdOf(IPage page) => Guid.Parse(new Uri(page.Url).AbsolutePath.Split('/')[^1]);

    /// <summary>Nothing wider than the screen: tables scroll inside their own region.</summary>
    static async Task AssertFitsAsync(IPage page) =>
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), $"{page.Url} scrolls sideways");

    static ILocator KindCells(IPage page) => page.Locator("#items tbody tr td:nth-child(2)");

    [Fact]
    public async Task An_officer_sets_a_policy_reports_sorts_downloads_approves_and_sees_what_the_run_deleted_skipped_and_certified()
    {
        var district = await RosterAsync();
        var comesBack = await PersonAsync(district, "nw-s-001");
        var departed = await PersonAsync(district, "nw-s-002");
        await DepartAsync(district, comesBack);
        await DepartAsync(district, departed);
        // The fall semester ended long ago: Biology (fall only) is due for its enrollments.
        await ExecAsync(district, """
            update academic_sessions set start_date = current_date - 900, end_date = current_date - 800
            where id = (select internal_id from external_ids where entity_type = 'academicSessions' and external_id = 'nw-2027-fall')
            """);
        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);

        var page = await web.NewPageAsync();
        await web.SignInAsync(page, officer);
        await page.GetByRole(AriaRole.Link, new() { Name = "Compliance", Exact = true }).First.ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Retention", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Retention", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("No retention runs yet.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // Authentication events are kept at least a year: six months is refused next to the field, nothing saved.
        var audit = page.GetByRole(AriaRole.Region, new() { Name = "Audit", Exact = true });
        await audit.GetByLabel("Period of Audit (ISO-8601)").FillAsync("P6M");
        await audit.GetByRole(AriaRole.Button, new() { Name = "Save the period of Audit" }).ClickAsync();
        await Expect(page.Locator("#period-Audit-error")).ToContainTextAsync("P6M is below the floor of P1Y");
        await Expect(page.GetByLabel("Period of Audit (ISO-8601)")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.GetByLabel("Period of Audit (ISO-8601)")).ToHaveValueAsync("P6M");
        await BrowserFixture.AssertAccessibleAsync(page);
        // Nor is what is no period at all.
        await audit.GetByLabel("Period of Audit (ISO-8601)").FillAsync("six months");
        await audit.GetByRole(AriaRole.Button, new() { Name = "Save the period of Audit" }).ClickAsync();
        await Expect(page.Locator("#period-Audit-error")).ToContainTextAsync("is not an ISO-8601 period");
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from audit_events where action = 'retention_policy.updated'"));

        // Import artefacts for 30 days: saved, shown in words and as written.
        var imports = page.GetByRole(AriaRole.Region, new() { Name = "ImportArtefacts", Exact = true });
        await imports.GetByLabel("Period of ImportArtefacts (ISO-8601)").FillAsync("p30d");
        await imports.GetByRole(AriaRole.Button, new() { Name = "Save the period of ImportArtefacts" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The retention period of ImportArtefacts is saved.");
        await Expect(imports).ToContainTextAsync("The district keeps this data 30 days (P30D).");
        await Expect(imports.GetByRole(AriaRole.Row).Filter(new() { HasText = "import_changes" })).ToContainTextAsync("30 days P30D (default P90D)");
        await Expect(imports.GetByRole(AriaRole.Row).Filter(new() { HasText = "import_changes" })).ToContainTextAsync("after the import run finished");

        // The dry run: nothing deleted yet, every kind listed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Make a dry-run report now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Retention run", Level = 1 })).ToBeVisibleAsync();
        var runId = RunIdOf(page);
        await Expect(page.Locator("#run-state")).ToHaveTextAsync("Dry-run report, awaiting approval");
        var summary = page.GetByRole(AriaRole.Table, new() { Name = "Items per kind" });
        await Expect(summary).ToContainTextAsync("Departed person");
        await Expect(summary).ToContainTextAsync("Class enrollments");
        await Expect(summary).ToContainTextAsync("Import change list");
        var items = await ScalarAsync<long>(district, "select count(*) from retention_run_items where run_id = $1", runId);
        await Expect(page.Locator("#items tbody tr")).ToHaveCountAsync((int)items);
        await Expect(KindCells(page).First).ToHaveTextAsync("Import package"); // by number: the order they were found in
        await BrowserFixture.AssertAccessibleAsync(page);

        // Sorted by kind, then the other way round.
        await page.Locator("#items thead").GetByRole(AriaRole.Link, new() { Name = "Kind" }).ClickAsync();
        await Expect(page.Locator("#items thead th[aria-sort='ascending']")).ToHaveTextAsync("Kind ▲");
        await Expect(KindCells(page).First).ToHaveTextAsync("Class enrollments");
        await page.Locator("#items thead").GetByRole(AriaRole.Link, new() { Name = "Kind" }).ClickAsync();
        await Expect(page.Locator("#items thead th[aria-sort='descending']")).ToHaveTextAsync("Kind ▼");
        await Expect(KindCells(page).First).Not.ToHaveTextAsync("Class enrollments");
        await Expect(KindCells(page).Last).ToHaveTextAsync("Class enrollments");
        Assert.Contains("sort=kind&desc=true", page.Url);

        // The CSV: every item, in the order shown.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download the report as CSV" }).ClickAsync());
        Assert.Equal($"retention-run-{runId}.csv", download.SuggestedFilename);
        var csv = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("seq,kind,table,target_id,", csv[0]);
        Assert.Equal(items + 1, csv.Count);
        Assert.Contains(",class_enrollments,", csv[^1]);

        // Cancelling needs a reason; approving takes a comment.
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel this run" }).ClickAsync();
        await Expect(page.Locator("#reason-error")).ToHaveTextAsync("Say why the run is cancelled.");
        await Expect(page.Locator("#run-state")).ToHaveTextAsync("Dry-run report, awaiting approval");
        await page.GetByLabel("Comment (optional)").FillAsync("Checked against the SIS departures list");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve this report" }).ClickAsync();
        await Expect(page.Locator("#run-state")).ToHaveTextAsync("Approved, waiting to run");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve this report" })).ToHaveCountAsync(0);
        Assert.Equal("Checked against the SIS departures list", await ScalarAsync<string>(district,
            "select reason from audit_events where action = 'retention_run.approved' and entity_id = $1", runId.ToString()));

        // Before the night's run: one departed student came back, and the fall term was extended.
        await ExecAsync(district, "update users set status = 'active' where id = $1", comesBack);
        await ExecAsync(district, """
            update academic_sessions set end_date = current_date + 200
            where id = (select internal_id from external_ids where entity_type = 'academicSessions' and external_id = 'nw-2027-fall')
            """);
        await ExecuteAsync(district, runId);

        await page.ReloadAsync();
        await Expect(page.Locator("#run-state")).ToHaveTextAsync("Completed");
        await Expect(page.Locator("#deleted-items")).ToContainTextAsync("Departed person");
        await Expect(page.Locator("#deleted-items")).ToContainTextAsync("Import change list");
        var skipped = page.Locator("#skipped-items");
        await Expect(skipped.Locator("li").Filter(new() { HasText = "Departed person (skipped)" })).ToContainTextAsync("came back");
        await Expect(skipped.Locator("li").Filter(new() { HasText = "Class enrollments (skipped)" }).First).ToContainTextAsync("end date moved");
        Assert.Equal($"erased-{departed}", await ScalarAsync<string>(district, "select user_name from users where id = $1", departed));
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.SetViewportSizeAsync(360, 760);
        await AssertFitsAsync(page);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "retention-run-phone");
        await page.SetViewportSizeAsync(1024, 760);

        // The certificate: listed, verified here, and the download verifies as the CLI checks it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Deletion certificate of this run" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deletion certificates", Level = 1 })).ToBeVisibleAsync();
        var certificateId = await ScalarAsync<Guid>(district, "select certificate_id from retention_runs where id = $1", runId);
        var card = page.Locator($"#certificate-{certificateId}");
        await Expect(card.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Retention run");
        await Expect(card).ToContainTextAsync("Verified");
        await Expect(card).ToContainTextAsync("withheld");
        await BrowserFixture.AssertAccessibleAsync(page);
        var file = await page.RunAndWaitForDownloadAsync(() => card.GetByRole(AriaRole.Link, new() { Name = "Download the signed JSON" }).ClickAsync());
        Assert.Equal($"deletion-certificate-{certificateId}.json", file.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await file.PathAsync())!);
        Assert.Null(CertificateVerifier.Check(web.Api.Services.GetRequiredService<PlatformSigner>(), bytes, out var certificate));
        Assert.Equal(runId.ToString(), certificate.GetProperty("scope").GetProperty("retentionRunId").GetString());

        // A certificate changed in the database behind the application's back shows as not intact.
        await using (var owner = new NpgsqlConnection(web.Api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.Id);
            await using var cmd = new NpgsqlCommand("""update deletion_certificates set document = replace(document, '"rows": ', '"rows": 1') where id = $1""", owner);
            cmd.Parameters.AddWithValue(certificateId);
            await cmd.ExecuteNonQueryAsync();
        }
        await page.ReloadAsync();
        await Expect(card).ToContainTextAsync("Not intact: the signature does not match");
    }

    [Fact]
    public async Task An_officer_holds_a_person_found_by_name_the_run_skips_them_with_the_reason_and_the_hold_is_released_with_a_reason()
    {
        var district = await RosterAsync();
        var ethan = await PersonAsync(district, "nw-s-001");
        await DepartAsync(district, ethan);
        var name = await ScalarAsync<string>(district, "select display_name from users where id = $1", ethan);
        var choice = $"{name} ({await ScalarAsync<string>(district, "select email from users where id = $1", ethan)})";
        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var page = await web.NewPageAsync(360);
        await web.SignInAsync(page, officer);
        await page.GotoAsync(web.Url(district.Slug, "/compliance/holds"));
        await Expect(page.GetByText("No hold stands.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // Find the person by name; a hold without a reason is refused next to the field.
        await page.GetByLabel("What it covers").SelectOptionAsync("person");
        await page.GetByLabel("Search by name").FillAsync("ethan");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await page.GetByLabel(choice).CheckAsync();
        await page.GetByLabel("Reason for the hold").EvaluateAsync("e => e.removeAttribute('required')");
        await page.GetByRole(AriaRole.Button, new() { Name = "Place the hold" }).ClickAsync();
        await Expect(page.Locator("#reason-error")).ToHaveTextAsync("reason is required: say why.");
        await Expect(page.GetByLabel(choice)).ToBeCheckedAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel("Reason for the hold").FillAsync("Litigation hold: Doe v. Northwind");
        var lastDay = DateTime.UtcNow.AddYears(1).ToString("yyyy-MM-dd");
        await page.GetByLabel("Until (optional)").FillAsync(lastDay);
        await page.GetByRole(AriaRole.Button, new() { Name = "Place the hold" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The hold is placed");
        var active = page.Locator("#active-holds > li");
        await Expect(active).ToHaveCountAsync(1);
        await Expect(active.GetByRole(AriaRole.Heading)).ToHaveTextAsync($"Person: {name}");
        await Expect(active).ToContainTextAsync("Litigation hold: Doe v. Northwind");
        await Expect(active).ToContainTextAsync("by Test ComplianceOfficer");
        // It stands through the whole of that day where the district is.
        Assert.Equal(lastDay, await ScalarAsync<string>(district, """
            select to_char((h.until at time zone p.time_zone) - interval '1 second', 'YYYY-MM-DD') from legal_holds h, district_profiles p
            """));
        Assert.Equal("00:00", await ScalarAsync<string>(district, """
            select to_char(h.until at time zone p.time_zone, 'HH24:MI') from legal_holds h, district_profiles p
            """));
        await AssertFitsAsync(page);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "legal-holds-phone");

        // The next run reports Ethan as held and skips him, saying by which hold.
        await page.GotoAsync(web.Url(district.Slug, "/compliance/retention"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Make a dry-run report now" }).ClickAsync();
        var runId = RunIdOf(page);
        await Expect(page.Locator("#items tbody tr").Filter(new() { HasText = "Departed person" })).ToContainTextAsync("Yes: Litigation hold: Doe v. Northwind");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve this report" }).ClickAsync();
        await ExecuteAsync(district, runId);
        await page.ReloadAsync();
        await Expect(page.Locator("#skipped-items li").Filter(new() { HasText = "Departed person (held)" }))
            .ToContainTextAsync("Litigation hold: Doe v. Northwind");
        Assert.Equal("Ethan", await ScalarAsync<string>(district, "select given_name from users where id = $1", ethan));
        await AssertFitsAsync(page);
        await BrowserFixture.AssertAccessibleAsync(page);

        // Releasing needs a reason too.
        await page.GotoAsync(web.Url(district.Slug, "/compliance/holds"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Release this hold" }).ClickAsync();
        await Expect(page.Locator("#active-holds .field-error")).ToHaveTextAsync("Say why the hold is released.");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByLabel($"Why release this hold (Person: {name})").FillAsync("Case settled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Release this hold" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The hold is released.");
        await Expect(page.GetByText("No hold stands.")).ToBeVisibleAsync();
        var released = page.Locator("#released-holds > li");
        await Expect(released).ToContainTextAsync($"Person: {name}");
        await Expect(released).ToContainTextAsync("Case settled");
        Assert.Equal(1L, await ScalarAsync<long>(district, "select count(*) from audit_events where action = 'legal_hold.released' and reason = 'Case settled'"));
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_district_admin_reads_without_action_forms_and_a_forged_post_is_refused_and_a_teacher_gets_the_403_page()
    {
        var district = await RosterAsync();
        var report = await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ReportAsync("cli", Nightly));
        var runId = report.Run!.Id;
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, admin);

        await page.GotoAsync(web.Url(district.Slug, "/compliance/retention"));
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Tables of Audit" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button)).ToHaveTextAsync(["Sign out"]); // no action but signing out
        await Expect(page.GetByRole(AriaRole.Textbox)).ToHaveCountAsync(0);
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.Locator("#runs-caption").Locator("xpath=..").Locator("tbody a").ClickAsync();
        await Expect(page.Locator("#run-state")).ToHaveTextAsync("Dry-run report, awaiting approval");
        await Expect(page.GetByRole(AriaRole.Button)).ToHaveTextAsync(["Sign out"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GotoAsync(web.Url(district.Slug, "/compliance/holds"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Place a hold" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button)).ToHaveTextAsync(["Sign out"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GotoAsync(web.Url(district.Slug, "/compliance/certificates"));
        await Expect(page.GetByText("No certificates yet")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // Posts with a valid antiforgery token (the page's own), as a hand-made form would send them: refused, nothing changed.
        var ethan = await PersonAsync(district, "nw-s-001");
        foreach (var (path, form) in new[]
                 {
                     ("/compliance/retention?handler=Period", "category=ImportArtefacts&period=P2Y"),
                     ("/compliance/retention?handler=Report", ""),
                     ($"/compliance/retention/runs/{runId}?handler=Approve", "comment=ok"),
                     ($"/compliance/retention/runs/{runId}?handler=Cancel", "reason=no"),
                     ("/compliance/holds?handler=Place", $"scopeType=person&scopeId={ethan}&reason=forged"),
                 })
        {
            var status = await page.EvaluateAsync<int>("""
                async ([path, form]) => {
                    const headers = JSON.parse(document.body.getAttribute('hx-headers'));
                    headers['Content-Type'] = 'application/x-www-form-urlencoded';
                    return (await fetch(path, { method: 'POST', headers, body: form })).status;
                }
                """, new[] { path, form });
            Assert.True(status == 403, $"{path}: {status}");
        }
        Assert.Equal("reported", await ScalarAsync<string>(district, "select state from retention_runs where id = $1", runId));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from legal_holds"));
        Assert.Equal(1L, await ScalarAsync<long>(district, "select count(*) from retention_runs"));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from audit_events where action = 'retention_policy.updated'"));

        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var teacherPage = await web.NewPageAsync();
        await web.SignInAsync(teacherPage, teacher);
        await Expect(teacherPage.Locator("#greeting")).ToBeVisibleAsync();
        foreach (var path in new[] { "/compliance/retention", $"/compliance/retention/runs/{runId}", "/compliance/holds", "/compliance/certificates" })
        {
            var response = await teacherPage.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(teacherPage.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
    }
}
