using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Compliance.Export;
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
/// The compliance request pages in Chromium (/compliance/requests, …/new, …/{id}) and the guardian's side (/children,
/// /children/requests), driven as a person would, axe on every page: an officer's export from creation to a verified
/// download, refusals on the page, the district admin's read-only view, and a guardian who sees only their own requests.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CompliancePagesTests(BrowserFixture web)
{
    static District Active(DistrictSummary d) => new(d.Id, d.Slug, d.Name, DistrictStatus.Active);

    async Task<DistrictSummary> ImportedDistrictAsync()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        await RosterSamples.ImportDirectlyAsync(web.Api.Database, district.Id, "northwind-1.1-bulk");
        return district;
    }

    /// <summary>An imported person, given a password by a one-time reset code (as RosterPagesTests does).</summary>
    async Task<TestUser> ImportedPersonAsync(DistrictSummary district, string sourcedId)
    {
        var id = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", sourcedId);
        var email = await DistrictScope.RunAsync(web.Api.Services, Active(district), async scope =>
        {
            var users = scope.GetRequiredService<UserAdministration>();
            var reset = await users.CreatePasswordResetAsync(id, null);
            var outcome = await users.ResetPasswordAsync(reset.Value!.Value.Token, ApiFactory.Password);
            Assert.Null(outcome.Errors);
            return outcome.Value!.Email!;
        });
        return new TestUser(id, email, district.Slug);
    }

    /// <summary>Work outside the pages (another officer, the jobs), in the district's own scope.</summary>
    Task<RequestOutcome> AsSystemAsync(DistrictSummary district, Func<ComplianceRequests, RequestCaller, Task<RequestOutcome>> work) =>
        DistrictScope.RunAsync(web.Api.Services, Active(district),
            scope => work(scope.GetRequiredService<ComplianceRequests>(), RequestCaller.System(new AuditActor("system", "compliance-pages-test"))));

    /// <summary>The export job's work on one request, called directly rather than waiting for Quartz.</summary>
    async Task RunExportAsync(DistrictSummary district, Guid requestId)
    {
        var outcome = await web.Api.Services.GetRequiredService<ComplianceExports>().RunAsync(Active(district), requestId);
        Assert.True(outcome.Error == null, outcome.Error?.Message);
        Assert.Equal(RequestStates.Ready, outcome.Request!.State);
    }

    async Task<long> CountAsync(DistrictSummary district, string sql, params object[] values)
    {
        await using var conn = await web.Api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var v in values) cmd.Parameters.AddWithValue(v);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>A POST from the signed-in page with a valid antiforgery token (the layout's htmx header): only the role check stands.</summary>
    static Task<int> PostWithTokenAsync(IPage page, string url, string form) => page.EvaluateAsync<int>("""
        async ([url, form]) => {
            const headers = JSON.parse(document.body.getAttribute('hx-headers'));
            headers['Content-Type'] = 'application/x-www-form-urlencoded';
            const r = await fetch(url, { method: 'POST', headers, body: form });
            return r.status;
        }
        """, new[] { url, form });

    Guid RequestIdOf(IPage page) => Guid.Parse(new Uri(page.Url).Segments[^1]);

    [Fact]
    public async Task An_officer_creates_submits_and_approves_an_export_watches_it_run_and_downloads_a_zip_that_verifies()
    {
        var district = await ImportedDistrictAsync();
        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, officer);

        await page.GetByRole(AriaRole.Link, new() { Name = "Data requests, retention, legal holds and deletion certificates" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Data requests", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Data requests", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByText("No request matches.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        // The person is found by their SIS id.
        await page.GetByRole(AriaRole.Link, new() { Name = "New request" }).ClickAsync();
        await page.GetByLabel("Find the person: name, email, user name or SIS id").FillAsync("nw-s-001");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search people" }).ClickAsync();
        await page.GetByLabel("Type").SelectOptionAsync("export");
        await page.GetByLabel("Ethan Walker (nw-s-001)").CheckAsync();
        await page.GetByLabel("Comment (optional)").FillAsync("Parent letter of 1 December");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the request" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("The request is created and received.");
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Received");
        await Expect(page.Locator(".facts").First).ToContainTextAsync("Ethan Walker (nw-s-001)");
        var id = RequestIdOf(page);
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "Submit for approval" }).ClickAsync();
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Awaiting approval");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Approved");
        await Expect(page.Locator("#export-phase")).ToContainTextAsync("the export job starts it");

        // The job runs while the page is open: the export section updates itself (htmx poll), without a reload.
        await page.EvaluateAsync("window.__sameDocument = true");
        await RunExportAsync(district, id);
        await Expect(page.Locator("#export-phase")).ToHaveTextAsync("Ready to download.", new() { Timeout = 10_000 });
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the detail page reloaded instead of updating in place");
        await Expect(page.Locator("#export-size")).ToContainTextAsync("KB");
        Assert.True(long.Parse((await page.Locator("#export-records").TextContentAsync())!.Replace(",", "")) > 0);
        await page.ReloadAsync(); // the timeline is the page's, not the poll's
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "compliance-request-ready");

        var timeline = page.Locator(".timeline li");
        await Expect(timeline).ToHaveCountAsync(5);
        await Expect(timeline.Nth(0)).ToContainTextAsync("Test ComplianceOfficer: created (received) “Parent letter of 1 December”");
        await Expect(timeline.Nth(1)).ToContainTextAsync("Test ComplianceOfficer: Received → Awaiting approval");
        await Expect(timeline.Nth(2)).ToContainTextAsync("Test ComplianceOfficer: Awaiting approval → Approved");
        await Expect(timeline.Nth(3)).ToContainTextAsync("the export job: Approved → Processing");
        await Expect(timeline.Nth(4)).ToContainTextAsync("the export job: Processing → Ready");
        await Expect(page.Locator(".facts").First).ToContainTextAsync("Decided by");

        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { Name = "Download the export (zip)" }).ClickAsync());
        var zip = Path.Combine(Path.GetTempPath(), $"lms-page-export-{Guid.NewGuid():N}.zip");
        try
        {
            await download.SaveAsAsync(zip);
            var verified = await ExportVerifier.VerifyAsync(zip, web.Api.Services.GetRequiredService<PlatformKeys>());
            Assert.True(verified.Ok, verified.Problem);
            Assert.True(verified.Files > 0);
        }
        finally
        {
            File.Delete(zip);
        }
        // The download is a disclosure, logged about the student.
        Assert.Equal(1, await CountAsync(district, "select count(*) from audit_events where action = $1 and entity_id = $2",
            ExportDownloads.DownloadedAction, id.ToString()));

        await page.GotoAsync(web.Url(district.Slug, "/compliance/requests?state=ready"));
        var row = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Expect(row).ToHaveCountAsync(1);
        var cells = row.Locator("th, td");
        await Expect(cells.Nth(0)).ToHaveTextAsync("Export of a person's record");
        await Expect(cells.Nth(1)).ToHaveTextAsync("Ethan Walker (nw-s-001)");
        await Expect(cells.Nth(2)).ToHaveTextAsync("Test ComplianceOfficer");
        await Expect(cells.Nth(3)).ToHaveTextAsync("Ready");
        await page.GotoAsync(web.Url(district.Slug, "/compliance/requests?state=received"));
        await Expect(page.GetByText("No request matches.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_reject_needs_a_reason_an_illegal_move_is_refused_and_a_second_open_request_links_to_the_first()
    {
        var district = await ImportedDistrictAsync();
        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, officer);

        async Task CreateAsync()
        {
            await page.GotoAsync(web.Url(district.Slug, "/compliance/requests/new?q=Ava"));
            await page.GetByLabel("Type").SelectOptionAsync("erasure");
            await page.GetByLabel("Ava Patel (nw-s-002)").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the request" }).ClickAsync();
        }
        await CreateAsync();
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Received");
        var id = RequestIdOf(page);

        // The same type for the same person again: refused, with a link to the open one.
        await CreateAsync();
        var alert = page.GetByRole(AriaRole.Alert);
        await Expect(alert).ToContainTextAsync("An open request of this type (erasure) for this person exists already");
        await BrowserFixture.AssertAccessibleAsync(page);
        await alert.GetByRole(AriaRole.Link, new() { Name = "Open the existing request" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, $"/compliance/requests/{id}"));
        Assert.Equal(1, await CountAsync(district, "select count(*) from compliance_requests"));

        // Reject with no reason: the field says why, nothing moved.
        var reject = page.GetByRole(AriaRole.Form, new() { Name = "Reject" });
        await reject.EvaluateAsync("f => f.noValidate = true"); // the server's rule, not the browser's
        var refused = await page.RunAndWaitForResponseAsync(() => reject.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        var reason = page.GetByLabel("Reason (reject)");
        await Expect(reason).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#reason-rejected-error")).ToHaveTextAsync("Give a reason: the requester and the audit trail need it.");
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Received");
        await BrowserFixture.AssertAccessibleAsync(page);

        // Another officer submits it meanwhile; this page's Submit is now an illegal move, refused with a message.
        await AsSystemAsync(district, (s, c) => s.TransitionAsync(id, RequestStates.AwaitingApproval, c));
        var illegal = await page.RunAndWaitForResponseAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Submit for approval" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(409, illegal.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("This request is awaiting approval now, so it cannot move to awaiting approval.");
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Awaiting approval");
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByLabel("Reason (reject)").FillAsync("The student's records are under a legal hold.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Rejected");
        await Expect(page.Locator("#request-reason")).ToHaveTextAsync("The student's records are under a legal hold.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Actions" })).ToHaveCountAsync(0); // closed: nothing left to do
        await Expect(page.Locator(".timeline li").Last).ToContainTextAsync("Awaiting approval → Rejected “The student's records are under a legal hold.”");
    }

    [Fact]
    public async Task A_district_admin_reads_requests_without_actions_and_a_forged_post_is_refused_and_a_teacher_gets_the_403_page()
    {
        var district = await ImportedDistrictAsync();
        var student = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", "nw-s-003");
        var created = await AsSystemAsync(district, (s, c) => s.CreateAsync(new NewComplianceRequest("export", student, null), c));
        var id = created.Request!.Id;
        // An overdue one: due yesterday.
        var late = await AsSystemAsync(district, (s, c) => s.CreateAsync(new NewComplianceRequest("district_export", null, null), c));
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("update compliance_requests set due_at = now() - interval '1 day' where id = $1", conn))
        {
            cmd.Parameters.AddWithValue(late.Request!.Id);
            await cmd.ExecuteNonQueryAsync();
        }
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, admin);

        await page.GotoAsync(web.Url(district.Slug, "/compliance/requests"));
        await Expect(page.GetByRole(AriaRole.Table).Locator("tbody tr")).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "New request" })).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the request list scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "compliance-requests-phone");
        await page.GetByLabel("Overdue").SelectOptionAsync("yes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show requests" }).ClickAsync();
        var rows = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.Locator("th")).ToHaveTextAsync("District export");
        await Expect(rows.Locator("td").Nth(0)).ToHaveTextAsync("Whole district");
        await Expect(rows.Locator(".badge-overdue")).ToHaveTextAsync("Overdue");

        await page.GotoAsync(web.Url(district.Slug, $"/compliance/requests/{id}"));
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Received");
        await Expect(page.Locator(".facts").First).ToContainTextAsync("Noah Kim (nw-s-003)");
        await Expect(page.Locator(".timeline li")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Actions" })).ToHaveCountAsync(0);
        await Expect(page.Locator("main form")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the request page scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);

        // A well-formed POST (valid token) by the admin: the server refuses it, nothing moves.
        Assert.Equal(403, await PostWithTokenAsync(page, $"/compliance/requests/{id}?handler=move", "to=awaiting_approval"));
        Assert.Equal(403, await PostWithTokenAsync(page, $"/compliance/requests/{id}?handler=comment", "comment=hello"));
        Assert.Equal(403, await PostWithTokenAsync(page, "/compliance/requests/new", $"type=erasure&subjectId={student}"));
        Assert.Equal(1, await CountAsync(district, "select count(*) from compliance_request_events where request_id = $1", id));
        Assert.Equal(2, await CountAsync(district, "select count(*) from compliance_requests"));
        var newPage = await page.GotoAsync(web.Url(district.Slug, "/compliance/requests/new"));
        Assert.Equal(403, newPage!.Status);

        var teacher = await web.Api.CreateUserAsync(district, Roles.Teacher);
        var teacherPage = await web.NewPageAsync();
        await web.SignInAsync(teacherPage, teacher);
        foreach (var path in new[] { "/compliance/requests", $"/compliance/requests/{id}", "/compliance/requests/new" })
        {
            var response = await teacherPage.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(teacherPage.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
        await BrowserFixture.AssertAccessibleAsync(teacherPage);
    }

    [Fact]
    public async Task A_guardian_requests_a_copy_of_their_childs_records_downloads_it_and_reaches_no_other_request_or_student()
    {
        var district = await ImportedDistrictAsync();
        var karen = await ImportedPersonAsync(district, "nw-g-001"); // Ethan's and Lily's guardian
        var lily = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", "nw-s-009");
        var ava = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", "nw-s-002"); // not her child
        // An officer's own export of Lily: about her child, but not Karen's request.
        var officers = await AsSystemAsync(district, (s, c) => s.CreateAsync(new NewComplianceRequest("export", lily, null), c));
        var officersId = officers.Request!.Id;
        await AsSystemAsync(district, (s, c) => s.TransitionAsync(officersId, RequestStates.AwaitingApproval, c));
        await AsSystemAsync(district, (s, c) => s.TransitionAsync(officersId, RequestStates.Approved, c));
        await RunExportAsync(district, officersId);

        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, karen);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "My requests: copies of your children's records you asked for" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "My children: their classes and teachers" }).ClickAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Request a copy of Ethan Walker's records" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/children/requests"));
        await Expect(page.GetByRole(AriaRole.Status).First).ToContainTextAsync("Your request is received.");
        var rows = page.Locator(".my-request");
        await Expect(rows).ToHaveCountAsync(1); // hers only: not the officer's request about Lily
        await Expect(rows.GetByRole(AriaRole.Heading)).ToHaveTextAsync("Records of Ethan Walker");
        await Expect(rows.Locator(".request-progress")).ToHaveTextAsync("Waiting for the district's review");
        await Expect(rows.GetByRole(AriaRole.Link, new() { Name = "Download (zip" })).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "My requests scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        var mine = await CountAsync(district, "select count(*) from compliance_requests where requester_actor_id = $1", karen.Id.ToString());
        Assert.Equal(1, mine);

        // Asking again while it is open: told so on the page, with the way to it.
        await page.GotoAsync(web.Url(district.Slug, "/children"));
        var again = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Request a copy of Ethan Walker's records" }).ClickAsync(), r => r.Request.Method == "POST");
        Assert.Equal(409, again.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("You have asked for a copy of these records already");
        await BrowserFixture.AssertAccessibleAsync(page);

        // A forged form for a student who is not her child: refused, nothing created.
        Assert.Equal(403, await PostWithTokenAsync(page, "/children?handler=requestCopy", $"childId={ava}"));
        Assert.Equal(0, await CountAsync(district, "select count(*) from compliance_requests where subject_user_id = $1", ava));
        // Another person's request: not hers to download, and the compliance pages are closed to her.
        var foreign = await page.GotoAsync(web.Url(district.Slug, $"/children/requests?handler=download&id={officersId}"));
        Assert.Equal(403, foreign!.Status);
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This is not one of your requests.");
        await Expect(rows).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(page);
        foreach (var path in new[] { "/compliance/requests", $"/compliance/requests/{officersId}" })
            Assert.Equal(403, (await page.GotoAsync(web.Url(district.Slug, path)))!.Status);
        Assert.Equal(0, await CountAsync(district, "select count(*) from audit_events where action = $1", ExportDownloads.DownloadedAction));

        // The officer approves hers and the job runs it: she downloads her copy.
        Guid hers;
        await using (var conn = await web.Api.Database.OpenAsTenantAsync(district.Id))
        await using (var cmd = new NpgsqlCommand("select id from compliance_requests where requester_actor_id = $1", conn))
        {
            cmd.Parameters.AddWithValue(karen.Id.ToString());
            hers = (Guid)(await cmd.ExecuteScalarAsync())!;
        }
        await AsSystemAsync(district, (s, c) => s.TransitionAsync(hers, RequestStates.AwaitingApproval, c));
        await AsSystemAsync(district, (s, c) => s.TransitionAsync(hers, RequestStates.Approved, c));
        await RunExportAsync(district, hers);
        await page.GotoAsync(web.Url(district.Slug, "/children/requests"));
        await Expect(rows.Locator(".request-progress")).ToHaveTextAsync("Ready to download");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "children-requests-ready");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download (zip" }).ClickAsync());
        var zip = Path.Combine(Path.GetTempPath(), $"lms-guardian-export-{Guid.NewGuid():N}.zip");
        try
        {
            await download.SaveAsAsync(zip);
            var verified = await ExportVerifier.VerifyAsync(zip, web.Api.Services.GetRequiredService<PlatformKeys>());
            Assert.True(verified.Ok, verified.Problem);
        }
        finally
        {
            File.Delete(zip);
        }
        Assert.Equal(1, await CountAsync(district, "select count(*) from audit_events where action = $1 and entity_id = $2",
            ExportDownloads.DownloadedAction, hers.ToString()));
    }

    [Fact]
    public async Task A_failed_request_shows_its_reason_and_is_retried_and_a_completed_erasure_links_its_deletion_certificate()
    {
        var district = await ImportedDistrictAsync();
        var noah = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", "nw-s-003");
        var liam = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", "nw-s-005");
        var failed = (await AsSystemAsync(district, (s, c) => s.CreateAsync(new NewComplianceRequest("export", noah, null), c))).Request!.Id;
        foreach (var to in new[] { RequestStates.AwaitingApproval, RequestStates.Approved, RequestStates.Processing })
            await AsSystemAsync(district, (s, c) => s.TransitionAsync(failed, to, c));
        await AsSystemAsync(district, (s, c) => s.FinishAsync(failed, [new PartOutcome("enrollments", true), new PartOutcome("storage", false, "disk full")], c));
        var erasure = (await AsSystemAsync(district, (s, c) => s.CreateAsync(new NewComplianceRequest("erasure", liam, null), c))).Request!.Id;
        foreach (var to in new[] { RequestStates.AwaitingApproval, RequestStates.Approved })
            await AsSystemAsync(district, (s, c) => s.TransitionAsync(erasure, to, c));
        var erased = await DistrictScope.RunAsync(web.Api.Services, Active(district),
            scope => scope.GetRequiredService<ErasureRequests>().ProcessAsync(erasure, ErasureRequests.JobActor));
        Assert.Equal(RequestStates.Completed, erased!.State);

        var officer = await web.Api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, officer);
        await page.GotoAsync(web.Url(district.Slug, $"/compliance/requests/{failed}"));
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Failed");
        await Expect(page.Locator(".alert")).ToContainTextAsync("Failed: 1 of 2 parts failed: storage: disk full");
        await Expect(page.Locator("#export-phase")).ToHaveTextAsync("The export failed; nothing can be downloaded.");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry (approve again)" }).ClickAsync();
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Approved");
        await Expect(page.Locator("#request-reason")).ToHaveCountAsync(0); // the failure stays on the timeline only
        await Expect(page.Locator(".timeline li").Last).ToContainTextAsync("Failed → Approved");
        await RunExportAsync(district, failed);
        await Expect(page.Locator("#export-phase")).ToHaveTextAsync("Ready to download.", new() { Timeout = 10_000 });

        await page.GotoAsync(web.Url(district.Slug, $"/compliance/requests/{erasure}"));
        await Expect(page.Locator("#request-state")).ToHaveTextAsync("Completed");
        var certificate = page.GetByRole(AriaRole.Link, new() { Name = "Deletion certificate of" });
        await Expect(certificate).ToHaveCountAsync(1);
        Assert.Equal($"/api/compliance/certificates/{erased.Certificate!.Id}", await certificate.GetAttributeAsync("href"));
        var fetched = await page.EvaluateAsync<string>("([href, id]) => fetch(href).then(async r => r.status + ' ' + (await r.text()).includes(id))",
            new[] { (await certificate.GetAttributeAsync("href"))!, erasure.ToString() });
        Assert.Equal("200 true", fetched);
        await BrowserFixture.AssertAccessibleAsync(page);
    }
}
