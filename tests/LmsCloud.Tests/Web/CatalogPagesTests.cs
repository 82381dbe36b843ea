using LmsCloud.Api.Learning;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Catalog;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Learning;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using LmsCloud.Core.Database;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The catalog pages in Chromium over an imported northwind-1.1-bulk: an admin lists courses and reads the last
/// reconcile run (with drift injected by the owner); a student (360 px) searches, enrols, reviews and bookmarks, and a
/// second student joins the waitlist of the full course; a teacher enrols in a PD course, opens it as a learner, and is
/// told in words which prerequisite is missing. axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class CatalogPagesTests(BrowserFixture web)
{
    static readonly ShellViewer Operator = new(null, new HashSet<string> { Roles.DistrictAdmin });

    Task<TestUser> PersonAsync(DistrictSummary district, string sourcedId) => CoursePageSessions.PersonAsync(web, district, sourcedId);

    Task<T> InDistrictAsync<T>(DistrictSummary d, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(web.Api.Services, new District(d.Id, d.Slug, d.Name, DistrictStatus.Active), work);

    async Task<IPage> SignedInAsync(DistrictSummary district, TestUser user, int width = 1024)
    {
        var page = await web.NewPageAsync(width);
        await web.SignInAsync(page, user);
        return page;
    }

    /// <summary>A published shell with one published must-view lesson "Welcome", made through Core as a district admin.</summary>
    async Task<(Guid Shell, string Title)> PublishedCourseAsync(ShellTestDistrict d, string classId) => await InDistrictAsync(d.District, async scope =>
    {
        var shell = await d.ShellOfAsync(classId);
        var editing = scope.GetRequiredService<ShellEditing>();
        var module = await editing.CreateModuleAsync(Operator, shell, new ModuleInput("Week 1", null, null, null, null), default);
        var item = await editing.CreateItemAsync(Operator, shell, module.Id,
            new ItemInput(ContentKind.Lesson, "Welcome", null, "# Welcome\n\nHello.", CompletionRequirement.MustView, null), null, default);
        await editing.PublishAsync(Operator, shell, item.Id, true, null, default);
        await editing.SetStatusAsync(Operator, shell, ShellStatus.Published, default);
        return (shell, await d.ScalarAsync<string>("select title from course_shells where id = $1", shell));
    });

    Task ListAsync(ShellTestDistrict d, Guid shell, CatalogListingInput input) =>
        InDistrictAsync(d.District, scope => scope.GetRequiredService<CatalogService>().ListAsync(Operator, shell, input, default));

    [Fact]
    public async Task An_admin_lists_courses_and_sees_the_last_reconcile_run_with_what_drifted()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var (pd, pdTitle) = await PublishedCourseAsync(d, "nw-cls-alg1-p1");
        var admin = await SignedInAsync(d.District, await web.Api.CreateUserAsync(d.District, Roles.DistrictAdmin));

        await admin.GotoAsync(web.Url(d.District.Slug, "/"));
        await admin.GetByRole(AriaRole.Link, new() { Name = "Catalog", Exact = true }).ClickAsync();
        await admin.GetByRole(AriaRole.Link, new() { Name = "Manage the catalog" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Manage the catalog", Level = 1 })).ToBeVisibleAsync();
        await Expect(admin.GetByText("The nightly check of the catalog's counters has not run yet.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(admin);

        await admin.GetByLabel("Course", new() { Exact = true }).SelectOptionAsync(pd.ToString());
        await admin.GetByLabel("Audience").SelectOptionAsync("staff");
        await admin.GetByLabel("Tags (separated by commas)").FillAsync("PD, Math");
        await admin.GetByLabel("Seat limit (empty: no limit)").FillAsync("12");
        await admin.GetByRole(AriaRole.Button, new() { Name = "List the course" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToHaveTextAsync("The course is listed in the catalog.");
        var row = admin.GetByRole(AriaRole.Table, new() { Name = "Courses in the catalog" }).GetByRole(AriaRole.Row, new() { Name = pdTitle });
        await Expect(row).ToContainTextAsync("0 enrolled of 12");
        await Expect(row).ToContainTextAsync("pd, math");
        Assert.Equal(12, await d.ScalarAsync<int>("select seat_limit from catalog_listings where shell_id = $1", pd));

        // drift injected as the owner, then the nightly job: the page names the counter, stored and counted
        await using (var owner = new NpgsqlConnection(web.Api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, d.District.Id); // RLS is forced, for the owner too
            await using var cmd = new NpgsqlCommand("update catalog_listings set enrollment_count = 5 where tenant_id = $1", owner);
            cmd.Parameters.AddWithValue(d.District.Id);
            Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
        }
        await web.Api.Services.GetRequiredService<CatalogReconcileRunner>().RunAsync(default);
        await admin.ReloadAsync();
        await Expect(admin.GetByText("1 course checked, 1 with drifted counters, repaired:")).ToBeVisibleAsync();
        var drift = admin.GetByRole(AriaRole.Table, new() { Name = "Counters repaired by the last run" });
        await Expect(drift.GetByRole(AriaRole.Row, new() { Name = $"{pdTitle} enrollment count 5 0" })).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("0 enrolled of 12");
        await BrowserFixture.AssertAccessibleAsync(admin);

        await admin.GetByRole(AriaRole.Button, new() { Name = $"Unlist {pdTitle}" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Status)).ToHaveTextAsync("The course is no longer listed.");
        await Expect(row).ToContainTextAsync("Not listed");

        // a student has no management page
        var student = await SignedInAsync(d.District, await PersonAsync(d.District, "nw-s-009"));
        var response = await student.GotoAsync(web.Url(d.District.Slug, "/catalog/manage"));
        Assert.Equal(403, response!.Status);
    }

    [Fact]
    public async Task A_student_searches_enrols_reviews_and_bookmarks_and_the_next_student_joins_the_waitlist()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var (elective, electiveTitle) = await PublishedCourseAsync(d, "nw-cls-alg1-p3");
        var (pd, _) = await PublishedCourseAsync(d, "nw-cls-alg1-p1");
        await ListAsync(d, elective, new CatalogListingInput(CatalogAudience.Students, ["elective"], 1, null, null, null));
        await ListAsync(d, pd, new CatalogListingInput(CatalogAudience.Staff, ["pd"], null, null, null, null));

        var student = await SignedInAsync(d.District, await PersonAsync(d.District, "nw-s-009"), 360);
        await student.GotoAsync(web.Url(d.District.Slug, "/"));
        await student.GetByRole(AriaRole.Link, new() { Name = "Catalog", Exact = true }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "Catalog", Level = 1 })).ToBeVisibleAsync();
        await Expect(student.Locator(".catalog-card")).ToHaveCountAsync(1); // the staff course is not theirs
        await student.GetByLabel("Search", new() { Exact = true }).FillAsync(electiveTitle[..4].ToLowerInvariant());
        await student.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        var card = student.Locator(".catalog-card", new() { Has = student.GetByRole(AriaRole.Heading, new() { Name = electiveTitle }) });
        await Expect(card).ToContainTextAsync("1 of 1 seats left");
        await Expect(card).ToContainTextAsync("No reviews yet");
        await BrowserFixture.AssertAccessibleAsync(student);
        Assert.True(await student.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "the catalog scrolls sideways at 360 px");

        await card.GetByRole(AriaRole.Button, new() { Name = $"Enrol in {electiveTitle}" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are enrolled. The course is now in My courses.");
        await Expect(card).ToContainTextAsync("0 of 1 seats left");
        await card.Locator("summary").ClickAsync();
        var review = student.GetByRole(AriaRole.Form, new() { Name = $"Review {electiveTitle}" });
        await review.GetByLabel("4").CheckAsync();
        await review.GetByLabel("Your review (optional)").FillAsync("Clear and short.");
        await review.GetByRole(AriaRole.Button, new() { Name = "Save the review" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Status)).ToHaveTextAsync("Thank you: your review is saved.");
        await Expect(card).ToContainTextAsync("Rated 4.0 (1)");
        await card.GetByRole(AriaRole.Button, new() { Name = $"Bookmark {electiveTitle}" }).ClickAsync();
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = $"Bookmark {electiveTitle}" })).ToHaveAttributeAsync("aria-pressed", "true");
        await student.GetByRole(AriaRole.Link, new() { Name = "My bookmarks" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Heading, new() { Name = "My bookmarks", Level = 1 })).ToBeVisibleAsync();
        await Expect(student.Locator(".catalog-card")).ToHaveCountAsync(1);
        await BrowserFixture.AssertAccessibleAsync(student);
        await card.GetByRole(AriaRole.Link, new() { Name = "Open the course" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Link, new() { Name = "Welcome" })).ToBeVisibleAsync();

        var next = await SignedInAsync(d.District, await PersonAsync(d.District, "nw-s-008"));
        await next.GotoAsync(web.Url(d.District.Slug, "/catalog"));
        await next.GetByRole(AriaRole.Button, new() { Name = $"Join the waitlist of {electiveTitle}" }).ClickAsync();
        await Expect(next.GetByRole(AriaRole.Status)).ToContainTextAsync("you are on its waitlist");
        await Expect(next.GetByText("On the waitlist: number 1 in line.")).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(next);

        // the first student withdraws: the waitlisted one has the seat
        await student.GotoAsync(web.Url(d.District.Slug, "/catalog"));
        await student.GetByRole(AriaRole.Button, new() { Name = $"Withdraw from {electiveTitle}" }).ClickAsync();
        await Expect(student.GetByRole(AriaRole.Status)).ToHaveTextAsync("You have withdrawn from the course.");
        await next.ReloadAsync();
        await Expect(next.GetByText("Enrolled.")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_teacher_enrols_in_a_PD_course_learns_in_it_and_is_told_which_prerequisite_is_missing()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var (pd, pdTitle) = await PublishedCourseAsync(d, "nw-cls-alg1-p1");
        var (advanced, advancedTitle) = await PublishedCourseAsync(d, "nw-cls-alg1-p3");
        await ListAsync(d, pd, new CatalogListingInput(CatalogAudience.Staff, ["pd"], null, null, null, null));
        await ListAsync(d, advanced, new CatalogListingInput(CatalogAudience.Both, ["pd"], null, null, null, pd));

        var teacher = await SignedInAsync(d.District, await PersonAsync(d.District, "nw-t-003"));
        await teacher.GotoAsync(web.Url(d.District.Slug, "/catalog?tag=pd"));
        await Expect(teacher.Locator(".catalog-card")).ToHaveCountAsync(2);
        await teacher.GetByRole(AriaRole.Button, new() { Name = $"Enrol in {advancedTitle}" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Alert)).ToContainTextAsync($"Complete “{pdTitle}” before enrolling");
        await BrowserFixture.AssertAccessibleAsync(teacher);

        await teacher.GetByRole(AriaRole.Button, new() { Name = $"Enrol in {pdTitle}" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are enrolled. The course is now in My courses.");
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Open the course" }).ClickAsync();
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Welcome" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Welcome" }).First).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(teacher);
        // the visit counted as a learner's: the PD course is completed, so the advanced one now takes them
        Assert.Equal(1, await d.ScalarAsync<int>("select completed_required_count from shell_progress where shell_id = $1 and student_id = $2",
            pd, await d.IdAsync("users", "nw-t-003")));
        await teacher.GotoAsync(web.Url(d.District.Slug, "/catalog?tag=pd"));
        await teacher.GetByRole(AriaRole.Button, new() { Name = $"Enrol in {advancedTitle}" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Status)).ToHaveTextAsync("You are enrolled. The course is now in My courses.");
    }
}
