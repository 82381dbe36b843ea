using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// A guardian's view of their children's progress in Chromium: My children lists each child's courses with the child's
/// percent; a course shows per module and item what is done and what is locked for the child, in words. Another
/// family's child (and a student at the guardian page) is refused. axe on both pages.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class GuardianProgressPagesTests(BrowserFixture web)
{
    [Fact]
    public async Task A_guardian_sees_their_childs_progress_and_locks_and_never_another_familys_child()
    {
        var d = await ShellTestDistrict.CreateAsync(web.Api);
        var shell = await d.ShellOfAsync("nw-cls-alg1-p1");
        var (intro, _) = await web.AsTeacherAsync(d, "nw-t-001", async (editing, teacher) =>
        {
            var week1 = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 1", null, null, null, null), default);
            var week2 = await editing.CreateModuleAsync(teacher, shell, new ModuleInput("Week 2", null, null, null, [week1.Id]), default);
            var first = await editing.CreateItemAsync(teacher, shell, week1.Id, new ItemInput(ContentKind.Lesson, "Intro", null, "Hi", CompletionRequirement.MustView, null), null, default);
            var second = await editing.CreateItemAsync(teacher, shell, week1.Id, new ItemInput(ContentKind.Lesson, "Practice", null, "More", CompletionRequirement.MarkDone, null), null, default);
            var later = await editing.CreateItemAsync(teacher, shell, week2.Id, new ItemInput(ContentKind.Lesson, "Fractions", null, "Later", CompletionRequirement.MustView, null), null, default);
            foreach (var item in new[] { first, second, later }) await editing.PublishAsync(teacher, shell, item.Id, true, null, default);
            await editing.SetStatusAsync(teacher, shell, ShellStatus.Published, default);
            return (first.Id, later.Id);
        });
        // The child (nw-s-001) opens Intro: one of three required items done.
        var child = await d.IdAsync("users", "nw-s-001");
        await DistrictScope.RunAsync(web.Api.Services, new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active), scope =>
            scope.GetRequiredService<ProgressRecorder>().ViewAsync(new ShellViewer(child, new HashSet<string> { Roles.Student }), shell, intro, default));

        var guardian = await web.SignedInAsync(d.District, "nw-g-001");
        await guardian.GotoAsync(web.Url(d.District.Slug, "/children"));
        var card = guardian.Locator("section.card", new() { Has = guardian.Locator($"h2[id='child-{child}']") });
        var course = card.GetByRole(AriaRole.Link, new() { Name = "Algebra I - P1" });
        await Expect(course.Locator("xpath=..")).ToContainTextAsync("33.33 %");
        await BrowserFixture.AssertAccessibleAsync(guardian);
        await course.ClickAsync();
        await Expect(guardian.Locator("#child-progress-percent")).ToHaveTextAsync("33.33 % complete");
        var week1 = guardian.Locator("section.module", new() { Has = guardian.GetByRole(AriaRole.Heading, new() { Name = "Week 1" }) });
        await Expect(week1.Locator("li")).ToContainTextAsync([new Regex(@"Intro:\s+done"), new Regex(@"Practice:\s+not started")]);
        var week2 = guardian.Locator("section.module", new() { Has = guardian.GetByRole(AriaRole.Heading, new() { Name = "Week 2" }) });
        await Expect(week2.Locator(".lock-reason")).ToContainTextAsync("Complete \"Week 1\" first.");
        await Expect(guardian.Locator("main form")).ToHaveCountAsync(0); // read-only
        await BrowserFixture.AssertAccessibleAsync(guardian);

        // Another family's child (nw-s-004, nw-g-003's) in the same course: 404, as a child that does not exist.
        var otherChild = await d.IdAsync("users", "nw-s-004");
        Assert.Equal(404, (await guardian.GotoAsync(web.Url(d.District.Slug, $"/children/{otherChild}/courses/{shell}")))!.Status);
        Assert.Equal(404, (await guardian.GotoAsync(web.Url(d.District.Slug, $"/children/{Guid.NewGuid()}/courses/{shell}")))!.Status);
        // The other family's guardian sees their own child's course, not nw-s-001.
        var other = await web.SignedInAsync(d.District, "nw-g-003");
        Assert.Equal(404, (await other.GotoAsync(web.Url(d.District.Slug, $"/children/{child}/courses/{shell}")))!.Status);
        Assert.Equal(200, (await other.GotoAsync(web.Url(d.District.Slug, $"/children/{otherChild}/courses/{shell}")))!.Status);
        await Expect(other.Locator("#child-progress-percent")).ToHaveTextAsync("0 % complete");
        // A student is not a guardian: the page is 403.
        var student = await web.SignedInAsync(d.District, "nw-s-001");
        Assert.Equal(403, (await student.GotoAsync(web.Url(d.District.Slug, $"/children/{child}/courses/{shell}")))!.Status);
        // Another district's guardian with the same sourced ids sees nothing of this district.
        var e = await ShellTestDistrict.CreateAsync(web.Api);
        var elsewhere = await web.SignedInAsync(e.District, "nw-g-001");
        Assert.Equal(404, (await elsewhere.GotoAsync(web.Url(e.District.Slug, $"/children/{child}/courses/{shell}")))!.Status);
    }
}
