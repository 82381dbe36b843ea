using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The class progress, course analytics and district analytics pages in Chromium over an imported northwind-1.1-bulk:
/// the teacher reaches them from the course page and sorts by keyboard; students get 404; the district admin reaches
/// the district view from the navigation and drills into a school. axe on every page; usable at 360 px.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class AnalyticsPagesTests(BrowserFixture web)
{
    /// <summary>Algebra I P1 published with one required lesson, which nw-s-002 (Ava Patel) has viewed (so completed).</summary>
    async Task<(ShellTestDistrict District, Guid Shell)> CourseWithProgressAsync()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var item = await web.AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
        {
            var module = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 1", null, null, null, null), default);
            var lesson = await editing.CreateItemAsync(teacher, shell, module.Id,
                new ItemInput(ContentKind.Lesson, "Intro", null, "# Hello", CompletionRequirement.MustView, null), null, default);
            await editing.PublishAsync(teacher, shell, lesson.Id, true, null, default);
            await editing.SetStatusAsync(teacher, shell, ShellStatus.Published, default);
            return lesson.Id;
        });
        var student = new ShellViewer(await d.IdAsync("users", "nw-s-002"), new HashSet<string> { Roles.Student });
        await DistrictScope.RunAsync(web.Api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<ProgressRecorder>().ViewAsync(student, shell, item, default));
        return (d, shell);
    }

    [Fact]
    public async Task A_teacher_opens_class_progress_and_course_analytics_from_the_course_and_students_cannot()
    {
        var (d, shell) = await CourseWithProgressAsync();
        var teacher = await web.SignedInAsync(d.District, "nw-t-001");
        await teacher.GotoAsync(web.Url(d.District.Slug, $"/courses/{shell}"));
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Class progress" }).ClickAsync();
        await Expect(teacher.GetByRole(AriaRole.Heading, new() { Name = "Class progress: Algebra I - P1", Level = 1 })).ToBeVisibleAsync();
        var rows = teacher.Locator(".progress-table tbody tr");
        await Expect(rows).ToHaveCountAsync(4); // every enrolled student, with or without progress
        await Expect(teacher.GetByRole(AriaRole.Row, new() { Name = "Ava Patel" })).ToContainTextAsync("Done");
        await Expect(teacher.GetByRole(AriaRole.Row, new() { Name = "Noah Kim" })).ToContainTextAsync("Not started");
        await BrowserFixture.AssertAccessibleAsync(teacher);

        // sort by percent from the keyboard: Ava (100 %) first
        await teacher.GetByRole(AriaRole.Link, new() { Name = "Percent" }).FocusAsync();
        await teacher.Keyboard.PressAsync("Enter");
        await Expect(teacher.Locator("th[aria-sort='descending']")).ToContainTextAsync("Percent");
        await Expect(rows.First.Locator("th")).ToHaveTextAsync("Ava Patel");

        await teacher.GetByRole(AriaRole.Link, new() { Name = "Course analytics" }).ClickAsync();
        await Expect(teacher.Locator("#stat-enrolled")).ToHaveTextAsync("4");
        await Expect(teacher.Locator("#stat-never")).ToHaveTextAsync("3");
        await Expect(teacher.Locator("#stat-rate")).ToHaveTextAsync("25 %");
        await Expect(teacher.Locator("#never-started li")).ToHaveTextAsync(["Noah Kim", "Isabella Nguyen", "Ethan Walker"]);
        await Expect(teacher.Locator("tbody tr", new() { HasText = "Intro" })).ToContainTextAsync("25 %");
        await BrowserFixture.AssertAccessibleAsync(teacher);

        // at 360 px the tables scroll inside their regions; the page does not scroll sideways
        var narrow = await web.SignedInAsync(d.District, "nw-t-001", 360);
        foreach (var path in new[] { $"/courses/{shell}/progress", $"/courses/{shell}/analytics" })
        {
            await narrow.GotoAsync(web.Url(d.District.Slug, path));
            await CoursePageSessions.AssertFitsAsync(narrow);
        }

        var student = await web.SignedInAsync(d.District, "nw-s-002");
        foreach (var path in new[] { $"/courses/{shell}/progress", $"/courses/{shell}/analytics" })
            Assert.Equal(404, (await student.GotoAsync(web.Url(d.District.Slug, path)))!.Status);
        Assert.Equal(0, await student.GetByRole(AriaRole.Link, new() { Name = "Analytics", Exact = true }).CountAsync());
    }

    [Fact]
    public async Task A_district_admin_sees_every_school_and_drills_into_one()
    {
        var (d, shell) = await CourseWithProgressAsync();
        var admin = await web.Api.CreateUserAsync(d.District, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Analytics", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Analytics", Level = 1 })).ToBeVisibleAsync();
        var high = page.GetByRole(AriaRole.Row, new() { Name = "Northwind High School" });
        await Expect(high.Locator("td")).ToHaveTextAsync(["1", "4", "4", "1", "1", "25 %"]);
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = "Northwind Middle School" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Northwind High School" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Courses at Northwind High School" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Row, new() { Name = "Algebra I - P1" })).ToContainTextAsync("25 %");
        await BrowserFixture.AssertAccessibleAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Algebra I - P1" }).ClickAsync();
        await Expect(page.Locator("#stat-enrolled")).ToHaveTextAsync("4");

        var narrow = await web.NewPageAsync(360);
        await web.SignInAsync(narrow, admin);
        await narrow.GotoAsync(web.Url(d.District.Slug, $"/analytics?school={await d.IdAsync("orgs", "nw-hs")}"));
        await CoursePageSessions.AssertFitsAsync(narrow);

        var teacher = await web.SignedInAsync(d.District, "nw-t-001");
        Assert.NotEqual(200, (await teacher.GotoAsync(web.Url(d.District.Slug, "/analytics")))!.Status);
    }
}
