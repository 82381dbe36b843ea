using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The roster import pages in Chromium, as a district admin uses them: a dry run watched to its end without reloading,
/// its counts, changes and the apply confirmation; a package with bad rows and its row errors (filters, CSV); a file
/// that is no zip; the inbox and the nightly schedule; a teacher gets the 403 page. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class ImportPagesTests(BrowserFixture web)
{
    static readonly LocatorAssertionsToHaveTextOptions SlowText = new() { Timeout = 30_000 };

    async Task<(LmsCloud.Core.Districts.DistrictSummary District, IPage Page)> SignedInAdminAsync(int width = 1024)
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync(width);
        await web.SignInAsync(page, admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Roster imports", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Roster imports", Level = 1 })).ToBeVisibleAsync();
        return (district, page);
    }

    /// <summary>
    /// Holds the district's import lock (the one every run of a district queues behind), so a run waits at "received"
    /// until the test lets it go: the run page can be seen before and after, in place.
    /// </summary>
    async Task<NpgsqlConnection> HoldImportLockAsync(Guid tenantId)
    {
        var conn = await web.Api.Database.OpenAsTenantAsync(tenantId);
        await using var cmd = new NpgsqlCommand("select pg_advisory_lock(hashtextextended('sis-import:' || $1::text, 0))", conn);
        cmd.Parameters.AddWithValue(tenantId);
        await cmd.ExecuteNonQueryAsync();
        return conn;
    }

    [Fact]
    public async Task An_admin_watches_a_dry_run_finish_reviews_its_changes_and_applies_it()
    {
        var (district, page) = await SignedInAdminAsync();
        await Expect(page.GetByText("No imports yet.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        var held = await HoldImportLockAsync(district.Id);
        await Expect(page.GetByLabel("Dry run (review before applying)")).ToBeCheckedAsync();
        await page.GetByLabel("OneRoster package (.zip)").SetInputFilesAsync(Samples.Zip("northwind-1.1-bulk"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync();

        // The run's page while it waits: status, progress with its label, a Refresh link for a browser without JavaScript.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/imports/[0-9a-f-]{36}$"));
        var runUrl = page.Url;
        var status = page.Locator("#run-status-text");
        await Expect(status).ToHaveTextAsync("Waiting to start");
        await Expect(page.GetByLabel("Not started: 0 %")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Refresh" })).ToBeVisibleAsync();
        await Expect(page.Locator("dl.facts").First).ToContainTextAsync("Upload (dry run)");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-run-waiting");

        // Let the run go: the status changes in place (the marker set on this document survives: no reload).
        await page.EvaluateAsync("window.__sameDocument = true");
        await using (var unlock = new NpgsqlCommand("select pg_advisory_unlock_all()", held)) await unlock.ExecuteNonQueryAsync();
        await held.DisposeAsync();
        await Expect(status).ToHaveTextAsync("Dry run complete", SlowText);
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the run page reloaded instead of updating in place");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Refresh" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#run-status")).Not.ToHaveAttributeAsync("hx-trigger", new System.Text.RegularExpressions.Regex(".")); // polling stopped

        var counts = page.GetByRole(AriaRole.Table, new() { Name = "Counts per entity type (what applying would do)" });
        await Expect(counts.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "classes", Exact = true }) })
            .Locator("td")).ToHaveTextAsync(["6", "0", "0", "0", "0", "0"]);
        await Expect(counts.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "users", Exact = true }) })
            .Locator("td").First).ToHaveTextAsync("19");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-run-dry");

        // The change list, filtered to created classes.
        await page.GetByRole(AriaRole.Link, new() { Name = "Changes", Exact = true }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Changes", Level = 1 })).ToBeVisibleAsync();
        await page.GetByLabel("Entity type").SelectOptionAsync(new SelectOptionValue { Label = "classes" });
        await page.GetByLabel("Action").SelectOptionAsync("created");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/changes\?entity=classes&action=created$"));
        var changes = page.GetByRole(AriaRole.Table, new() { Name = "Changes (6)" });
        await Expect(changes.Locator("tbody tr")).ToHaveCountAsync(6);
        await Expect(changes.Locator("tbody th")).ToContainTextAsync(["nw-cls-alg1-p1"]);
        await Expect(page.GetByLabel("Entity type")).ToHaveValueAsync("classes"); // the filter stays chosen
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-changes");

        // Apply: the confirmation says what will change before anything does.
        await page.GotoAsync(runUrl);
        await page.GetByRole(AriaRole.Link, new() { Name = "Apply this run…" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Apply the import run?", Level = 1 })).ToBeVisibleAsync();
        var summary = page.Locator("#apply-summary");
        await Expect(summary).ToContainTextAsync("This will create 3 organisations; create 3 academic sessions; create 4 courses; create 6 classes; create 19 users;");
        await Expect(summary).ToContainTextAsync("create 35 enrollments");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-apply-confirm");
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from classes"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, apply these changes" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(runUrl);
        await Expect(page.Locator("#run-status-text")).ToHaveTextAsync("Succeeded", SlowText);
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Counts per entity type" })).ToBeVisibleAsync();
        Assert.Equal(1, await CountAsync(district.Id, "select count(*) from audit_events where action = 'sis_import.applied_after_review'"));

        // The roster is there: the admin opens a class roster; the run list shows the run as applied.
        var alg1 = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "classes", "nw-cls-alg1-p1");
        await page.GotoAsync(web.Url(district.Slug, $"/classes/{alg1}"));
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Students (4)" })).ToBeVisibleAsync();
        await page.GotoAsync(web.Url(district.Slug, "/imports"));
        var runs = page.GetByRole(AriaRole.Table, new() { Name = "Import runs, newest first (1)" });
        await Expect(runs.Locator("tbody tr").First.Locator("td")).ToContainTextAsync(["Succeeded", "Upload", "Yes", "northwind-1.1-bulk.zip"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-runs");
        // Applying twice is refused with the reason.
        var again = await page.GotoAsync(runUrl + "/apply");
        Assert.Equal(409, again!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This run cannot be applied: it is “Succeeded”.");
    }

    [Fact]
    public async Task An_admin_reads_the_row_errors_of_a_package_with_bad_rows_and_a_file_that_is_no_zip_is_refused()
    {
        var (district, page) = await SignedInAdminAsync(width: 360);
        await page.GetByLabel("Dry run (review before applying)").UncheckAsync();
        await page.GetByLabel("OneRoster package (.zip)").SetInputFilesAsync(Samples.Zip("northwind-1.1-errors"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync();
        await Expect(page.Locator("#run-status-text")).ToHaveTextAsync("Succeeded with warnings", SlowText);
        await Expect(page.GetByText("users.csv: 4 findings")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Row errors and warnings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Findings (8)" })).ToBeVisibleAsync();
        await page.GetByLabel("File").SelectOptionAsync("users.csv");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var users = page.GetByRole(AriaRole.Table, new() { Name = "Findings (4)" });
        await Expect(users.Locator("tbody tr td:nth-child(2)")).ToHaveTextAsync(["6", "7", "17", "18"]); // lines, in order
        await page.GetByLabel("Code").SelectOptionAsync("E_REQUIRED");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"\?file=users\.csv&code=E_REQUIRED$"));
        var required = page.GetByRole(AriaRole.Table, new() { Name = "Findings (1)" });
        await Expect(required.Locator("tbody tr").First.Locator("th, td")).ToContainTextAsync(["users.csv", "17", "givenName", "E_REQUIRED", "error"]);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the errors page scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-errors");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download all findings as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("severity,file,line,column,code,message", csv);
        Assert.Contains("error,users.csv,17,givenName,E_REQUIRED,", csv);
        Assert.Equal(9, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length); // the header and the 8 findings

        // A file that is not a zip: the form again, with the reason, and no run.
        await page.GotoAsync(web.Url(district.Slug, "/imports"));
        var notZip = Path.Combine(Directory.CreateTempSubdirectory("not-zip-").FullName, "roster.csv");
        await File.WriteAllTextAsync(notZip, "sourcedId,status\nnw-s-001,active\n");
        await page.GetByLabel("OneRoster package (.zip)").SetInputFilesAsync(notZip);
        var refused = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync(),
            r => r.Url.EndsWith("/imports/upload"));
        Assert.Equal(400, refused.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Not a zip. The file is not a zip archive.");
        await Expect(page.GetByLabel("OneRoster package (.zip)")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-not-a-zip");
        Assert.Equal(1, await CountAsync(district.Id, "select count(*) from import_runs"));

        // A post without the form's antiforgery token (another site's form, say) is refused before anything is stored.
        var forged = await page.EvaluateAsync<string>("""
            async () => {
                const form = new FormData();
                form.append('dryRun', 'true');
                form.append('file', new Blob([await (await fetch('/static/css/site.css')).arrayBuffer()], { type: 'application/zip' }), 'x.zip');
                const r = await fetch('/imports/upload', { method: 'POST', body: form });
                return r.status + ' ' + (await r.text()).includes('Form refused');
            }
            """);
        Assert.Equal("400 true", forged);
        Assert.Equal(1, await CountAsync(district.Id, "select count(*) from import_runs"));
        // Only the one package that was imported is in storage: the refused and the forged uploads left nothing.
        Assert.Single(Directory.GetFiles(Path.Combine(web.Api.StorageRoot, district.Id.ToString(), "uploads")));
    }

    [Fact]
    public async Task An_admin_delivers_a_package_to_the_inbox_and_schedules_the_nightly_import_and_a_teacher_may_not()
    {
        var (district, page) = await SignedInAdminAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "inbox" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Inbox", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("The inbox is empty.")).ToBeVisibleAsync();
        await page.GetByLabel("OneRoster package (.zip)").SetInputFilesAsync(Samples.Zip("northwind-1.1-bulk"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Deliver to the inbox" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The package is in the inbox as");
        var inbox = page.GetByRole(AriaRole.Table, new() { Name = "Waiting in the inbox, newest first (1)" });
        await Expect(inbox.Locator("tbody tr")).ToContainTextAsync("Upload");
        await Expect(inbox.Locator("tbody tr")).ToContainTextAsync("Ready");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-inbox");
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from import_runs")); // delivered, not imported

        await page.GetByRole(AriaRole.Link, new() { Name = "nightly import" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Nightly import schedule", Level = 1 })).ToBeVisibleAsync();
        var facts = page.Locator("#schedule-facts");
        await Expect(facts).ToContainTextAsync("Off");
        await Expect(facts).ToContainTextAsync("not scheduled");
        await page.GetByLabel("Run the nightly import").CheckAsync();
        await page.GetByLabel(new System.Text.RegularExpressions.Regex("^Time of day")).FillAsync("03:30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the schedule" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("The schedule is saved.");
        await Expect(facts).ToContainTextAsync("On");
        await Expect(facts).ToContainTextAsync("03:30 every day");
        // The next run is tonight's or tomorrow's 03:30 in the district's time zone, shown as the district reads it.
        var next = facts.Locator("time");
        await Expect(next.First).ToContainTextAsync("3:30");
        Assert.Equal(1, await CountAsync(district.Id, "select count(*) from audit_events where action = 'sis_schedule.changed'"));
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "import-schedule");

        // A time that is no time: the form again with the reason (400), nothing saved.
        var bad = await page.RunAndWaitForResponseAsync(() => page.EvaluateAsync("""
            () => { const t = document.getElementById('time'); t.type = 'text'; t.value = 'half past'; t.form.submit(); }
            """), r => r.Url.Contains("/imports/schedule") && r.Request.Method == "POST");
        Assert.Equal(400, bad.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Enter the time as hours and minutes, such as 02:00.");
        Assert.Equal(1, await CountAsync(district.Id, "select count(*) from audit_events where action = 'sis_schedule.changed'"));

        // A teacher: the 403 page on every import page.
        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var teacherPage = await web.NewPageAsync();
        await web.SignInAsync(teacherPage, teacher);
        await Expect(teacherPage.GetByRole(AriaRole.Link, new() { Name = "Roster imports" })).ToHaveCountAsync(0);
        foreach (var path in new[] { "/imports", "/imports/inbox", "/imports/schedule", $"/imports/{Guid.NewGuid()}/errors" })
        {
            var response = await teacherPage.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(teacherPage.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
        // And an admin's unknown run is the "Page not found" page.
        var missing = await page.GotoAsync(web.Url(district.Slug, $"/imports/{Guid.NewGuid()}"));
        Assert.Equal(404, missing!.Status);
    }

    /// <summary>
    /// A dry run with 1,000 new users and 1,000 rejected rows: the changes and row errors pages show the totals but render
    /// one page of 50 with a way to the next, and the run page its counts. How fast they render is the pages benchmark's
    /// to say (docs/benchmarks.md, "Web pages"), not a timed test's on a shared machine.
    /// </summary>
    [Fact]
    public async Task A_thousand_changes_or_row_errors_are_shown_a_page_at_a_time()
    {
        var (district, page) = await SignedInAdminAsync();
        var folder = Directory.CreateTempSubdirectory("thousand-").FullName;
        foreach (var file in Directory.GetFiles(Samples.Path("northwind-1.1-bulk"))) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        await File.AppendAllLinesAsync(Path.Combine(folder, "users.csv"), Enumerable.Range(1, 1000).SelectMany(i => new[]
        {
            $"nw-x-{i:0000},,,true,nw-hs,student,x{i:0000},,Pat,Doe{i},,,,,,,09,",
            $"nw-y-{i:0000},,,true,nw-hs,student,y{i:0000},,,Roe{i},,,,,,,09,", // no givenName: E_REQUIRED
        }));
        var (runId, outcome) = await web.Api.Database.Imports.ImportAsync(new LmsCloud.Sis.ImportRequest(district.Id, folder, "thousand",
            LmsCloud.Sis.ImportTrigger.Cli, TestDatabase.TestActor, DryRun: true));
        Assert.Equal(LmsCloud.Sis.RunStatus.DryRun, outcome.Status);

        foreach (var (path, caption) in new[] { ($"/imports/{runId}/changes?entity=users", "Changes (1,019)"), ($"/imports/{runId}/errors", "Findings (1,000)") })
        {
            await page.GotoAsync(web.Url(district.Slug, path));
            var table = page.GetByRole(AriaRole.Table, new() { Name = caption });
            await Expect(table.Locator("tbody tr")).ToHaveCountAsync(50);
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Next page" })).ToBeVisibleAsync();
        }
        await page.GotoAsync(web.Url(district.Slug, $"/imports/{runId}"));
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Counts per entity type" })).ToBeVisibleAsync();
    }

    async Task<long> CountAsync(Guid tenantId, string sql)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(tenantId);
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
